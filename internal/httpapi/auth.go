package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/team"
)

const sessionCookie = "pama_session"

type callerKey struct{}

// caller is who is calling, and in which team, as the middleware found out.
type caller struct {
	principal identity.Principal
	signedIn  bool
	access    team.Access // set for operations in a team
	session   string      // the raw session token, when signed in by cookie
	ip        string      // the client's address
}

// callerFrom returns the caller of the request in ctx. Handlers registered
// with signedIn or in(...) always have a signed-in caller.
func callerFrom(ctx context.Context) *caller {
	c, _ := ctx.Value(callerKey{}).(*caller)
	if c == nil {
		return &caller{}
	}
	return c
}

// remoteIP returns the client address of the request in ctx.
func remoteIP(ctx context.Context) string { return callerFrom(ctx).ip }

// accountID returns the signed-in account of the request in ctx.
func accountID(ctx context.Context) string { return callerFrom(ctx).principal.AccountID }

// authenticate finds the principal from the session cookie or a bearer
// token, and refuses operations that need one when there is none.
func (s *Server) authenticate(ctx huma.Context, next func(huma.Context)) {
	a, _ := ctx.Operation().Metadata[metaAccess].(access)
	c := &caller{ip: clientIP(ctx.RemoteAddr())}
	rctx := ctx.Context()
	if h := ctx.Header("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			s.writeProblem(ctx, newProblem(http.StatusUnauthorized, "The Authorization header must be: Bearer <token>."))
			return
		}
		p, err := s.deps.Identity.AuthenticateToken(rctx, strings.TrimSpace(tok))
		if err != nil {
			s.writeError(ctx, err)
			return
		}
		c.principal, c.signedIn = p, true
	} else if ck, err := huma.ReadCookie(ctx, sessionCookie); err == nil && ck.Value != "" {
		p, err := s.deps.Identity.Authenticate(rctx, ck.Value)
		if err == nil {
			c.principal, c.signedIn, c.session = p, true, ck.Value
		}
	}
	if !a.public && !c.signedIn {
		s.writeProblem(ctx, newProblem(http.StatusUnauthorized, "Sign in first: send the session cookie or an API token."))
		return
	}
	if c.signedIn {
		need := identity.ScopeWrite
		if m := ctx.Method(); m == http.MethodGet || m == http.MethodHead {
			need = identity.ScopeRead
		}
		if !c.principal.Allows(need) {
			s.writeProblem(ctx, newProblem(http.StatusForbidden, "This API token has no "+string(need)+" scope."))
			return
		}
		if wait := s.limits.account(c.principal.AccountID); wait > 0 {
			s.writeLimited(ctx, "requests from this account", wait)
			return
		}
		rctx = activity.WithActor(rctx, c.principal.AccountID)
	} else if wait := s.limits.ip(c.ip); wait > 0 {
		s.writeLimited(ctx, "requests from this address", wait)
		return
	}
	rctx = context.WithValue(rctx, callerKey{}, c)
	next(huma.WithContext(ctx, rctx))
}

// authorize checks the operation's team permission for the caller. It answers
// 404 to non-members, so a team's existence does not leak, and 403 to
// members whose role does not allow the operation.
func (s *Server) authorize(ctx huma.Context, next func(huma.Context)) {
	a, _ := ctx.Operation().Metadata[metaAccess].(access)
	if a.operator {
		ok, err := s.deps.Identity.IsOperator(ctx.Context(), callerFrom(ctx.Context()).principal.AccountID)
		if err != nil {
			s.writeError(ctx, err)
			return
		}
		if !ok {
			s.writeProblem(ctx, newProblem(http.StatusForbidden, "Operators only."))
			return
		}
		next(ctx)
		return
	}
	if a.perm == "" {
		next(ctx)
		return
	}
	c := callerFrom(ctx.Context())
	acc, err := s.deps.Teams.Access(ctx.Context(), ctx.Param("team"), c.principal.AccountID)
	if err != nil {
		s.writeError(ctx, err)
		return
	}
	if err := acc.Check(a.perm); err != nil {
		s.writeError(ctx, err)
		return
	}
	if wait := s.limits.team(acc.Team.ID); wait > 0 {
		s.writeLimited(ctx, "requests to this team space", wait)
		return
	}
	c.access = acc
	next(ctx)
}

// teamAccess returns the team and membership that authorize checked.
func teamAccess(ctx context.Context) team.Access { return callerFrom(ctx).access }

func (s *Server) writeError(ctx huma.Context, err error) {
	s.writeProblem(ctx, problemFor(ctx.Context(), s.log, err))
}

func (s *Server) writeLimited(ctx huma.Context, what string, wait time.Duration) {
	p := newProblem(http.StatusTooManyRequests, "Too many "+what+"; slow down.")
	secs := max(1, int(wait.Seconds()+0.999))
	p.headers = http.Header{"Retry-After": {itoa(secs)}}
	s.writeProblem(ctx, p)
}

// writeProblem writes an error from a middleware, before any handler ran.
func (s *Server) writeProblem(ctx huma.Context, err error) {
	p, ok := err.(*Problem)
	if !ok {
		st, _ := err.(huma.StatusError)
		status := http.StatusInternalServerError
		if st != nil {
			status = st.GetStatus()
		}
		p = newProblem(status, err.Error())
	}
	for k, vs := range p.headers {
		for _, v := range vs {
			ctx.AppendHeader(k, v)
		}
	}
	ctx.SetHeader("Content-Type", "application/problem+json")
	ctx.SetStatus(p.Status)
	json.NewEncoder(ctx.BodyWriter()).Encode(p)
}

// writeProblem writes a problem on a plain handler.
func writeProblem(w http.ResponseWriter, p *Problem) {
	for k, vs := range p.headers {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

// sessionCookieFor returns the cookie that carries a new session.
func (s *Server) sessionCookieFor(token string, ttl time.Duration) http.Cookie {
	return http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", Domain: s.deps.Options.CookieDomain,
		MaxAge:   int(ttl.Seconds()),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	}
}

// clearedSessionCookie removes the session cookie.
func (s *Server) clearedSessionCookie() http.Cookie {
	return http.Cookie{Name: sessionCookie, Value: "", Path: "/", Domain: s.deps.Options.CookieDomain, MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode}
}
