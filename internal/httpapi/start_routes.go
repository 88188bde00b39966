package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pamateam/pama/internal/captcha"
	"github.com/pamateam/pama/internal/onboard"
	"github.com/pamateam/pama/internal/product"
	"github.com/pamateam/pama/internal/team"
)

// wizardCookie carries the onboarding wizard's token; it is sent only to
// the wizard's operations.
const (
	wizardCookie = "pama_wizard"
	wizardPath   = "/api/v1/start"
)

// WizardCookie is the wizard's cookie in requests.
type WizardCookie struct {
	Wizard string `cookie:"pama_wizard" maxLength:"100" doc:"The wizard's token, set by start-wizard"`
}

// wizardView is the wizard as the browser shows it.
type wizardView struct {
	onboard.Wizard
	Address string `json:"address,omitempty" doc:"Where the new space lives, once created"`
}

type wizardResponse struct {
	Body wizardView
}

type startWizardRequest struct {
	WizardCookie
	Body struct {
		Restart bool `json:"restart,omitempty" doc:"Start over even if a wizard is running in this browser"`
	}
}

type startWizardResponse struct {
	Status    int
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      wizardView
}

type challengeResponse struct {
	Body captcha.Challenge
}

type wizardEmailRequest struct {
	WizardCookie
	Body struct {
		Email        string `json:"email" maxLength:"254" example:"ana@example.com" doc:"Where to send the code"`
		CaptchaToken string `json:"captcha_token" maxLength:"128" doc:"The token of a challenge from get-wizard-challenge"`
		Nonce        int64  `json:"nonce" minimum:"0" doc:"A number such that SHA-256(salt || nonce as 8 big-endian bytes) has the challenge's leading zero bits"`
	}
}

type wizardCodeSentResponse struct {
	Body struct {
		Wizard             wizardView `json:"wizard"`
		ResendAfterSeconds int        `json:"resend_after_seconds"`
		ExpiresInSeconds   int        `json:"expires_in_seconds"`
	}
}

type wizardCodeRequest struct {
	WizardCookie
	UserAgent string `header:"User-Agent"`
	Body      struct {
		Code string `json:"code" maxLength:"16" example:"123456" doc:"The 6 digits from the email"`
	}
}

type wizardSignedInResponse struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      struct {
		Wizard     wizardView `json:"wizard"`
		NewAccount bool       `json:"new_account"`
	}
}

type wizardTeamRequest struct {
	WizardCookie
	Body struct {
		Name string `json:"name" maxLength:"80" example:"Blue Whales"`
		Slug string `json:"slug" maxLength:"100" example:"blue-whales" doc:"The space's address"`
	}
}

type wizardProductRequest struct {
	WizardCookie
	Body struct {
		Name       string    `json:"name" maxLength:"80" example:"Whale watch app"`
		Key        string    `json:"key" maxLength:"10" example:"WWA" doc:"2 to 10 upper-case letters and digits, starting with a letter"`
		Deck       team.Deck `json:"deck,omitempty" enum:"fibonacci,modified_fibonacci,tshirt,powers_of_two,custom" example:"fibonacci"`
		CustomDeck []string  `json:"custom_deck,omitempty" maxItems:"20" doc:"Cards of the custom deck: up to 20, each 1 to 8 characters"`
	}
}

type wizardInvitationsRequest struct {
	WizardCookie
	Body struct {
		Invitations []onboard.Invitee `json:"invitations" maxItems:"20" doc:"Up to 20 people; may be empty"`
	}
}

type wizardFinishResponse struct {
	Status int
	Body   struct {
		Wizard       wizardView             `json:"wizard"`
		Team         teamView               `json:"team"`
		FirstProduct *product.Product       `json:"first_product,omitempty"`
		Invitations  []onboard.InviteResult `json:"invitations"`
	}
}

func (s *Server) view(w onboard.Wizard) wizardView {
	v := wizardView{Wizard: w}
	if w.TeamSlug != "" && s.deps.Routes != nil {
		v.Address = s.deps.Routes.TeamURL(w.TeamSlug)
	}
	return v
}

func (s *Server) wizardCookieFor(token string, ttl int) http.Cookie {
	return http.Cookie{Name: wizardCookie, Value: token, Path: wizardPath, MaxAge: ttl,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode}
}

func (s *Server) startRoutes() {
	tags := []string{"Onboarding"}
	register(s, public, huma.Operation{
		OperationID: "get-wizard-challenge", Method: http.MethodGet, Path: "/api/v1/start/challenge",
		Summary: "A captcha challenge", Tags: tags,
		Description: "A proof-of-work puzzle: find a nonce such that SHA-256(salt || nonce as 8 big-endian bytes) " +
			"starts with `bits` zero bits, and send it with the token to submit-wizard-email. Each challenge works " +
			"once, until it expires. Addresses that ask for many get harder puzzles.",
	}, func(ctx context.Context, _ *struct{}) (*challengeResponse, error) {
		c, err := s.deps.Onboard.Challenge(ctx, remoteIP(ctx))
		if err != nil {
			return nil, err
		}
		return &challengeResponse{Body: c}, nil
	})

	register(s, public, huma.Operation{
		OperationID: "get-wizard", Method: http.MethodGet, Path: wizardPath,
		Summary: "The running wizard", Tags: tags, Errors: []int{http.StatusNotFound},
		Description: "The wizard this browser started (by its cookie), at the step to show. 404 when none runs.",
	}, func(ctx context.Context, in *WizardCookie) (*wizardResponse, error) {
		w, err := s.deps.Onboard.Resume(ctx, in.Wizard)
		if err != nil {
			return nil, err
		}
		return &wizardResponse{Body: s.view(w)}, nil
	})

	register(s, public, huma.Operation{
		OperationID: "start-wizard", Method: http.MethodPost, Path: wizardPath,
		Summary: "Start creating a team space", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "Starts the wizard and sets its cookie. A wizard already running in this browser is returned " +
			"instead (200) unless `restart` is set. Signed-in people skip the email, captcha and code steps. An " +
			"address may start a limited number of wizards an hour (429 with Retry-After).",
	}, func(ctx context.Context, in *startWizardRequest) (*startWizardResponse, error) {
		if !in.Body.Restart {
			if w, err := s.deps.Onboard.Resume(ctx, in.Wizard); err == nil && w.Step != onboard.StepDone {
				return &startWizardResponse{Status: http.StatusOK, Body: s.view(w),
					SetCookie: s.wizardCookieFor(in.Wizard, int(s.deps.Onboard.Config().TTL.Seconds()))}, nil
			}
		}
		w, token, err := s.deps.Onboard.Start(ctx, remoteIP(ctx), accountID(ctx))
		if err != nil {
			return nil, err
		}
		return &startWizardResponse{Status: http.StatusCreated, Body: s.view(w),
			SetCookie: s.wizardCookieFor(token, int(s.deps.Onboard.Config().TTL.Seconds()))}, nil
	})

	register(s, public, huma.Operation{
		OperationID: "submit-wizard-email", Method: http.MethodPost, Path: wizardPath + "/email",
		Summary: "Give the address and the captcha", Tags: tags,
		Description: "Checks the captcha, then emails a sign-in code to the address (codes are throttled per address).",
	}, func(ctx context.Context, in *wizardEmailRequest) (*wizardCodeSentResponse, error) {
		w, sent, err := s.deps.Onboard.Email(ctx, in.Wizard, in.Body.Email, in.Body.CaptchaToken, uint64(in.Body.Nonce))
		if err != nil {
			return nil, err
		}
		out := &wizardCodeSentResponse{}
		out.Body.Wizard = s.view(w)
		out.Body.ResendAfterSeconds, out.Body.ExpiresInSeconds = int(sent.ResendAfter.Seconds()), int(sent.ExpiresIn.Seconds())
		return out, nil
	})

	register(s, public, huma.Operation{
		OperationID: "resend-wizard-code", Method: http.MethodPost, Path: wizardPath + "/code/resend",
		Summary: "Send the code again", Tags: tags,
	}, func(ctx context.Context, in *WizardCookie) (*wizardCodeSentResponse, error) {
		sent, err := s.deps.Onboard.ResendCode(ctx, in.Wizard)
		if err != nil {
			return nil, err
		}
		w, err := s.deps.Onboard.Resume(ctx, in.Wizard)
		if err != nil {
			return nil, err
		}
		out := &wizardCodeSentResponse{}
		out.Body.Wizard = s.view(w)
		out.Body.ResendAfterSeconds, out.Body.ExpiresInSeconds = int(sent.ResendAfter.Seconds()), int(sent.ExpiresIn.Seconds())
		return out, nil
	})

	register(s, public, huma.Operation{
		OperationID: "submit-wizard-code", Method: http.MethodPost, Path: wizardPath + "/code",
		Summary: "Sign in with the emailed code", Tags: tags,
		Description: "A right code signs in (creating the account the first time) and starts a browser session.",
	}, func(ctx context.Context, in *wizardCodeRequest) (*wizardSignedInResponse, error) {
		w, res, err := s.deps.Onboard.Code(ctx, in.Wizard, in.Body.Code, s.sessionMeta(ctx, in.UserAgent))
		if err != nil {
			return nil, err
		}
		out := &wizardSignedInResponse{SetCookie: s.sessionCookieFor(res.SessionToken, s.deps.Identity.SessionTTL())}
		out.Body.Wizard, out.Body.NewAccount = s.view(w), res.NewAccount
		return out, nil
	})

	register(s, public, huma.Operation{
		OperationID: "submit-wizard-team", Method: http.MethodPost, Path: wizardPath + "/team",
		Summary: "Name the team and choose its address", Tags: tags,
		Description: "The address must be valid and free now (check it as it is typed with check-slug); it is " +
			"claimed when the space is created. Needs the session the code step started.",
	}, func(ctx context.Context, in *wizardTeamRequest) (*wizardResponse, error) {
		w, err := s.deps.Onboard.Team(ctx, in.Wizard, accountID(ctx), in.Body.Name, in.Body.Slug)
		if err != nil {
			return nil, err
		}
		return &wizardResponse{Body: s.view(w)}, nil
	})

	register(s, public, huma.Operation{
		OperationID: "submit-wizard-product", Method: http.MethodPost, Path: wizardPath + "/product",
		Summary: "Name the first product and choose the estimation deck", Tags: tags,
	}, func(ctx context.Context, in *wizardProductRequest) (*wizardResponse, error) {
		w, err := s.deps.Onboard.Product(ctx, in.Wizard, accountID(ctx),
			onboard.ProductDraft{Name: in.Body.Name, Key: in.Body.Key}, in.Body.Deck, in.Body.CustomDeck)
		if err != nil {
			return nil, err
		}
		return &wizardResponse{Body: s.view(w)}, nil
	})

	register(s, public, huma.Operation{
		OperationID: "submit-wizard-invitations", Method: http.MethodPost, Path: wizardPath + "/invitations",
		Summary: "Say who to invite", Tags: tags,
		Description: "Up to 20 people, each with a role; they are invited when the space is created. An empty list is fine.",
	}, func(ctx context.Context, in *wizardInvitationsRequest) (*wizardResponse, error) {
		w, err := s.deps.Onboard.Invitations(ctx, in.Wizard, accountID(ctx), in.Body.Invitations)
		if err != nil {
			return nil, err
		}
		return &wizardResponse{Body: s.view(w)}, nil
	})

	register(s, public, huma.Operation{
		OperationID: "finish-wizard", Method: http.MethodPost, Path: wizardPath + "/finish",
		Summary: "Create the team space", Tags: tags, DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusConflict},
		Description: "Creates the space with its first product and deck, live at once at its address, and sends the " +
			"invitations. If the address was taken meanwhile, the wizard goes back to the team step and the answer " +
			"is 409 naming `slug`. An account may create a limited number of spaces a day (429).",
	}, func(ctx context.Context, in *WizardCookie) (*wizardFinishResponse, error) {
		res, err := s.deps.Onboard.Finish(ctx, in.Wizard, accountID(ctx))
		if err != nil {
			return nil, err
		}
		if s.deps.Routes != nil {
			s.deps.Routes.Forget(res.Created.Team.Slug)
		}
		out := &wizardFinishResponse{Status: http.StatusCreated}
		out.Body.Wizard = s.view(res.Wizard)
		out.Body.Team = teamView{Team: res.Created.Team, Role: team.RoleOwner}
		out.Body.FirstProduct = res.Created.Product
		out.Body.Invitations = res.Invitations
		return out, nil
	})
}
