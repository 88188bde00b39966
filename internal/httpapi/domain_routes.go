package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pamateam/pama/internal/route"
	"github.com/pamateam/pama/internal/team"
)

// DomainPath names a custom domain in a path.
type DomainPath struct {
	Domain string `path:"domain" maxLength:"253" example:"board.example.org"`
}

// domainView is a custom domain with what to do next.
type domainView struct {
	route.Domain
	Verified bool   `json:"verified"`
	ProofURL string `json:"proof_url" doc:"Pama answers the token here once the domain's DNS points at this install; verification asks it"`
}

func viewDomain(d route.Domain) domainView {
	return domainView{Domain: d, Verified: d.Verified(), ProofURL: "http://" + d.Name + route.ProofPath + d.Token}
}

func viewDomains(ds []route.Domain) []domainView {
	out := make([]domainView, len(ds))
	for i, d := range ds {
		out[i] = viewDomain(d)
	}
	return out
}

type domainResponse struct {
	Body domainView
}

type domainCreatedResponse struct {
	Status int
	Body   domainView
}

type domainsResponse struct {
	Body struct {
		Domains []domainView `json:"domains"`
	}
}

type addDomainRequest struct {
	TeamPath
	Body struct {
		Domain string `json:"domain" maxLength:"253" example:"board.example.org" doc:"A domain whose DNS (A/AAAA or CNAME) points at this install"`
	}
}

type teamDomainRequest struct {
	TeamPath
	DomainPath
}

type adminAddDomainRequest struct {
	Body struct {
		Team     string `json:"team" maxLength:"64" example:"blue-whales" doc:"Team space id or address"`
		Domain   string `json:"domain" maxLength:"253" example:"board.example.org"`
		Verified bool   `json:"verified,omitempty" doc:"Mark it verified without a check (the operator vouches for it)"`
	}
}

func (s *Server) domainRoutes() {
	tags := []string{"Custom domains"}
	register(s, in(team.PermManageTeam), huma.Operation{
		OperationID: "list-team-domains", Method: http.MethodGet, Path: "/api/v1/teams/{team}/domains",
		Summary: "A team's custom domains", Tags: tags,
	}, func(ctx context.Context, _ *TeamPath) (*domainsResponse, error) {
		ds, err := s.deps.Routes.Domains(ctx, teamAccess(ctx).Team.ID)
		if err != nil {
			return nil, err
		}
		out := &domainsResponse{}
		out.Body.Domains = viewDomains(ds)
		return out, nil
	})

	register(s, in(team.PermManageTeam), huma.Operation{
		OperationID: "add-team-domain", Method: http.MethodPost, Path: "/api/v1/teams/{team}/domains",
		Summary: "Add a custom domain", Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{http.StatusConflict},
		Description: "Claims the domain for the space, pending verification. Point its DNS at this install, then call " +
			"verify-team-domain: Pama asks http://<domain>/.well-known/pama-domain/<token> and, when it answers itself, " +
			"the domain serves the space, with a TLS certificate issued on first use when TLS is on. At most 5 per space.",
	}, func(ctx context.Context, in *addDomainRequest) (*domainCreatedResponse, error) {
		d, err := s.deps.Routes.AddDomain(ctx, teamAccess(ctx).Team.ID, accountID(ctx), in.Body.Domain)
		if err != nil {
			return nil, err
		}
		return &domainCreatedResponse{Status: http.StatusCreated, Body: viewDomain(d)}, nil
	})

	register(s, in(team.PermManageTeam), huma.Operation{
		OperationID: "verify-team-domain", Method: http.MethodPost, Path: "/api/v1/teams/{team}/domains/{domain}/verify",
		Summary: "Verify a custom domain", Tags: tags,
		Description: "Asks the domain for its token over HTTP (port 80). Success makes it serve the space at once; a " +
			"failure gets 422 naming `domain` and saying what went wrong, and is recorded as last_error.",
	}, func(ctx context.Context, in *teamDomainRequest) (*domainResponse, error) {
		d, err := s.deps.Routes.VerifyDomain(ctx, teamAccess(ctx).Team.ID, in.Domain)
		if err != nil {
			return nil, err
		}
		return &domainResponse{Body: viewDomain(d)}, nil
	})

	register(s, in(team.PermManageTeam), huma.Operation{
		OperationID: "remove-team-domain", Method: http.MethodDelete, Path: "/api/v1/teams/{team}/domains/{domain}",
		Summary: "Remove a custom domain", Tags: tags, DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *teamDomainRequest) (*emptyResponse, error) {
		return &emptyResponse{}, s.deps.Routes.RemoveDomain(ctx, teamAccess(ctx).Team.ID, in.Domain)
	})

	register(s, operator, huma.Operation{
		OperationID: "admin-list-domains", Method: http.MethodGet, Path: "/api/v1/admin/domains",
		Summary: "Every custom domain", Tags: tags,
	}, func(ctx context.Context, _ *struct{}) (*domainsResponse, error) {
		ds, err := s.deps.Routes.Domains(ctx, "")
		if err != nil {
			return nil, err
		}
		out := &domainsResponse{}
		out.Body.Domains = viewDomains(ds)
		return out, nil
	})

	register(s, operator, huma.Operation{
		OperationID: "admin-add-domain", Method: http.MethodPost, Path: "/api/v1/admin/domains",
		Summary: "Give a space a custom domain", Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{http.StatusConflict, http.StatusNotFound},
		Description: "Like add-team-domain for any space; `verified` skips the check.",
	}, func(ctx context.Context, in *adminAddDomainRequest) (*domainCreatedResponse, error) {
		t, err := s.deps.Routes.TeamByRef(ctx, in.Body.Team)
		if err != nil {
			return nil, err
		}
		add := s.deps.Routes.AddDomain
		if in.Body.Verified {
			add = s.deps.Routes.AddVerifiedDomain
		}
		d, err := add(ctx, t.ID, accountID(ctx), in.Body.Domain)
		if err != nil {
			return nil, err
		}
		return &domainCreatedResponse{Status: http.StatusCreated, Body: viewDomain(d)}, nil
	})

	register(s, operator, huma.Operation{
		OperationID: "admin-remove-domain", Method: http.MethodDelete, Path: "/api/v1/admin/domains/{domain}",
		Summary: "Remove any custom domain", Tags: tags, DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *DomainPath) (*emptyResponse, error) {
		return &emptyResponse{}, s.deps.Routes.RemoveDomain(ctx, "", in.Domain)
	})
}
