package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pamateam/pama/internal/identity"
)

type codeRequest struct {
	Body struct {
		Email string `json:"email" maxLength:"254" example:"ana@example.com" doc:"Where to send the code"`
	}
}

type codeResponse struct {
	Status int
	Body   struct {
		Email              string `json:"email" doc:"The address the code went to, normalised"`
		ResendAfterSeconds int    `json:"resend_after_seconds" doc:"A new code can be asked for after this many seconds"`
		ExpiresInSeconds   int    `json:"expires_in_seconds" doc:"The code works for this many seconds"`
	}
}

type signInRequest struct {
	Body struct {
		Email string `json:"email" maxLength:"254" example:"ana@example.com"`
		Code  string `json:"code" maxLength:"16" example:"123456" doc:"The 6 digits from the email"`
	}
	UserAgent string `header:"User-Agent"`
}

type passwordSignInRequest struct {
	Body struct {
		Email    string `json:"email" maxLength:"254" example:"ana@example.com"`
		Password string `json:"password" maxLength:"800"`
	}
	UserAgent string `header:"User-Agent"`
}

type signInResponse struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      struct {
		Account    identity.Account `json:"account"`
		NewAccount bool             `json:"new_account" doc:"True when this sign-in created the account"`
	}
}

type signOutResponse struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
}

type accountResponse struct {
	Body identity.Account
}

type updateMeRequest struct {
	Body struct {
		Version     int64   `json:"version" minimum:"1" doc:"The version this change is based on"`
		DisplayName *string `json:"display_name,omitempty" maxLength:"200" example:"Ana Lima"`
	}
}

type passwordRequest struct {
	Body struct {
		CurrentPassword string `json:"current_password,omitempty" maxLength:"800" doc:"Required when a password is set already"`
		NewPassword     string `json:"new_password" maxLength:"800" doc:"10 to 200 characters"`
	}
}

type tokenList struct {
	Body struct {
		Tokens []identity.Token `json:"tokens"`
	}
}

type createTokenRequest struct {
	Body struct {
		Name      string           `json:"name" maxLength:"200" example:"CI bot"`
		Scopes    []identity.Scope `json:"scopes" maxItems:"2" enum:"read,write" example:"[\"read\"]"`
		ExpiresAt time.Time        `json:"expires_at,omitzero" doc:"When the token stops working; empty for never (at most two years ahead)"`
	}
}

type createTokenResponse struct {
	Status int
	Body   struct {
		identity.Token
		Secret string `json:"secret" doc:"The token itself. It is shown only this once."`
	}
}

type tokenPath struct {
	Token string `path:"token" maxLength:"64"`
}

type tokenResponse struct {
	Body identity.Token
}

type emptyResponse struct{}

func (s *Server) authRoutes() {
	register(s, public, huma.Operation{
		OperationID: "request-sign-in-code", Method: http.MethodPost, Path: "/api/v1/auth/code",
		Summary: "Email a sign-in code", Tags: []string{"Sign-in"}, DefaultStatus: http.StatusAccepted,
		Description: "Sends a 6-digit code to the address. It works once, for 10 minutes. Asking again replaces the " +
			"earlier code; an address gets at most one code every 30 seconds and six an hour (429 with Retry-After).",
	}, func(ctx context.Context, in *codeRequest) (*codeResponse, error) {
		sent, err := s.deps.Identity.RequestCode(ctx, in.Body.Email)
		if err != nil {
			return nil, err
		}
		out := &codeResponse{Status: http.StatusAccepted}
		out.Body.Email = sent.Email
		out.Body.ResendAfterSeconds = int(sent.ResendAfter.Seconds())
		out.Body.ExpiresInSeconds = int(sent.ExpiresIn.Seconds())
		return out, nil
	})

	register(s, public, huma.Operation{
		OperationID: "sign-in-with-code", Method: http.MethodPost, Path: "/api/v1/auth/sign-in",
		Summary: "Sign in with an emailed code", Tags: []string{"Sign-in"},
		Description: "Checks the code and starts a browser session (an HttpOnly cookie). The first sign-in of an " +
			"address creates its account. Five wrong codes void the code.",
	}, func(ctx context.Context, in *signInRequest) (*signInResponse, error) {
		res, err := s.deps.Identity.SignInWithCode(ctx, in.Body.Email, in.Body.Code, s.sessionMeta(ctx, in.UserAgent))
		if err != nil {
			return nil, err
		}
		return s.signedIn(res), nil
	})

	register(s, public, huma.Operation{
		OperationID: "sign-in-with-password", Method: http.MethodPost, Path: "/api/v1/auth/password",
		Summary: "Sign in with a password", Tags: []string{"Sign-in"},
		Description: "For accounts that have set a password. Wrong passwords are throttled per address.",
	}, func(ctx context.Context, in *passwordSignInRequest) (*signInResponse, error) {
		res, err := s.deps.Identity.SignInWithPassword(ctx, in.Body.Email, in.Body.Password, s.sessionMeta(ctx, in.UserAgent))
		if err != nil {
			return nil, err
		}
		return s.signedIn(res), nil
	})

	register(s, signedIn, huma.Operation{
		OperationID: "sign-out", Method: http.MethodPost, Path: "/api/v1/auth/sign-out",
		Summary: "Sign out", Tags: []string{"Sign-in"}, DefaultStatus: http.StatusNoContent,
		Description: "Ends the browser session of this request.",
	}, func(ctx context.Context, _ *struct{}) (*signOutResponse, error) {
		if tok := callerFrom(ctx).session; tok != "" {
			if err := s.deps.Identity.SignOut(ctx, tok); err != nil {
				return nil, err
			}
		}
		return &signOutResponse{SetCookie: s.clearedSessionCookie()}, nil
	})
}

func (s *Server) sessionMeta(ctx context.Context, ua string) identity.SessionMeta {
	return identity.SessionMeta{UserAgent: ua, IP: remoteIP(ctx)}
}

func (s *Server) signedIn(res identity.SignedIn) *signInResponse {
	out := &signInResponse{SetCookie: s.sessionCookieFor(res.SessionToken, s.deps.Identity.SessionTTL())}
	out.Body.Account, out.Body.NewAccount = res.Account, res.NewAccount
	return out
}

func (s *Server) accountRoutes() {
	register(s, signedIn, huma.Operation{
		OperationID: "get-me", Method: http.MethodGet, Path: "/api/v1/me",
		Summary: "Your account", Tags: []string{"Account"},
	}, func(ctx context.Context, _ *struct{}) (*accountResponse, error) {
		a, err := s.deps.Identity.Account(ctx, accountID(ctx))
		if err != nil {
			return nil, err
		}
		return &accountResponse{Body: a}, nil
	})

	register(s, signedIn, huma.Operation{
		OperationID: "update-me", Method: http.MethodPatch, Path: "/api/v1/me",
		Summary: "Change your profile", Tags: []string{"Account"},
		Description: "Fields left out stay as they are. A stale version gets 409 with the current account.",
	}, func(ctx context.Context, in *updateMeRequest) (*accountResponse, error) {
		a, err := s.deps.Identity.UpdateProfile(ctx, accountID(ctx), in.Body.Version,
			identity.ProfilePatch{DisplayName: in.Body.DisplayName})
		if err != nil {
			return nil, err
		}
		return &accountResponse{Body: a}, nil
	})

	register(s, signedIn, huma.Operation{
		OperationID: "set-password", Method: http.MethodPut, Path: "/api/v1/me/password",
		Summary: "Set or change your password", Tags: []string{"Account"}, DefaultStatus: http.StatusNoContent,
		Description: "A password is optional: signing in by emailed code always works.",
	}, func(ctx context.Context, in *passwordRequest) (*emptyResponse, error) {
		return &emptyResponse{}, s.deps.Identity.SetPassword(ctx, accountID(ctx), in.Body.CurrentPassword, in.Body.NewPassword)
	})

	register(s, signedIn, huma.Operation{
		OperationID: "list-tokens", Method: http.MethodGet, Path: "/api/v1/me/tokens",
		Summary: "Your API tokens", Tags: []string{"Account"},
	}, func(ctx context.Context, _ *struct{}) (*tokenList, error) {
		list, err := s.deps.Identity.Tokens(ctx, accountID(ctx))
		if err != nil {
			return nil, err
		}
		out := &tokenList{}
		out.Body.Tokens = list
		if out.Body.Tokens == nil {
			out.Body.Tokens = []identity.Token{}
		}
		return out, nil
	})

	register(s, signedIn, huma.Operation{
		OperationID: "create-token", Method: http.MethodPost, Path: "/api/v1/me/tokens",
		Summary: "Create an API token", Tags: []string{"Account"}, DefaultStatus: http.StatusCreated,
		Description: "The response holds the token's secret, shown only this once. Scopes: `read` (GET only) and `write`.",
	}, func(ctx context.Context, in *createTokenRequest) (*createTokenResponse, error) {
		if callerFrom(ctx).principal.TokenID != "" {
			return nil, newProblem(http.StatusForbidden, "API tokens cannot create API tokens; sign in in a browser.")
		}
		t, secret, err := s.deps.Identity.CreateToken(ctx, accountID(ctx), identity.NewToken{
			Name: in.Body.Name, Scopes: in.Body.Scopes, ExpiresAt: in.Body.ExpiresAt,
		})
		if err != nil {
			return nil, err
		}
		out := &createTokenResponse{Status: http.StatusCreated}
		out.Body.Token, out.Body.Secret = t, secret
		return out, nil
	})

	register(s, signedIn, huma.Operation{
		OperationID: "revoke-token", Method: http.MethodDelete, Path: "/api/v1/me/tokens/{token}",
		Summary: "Revoke an API token", Tags: []string{"Account"},
		Description: "The token stops working at once. It stays in the list, marked revoked.",
	}, func(ctx context.Context, in *tokenPath) (*tokenResponse, error) {
		t, err := s.deps.Identity.RevokeToken(ctx, accountID(ctx), in.Token)
		if err != nil {
			return nil, err
		}
		return &tokenResponse{Body: t}, nil
	})
}
