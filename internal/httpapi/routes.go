package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pamateam/pama/internal/team"
)

// access says who may call an operation.
type access struct {
	// public operations need no sign-in (sign-in itself, health).
	public bool
	// operator operations need an account with the operator role
	// (identity.Service.IsOperator); they are outside any team.
	operator bool
	// perm is the permission needed in the team named by the {team} path
	// parameter. Operations under /teams/{team} must set it.
	perm team.Permission
}

var (
	// public: anyone, signed in or not.
	public = access{public: true}
	// signedIn: any signed-in account; for operations outside a team.
	signedIn = access{}
	// operator: signed-in operators only (see --operators); 403 for everyone else.
	operator = access{operator: true}
)

// in returns the access for an operation in a team that needs perm.
func in(perm team.Permission) access { return access{perm: perm} }

const (
	metaAccess = "pama.access"
	bodyLimit  = 64 << 10 // default request body limit for JSON operations
)

// register adds one operation. Every route in the API goes through here, so
// that its access rule is declared and enforced in one place, its errors
// become problems, and its body size is limited.
func register[I, O any](s *Server, a access, op huma.Operation, h func(context.Context, *I) (*O, error)) {
	teamScoped := strings.Contains(op.Path, "{team}")
	switch {
	case teamScoped && a.perm == "":
		panic(fmt.Sprintf("httpapi: %s %s is in a team but declares no permission", op.Method, op.Path))
	case !teamScoped && a.perm != "":
		panic(fmt.Sprintf("httpapi: %s %s declares a team permission but has no {team}", op.Method, op.Path))
	case a.operator && (teamScoped || a.public || !strings.HasPrefix(op.Path, "/api/v1/admin/")):
		panic(fmt.Sprintf("httpapi: operator operation %s %s must be under /api/v1/admin/ and outside teams", op.Method, op.Path))
	case !a.operator && strings.HasPrefix(op.Path, "/api/v1/admin/"):
		panic(fmt.Sprintf("httpapi: %s %s is under /api/v1/admin/ but not operator-only", op.Method, op.Path))
	}
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata[metaAccess] = a
	if !a.public {
		op.Security = []map[string][]string{{"session": {}}, {"token": {}}}
		op.Errors = appendStatus(op.Errors, http.StatusUnauthorized)
	}
	if a.operator {
		op.Errors = appendStatus(op.Errors, http.StatusForbidden)
		op.Description = strings.TrimSpace(op.Description + "\n\nOperators only (accounts named in `--operators`); others get 403.")
	}
	if a.perm != "" {
		op.Errors = appendStatus(op.Errors, http.StatusForbidden, http.StatusNotFound)
		op.Description = strings.TrimSpace(op.Description + "\n\nNeeds the `" + string(a.perm) + "` permission in the team (see docs/roles.md).")
	}
	if op.MaxBodyBytes == 0 {
		op.MaxBodyBytes = bodyLimit
	}
	op.Errors = appendStatus(op.Errors, http.StatusUnprocessableEntity, http.StatusTooManyRequests)
	huma.Register(s.api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, problemFor(ctx, s.log, err)
		}
		return out, nil
	})
}

func appendStatus(list []int, codes ...int) []int {
	for _, c := range codes {
		found := false
		for _, have := range list {
			if have == c {
				found = true
				break
			}
		}
		if !found {
			list = append(list, c)
		}
	}
	return list
}

// routes registers every operation of the API.
func (s *Server) routes() {
	s.authRoutes()
	s.accountRoutes()
	s.teamRoutes()
	s.memberRoutes()
	s.productRoutes()
	s.activityRoutes()
	s.oidcAdminRoutes()
	s.adminSpaceRoutes()
	s.pamaIDRoutes()
	s.backlogRoutes()
	s.sprintRoutes()
	s.reportRoutes()
	s.ceremonyRoutes()
	s.commentRoutes()
	s.notificationRoutes()
	s.attachmentRoutes()
	s.startRoutes()
	s.domainRoutes()
}
