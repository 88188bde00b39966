package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/oidc"
)

// ClientPath names a registered client in the path.
type ClientPath struct {
	Client string `path:"client" maxLength:"64" doc:"The client_id" example:"c_3kq9y6t0b1x2m4n5"`
}

// ProviderPath names an external sign-in provider in the path.
type ProviderPath struct {
	Provider string `path:"provider" maxLength:"32" doc:"The provider's id in the configuration" example:"corp"`
}

// PasskeyPath names one of the caller's passkeys in the path.
type PasskeyPath struct {
	Passkey string `path:"passkey" maxLength:"64"`
}

type clientList struct {
	Body struct {
		Clients []oidc.Client `json:"clients"`
	}
}

type clientResponse struct {
	Body oidc.Client
}

type createClientRequest struct {
	Body struct {
		Name         string   `json:"name" maxLength:"200" example:"Team Wiki" doc:"Shown to people on the consent screen"`
		RedirectURIs []string `json:"redirect_uris" maxItems:"10" example:"[\"https://wiki.example.com/callback\"]" doc:"Exact redirect URIs; https, or http on localhost"`
		Public       bool     `json:"public,omitempty" doc:"A public client (browser app, mobile, CLI) has no secret and must use PKCE with S256"`
		Scopes       []string `json:"scopes" maxItems:"5" enum:"openid,profile,email,teams,offline_access" example:"[\"openid\",\"profile\",\"email\"]" doc:"Scopes the client may ask for; openid is required, offline_access allows refresh tokens"`
	}
}

type clientSecretResponse struct {
	Status int
	Body   struct {
		Client oidc.Client `json:"client"`
		Secret string      `json:"secret,omitempty" doc:"The client secret of a confidential client. It is shown only this once."`
	}
}

type updateClientRequest struct {
	ClientPath
	Body struct {
		Version      int64    `json:"version" minimum:"1" doc:"The version this change is based on"`
		Name         *string  `json:"name,omitempty" maxLength:"200"`
		RedirectURIs []string `json:"redirect_uris,omitempty" maxItems:"10"`
		Scopes       []string `json:"scopes,omitempty" maxItems:"5" enum:"openid,profile,email,teams,offline_access"`
	}
}

type rotateSecretRequest struct {
	ClientPath
	Body struct {
		Version int64 `json:"version" minimum:"1" doc:"The version this change is based on"`
	}
}

type keyList struct {
	Body struct {
		Keys []oidc.KeyInfo `json:"keys"`
	}
}

type rotateKeysRequest struct {
	Body struct {
		Immediate bool `json:"immediate,omitempty" doc:"For a leaked key: the new key signs at once and older keys leave the key set at once, so tokens they signed stop verifying"`
	}
}

type consentList struct {
	Body struct {
		Consents []oidc.Consent `json:"consents"`
	}
}

type externalProviderList struct {
	Body struct {
		Providers []externalProviderEntry `json:"providers"`
	}
}

type externalProviderEntry struct {
	oidc.ExternalProviderInfo
	StartURL string `json:"start_url" doc:"Send the browser here to sign in through this provider" example:"/api/v1/auth/external/corp/start"`
}

type externalStartRequest struct {
	ProviderPath
	ReturnTo string `query:"return_to" maxLength:"1024" doc:"A path on this site to return to after signing in" example:"/teams"`
}

type redirectResponse struct {
	Status    int
	Location  string        `header:"Location"`
	SetCookie []http.Cookie `header:"Set-Cookie"`
}

type externalCallbackRequest struct {
	ProviderPath
	State            string `query:"state" maxLength:"128"`
	Code             string `query:"code" maxLength:"2048"`
	Error            string `query:"error" maxLength:"128"`
	ErrorDescription string `query:"error_description" maxLength:"1024"`
	UserAgent        string `header:"User-Agent"`
	StateCookie      string `cookie:"pama_external_state"`
}

type ceremonyResponse struct {
	Body struct {
		Ceremony string          `json:"ceremony" doc:"Send it back with the authenticator's answer"`
		Options  json.RawMessage `json:"options" doc:"Options for navigator.credentials.create() or .get(): {\"publicKey\": {...}} with binary fields base64url-encoded"`
	}
}

type registerPasskeyRequest struct {
	Body struct {
		Ceremony   string          `json:"ceremony" maxLength:"128"`
		Name       string          `json:"name,omitempty" maxLength:"200" example:"Laptop"`
		Credential json.RawMessage `json:"credential" doc:"The PublicKeyCredential from navigator.credentials.create(), as JSON (toJSON())"`
	}
}

type passkeySignInRequest struct {
	Body struct {
		Ceremony   string          `json:"ceremony" maxLength:"128"`
		Credential json.RawMessage `json:"credential" doc:"The PublicKeyCredential from navigator.credentials.get(), as JSON (toJSON())"`
	}
	UserAgent string `header:"User-Agent"`
}

type passkeyResponse struct {
	Status int
	Body   identity.Passkey
}

type passkeyList struct {
	Body struct {
		Passkeys []identity.Passkey `json:"passkeys"`
	}
}

const externalStateCookie = "pama_external_state"

// errNoOIDC answers when the provider is not part of this server.
var errNoOIDC = errkind.New(errkind.Unavailable, "Pama ID is not enabled on this server")

// oidcAdminRoutes registers the operators' API for Pama ID: registered
// clients and signing keys.
func (s *Server) oidcAdminRoutes() {
	tags := []string{"Pama ID administration"}
	prov := func() (*oidc.Provider, error) {
		if s.deps.OIDC == nil {
			return nil, errNoOIDC
		}
		return s.deps.OIDC, nil
	}

	register(s, operator, huma.Operation{
		OperationID: "list-oidc-clients", Method: http.MethodGet, Path: "/api/v1/admin/oidc/clients",
		Summary: "Registered applications", Tags: tags,
		Description: "Applications that may sign people in with Pama ID. Secrets are never shown again.",
	}, func(ctx context.Context, _ *struct{}) (*clientList, error) {
		p, err := prov()
		if err != nil {
			return nil, err
		}
		list, err := p.Clients(ctx)
		if err != nil {
			return nil, err
		}
		out := &clientList{}
		out.Body.Clients = list
		if out.Body.Clients == nil {
			out.Body.Clients = []oidc.Client{}
		}
		return out, nil
	})

	register(s, operator, huma.Operation{
		OperationID: "create-oidc-client", Method: http.MethodPost, Path: "/api/v1/admin/oidc/clients",
		Summary: "Register an application", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "Registers an application to sign in with Pama ID. A confidential client gets a secret, shown " +
			"only in this response and stored as a hash. Redirect URIs match exactly; they must be https, or http " +
			"on localhost. Public clients must use PKCE (S256).",
	}, func(ctx context.Context, in *createClientRequest) (*clientSecretResponse, error) {
		p, err := prov()
		if err != nil {
			return nil, err
		}
		c, secret, err := p.CreateClient(ctx, accountID(ctx), oidc.NewClient{Name: in.Body.Name,
			RedirectURIs: in.Body.RedirectURIs, Public: in.Body.Public, Scopes: in.Body.Scopes})
		if err != nil {
			return nil, err
		}
		out := &clientSecretResponse{Status: http.StatusCreated}
		out.Body.Client, out.Body.Secret = c, secret
		return out, nil
	})

	register(s, operator, huma.Operation{
		OperationID: "get-oidc-client", Method: http.MethodGet, Path: "/api/v1/admin/oidc/clients/{client}",
		Summary: "A registered application", Tags: tags, Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, in *ClientPath) (*clientResponse, error) {
		p, err := prov()
		if err != nil {
			return nil, err
		}
		c, err := p.Client(ctx, in.Client)
		if err != nil {
			return nil, err
		}
		return &clientResponse{Body: c}, nil
	})

	register(s, operator, huma.Operation{
		OperationID: "update-oidc-client", Method: http.MethodPatch, Path: "/api/v1/admin/oidc/clients/{client}",
		Summary: "Change a registered application", Tags: tags, Errors: []int{http.StatusNotFound, http.StatusConflict},
		Description: "Fields left out stay as they are. Tokens already issued stay valid until they expire; " +
			"delete the client or rotate its secret to cut it off.",
	}, func(ctx context.Context, in *updateClientRequest) (*clientResponse, error) {
		p, err := prov()
		if err != nil {
			return nil, err
		}
		c, err := p.UpdateClient(ctx, in.Client, in.Body.Version, oidc.ClientPatch{Name: in.Body.Name,
			RedirectURIs: in.Body.RedirectURIs, Scopes: in.Body.Scopes})
		if err != nil {
			return nil, err
		}
		return &clientResponse{Body: c}, nil
	})

	register(s, operator, huma.Operation{
		OperationID: "rotate-oidc-client-secret", Method: http.MethodPost, Path: "/api/v1/admin/oidc/clients/{client}/secret",
		Summary: "Give an application a new secret", Tags: tags, Errors: []int{http.StatusNotFound, http.StatusConflict},
		Description: "The old secret stops working at once. The new one is shown only in this response.",
	}, func(ctx context.Context, in *rotateSecretRequest) (*clientSecretResponse, error) {
		p, err := prov()
		if err != nil {
			return nil, err
		}
		c, secret, err := p.RotateClientSecret(ctx, in.Client, in.Body.Version)
		if err != nil {
			return nil, err
		}
		out := &clientSecretResponse{Status: http.StatusOK}
		out.Body.Client, out.Body.Secret = c, secret
		return out, nil
	})

	register(s, operator, huma.Operation{
		OperationID: "delete-oidc-client", Method: http.MethodDelete, Path: "/api/v1/admin/oidc/clients/{client}",
		Summary: "Remove a registered application", Tags: tags, DefaultStatus: http.StatusNoContent,
		Errors:      []int{http.StatusNotFound},
		Description: "The application can no longer sign anyone in, and every token issued to it stops working.",
	}, func(ctx context.Context, in *ClientPath) (*emptyResponse, error) {
		p, err := prov()
		if err != nil {
			return nil, err
		}
		return &emptyResponse{}, p.DeleteClient(ctx, in.Client)
	})

	register(s, operator, huma.Operation{
		OperationID: "list-oidc-keys", Method: http.MethodGet, Path: "/api/v1/admin/oidc/keys",
		Summary: "Token signing keys", Tags: tags,
		Description: "The keys in the published key set: the next key (published, not yet signing), the current " +
			"one and retiring ones (published until what they signed has expired). Private keys are never shown.",
	}, func(ctx context.Context, _ *struct{}) (*keyList, error) {
		p, err := prov()
		if err != nil {
			return nil, err
		}
		keys, err := p.Keys(ctx)
		if err != nil {
			return nil, err
		}
		out := &keyList{}
		out.Body.Keys = keys
		return out, nil
	})

	register(s, operator, huma.Operation{
		OperationID: "rotate-oidc-keys", Method: http.MethodPost, Path: "/api/v1/admin/oidc/keys/rotate",
		Summary: "Rotate the token signing key", Tags: tags, Errors: []int{http.StatusConflict},
		Description: "Adds a new key. Normally it is published at once and signs after the publish-ahead time " +
			"(24 hours), and the current key stays published until its tokens have expired; 409 when a new key is " +
			"waiting already. With `immediate`, for a leaked key, the new key signs at once and older keys are " +
			"withdrawn at once. Keys also rotate by themselves by age (--oidc-key-rotation).",
	}, func(ctx context.Context, in *rotateKeysRequest) (*keyList, error) {
		p, err := prov()
		if err != nil {
			return nil, err
		}
		keys, err := p.RotateKeys(ctx, in.Body.Immediate)
		if err != nil {
			return nil, err
		}
		out := &keyList{}
		out.Body.Keys = keys
		return out, nil
	})
}

// pamaIDRoutes registers what members do with Pama ID: the applications
// they agreed to share with, external sign-in and passkeys.
func (s *Server) pamaIDRoutes() {
	register(s, signedIn, huma.Operation{
		OperationID: "list-consents", Method: http.MethodGet, Path: "/api/v1/me/consents",
		Summary: "Applications you signed in to with Pama ID", Tags: []string{"Account"},
		Description: "What you agreed to share with each application.",
	}, func(ctx context.Context, _ *struct{}) (*consentList, error) {
		out := &consentList{}
		out.Body.Consents = []oidc.Consent{}
		if s.deps.OIDC == nil {
			return out, nil
		}
		list, err := s.deps.OIDC.Consents(ctx, accountID(ctx))
		if err != nil {
			return nil, err
		}
		if list != nil {
			out.Body.Consents = list
		}
		return out, nil
	})

	register(s, signedIn, huma.Operation{
		OperationID: "revoke-consent", Method: http.MethodDelete, Path: "/api/v1/me/consents/{client}",
		Summary: "Stop sharing with an application", Tags: []string{"Account"}, DefaultStatus: http.StatusNoContent,
		Errors:      []int{http.StatusNotFound},
		Description: "Forgets what you agreed to share and signs the application out: every token it holds for you stops working.",
	}, func(ctx context.Context, in *ClientPath) (*emptyResponse, error) {
		if s.deps.OIDC == nil {
			return nil, oidc.ErrConsentNotFound
		}
		return &emptyResponse{}, s.deps.OIDC.RevokeConsent(ctx, accountID(ctx), in.Client)
	})

	s.externalRoutes()
	s.passkeyRoutes()
}

func (s *Server) externalRoutes() {
	tags := []string{"Sign-in"}
	register(s, public, huma.Operation{
		OperationID: "list-external-providers", Method: http.MethodGet, Path: "/api/v1/auth/external",
		Summary: "Other ways to sign in", Tags: tags,
		Description: "The external OpenID Connect providers the operator configured, for sign-in buttons.",
	}, func(ctx context.Context, _ *struct{}) (*externalProviderList, error) {
		out := &externalProviderList{}
		out.Body.Providers = []externalProviderEntry{}
		if s.deps.External != nil {
			for _, p := range s.deps.External.Providers() {
				out.Body.Providers = append(out.Body.Providers, externalProviderEntry{ExternalProviderInfo: p,
					StartURL: "/api/v1/auth/external/" + p.ID + "/start"})
			}
		}
		return out, nil
	})

	register(s, public, huma.Operation{
		OperationID: "start-external-sign-in", Method: http.MethodGet, Path: "/api/v1/auth/external/{provider}/start",
		Summary: "Sign in through an external provider", Tags: tags, DefaultStatus: http.StatusFound,
		Errors: []int{http.StatusNotFound, http.StatusServiceUnavailable},
		Description: "Redirects the browser to the provider (with state, nonce and PKCE). The provider sends it back " +
			"to the callback, which signs in and redirects to `return_to`.",
	}, func(ctx context.Context, in *externalStartRequest) (*redirectResponse, error) {
		if s.deps.External == nil {
			return nil, oidc.ErrExternalProviderNotFound
		}
		authURL, state, err := s.deps.External.Start(ctx, in.Provider, in.ReturnTo)
		if err != nil {
			return nil, err
		}
		return &redirectResponse{Status: http.StatusFound, Location: authURL, SetCookie: []http.Cookie{{
			Name: externalStateCookie, Value: state, Path: "/api/v1/auth/external/", MaxAge: 600,
			HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
		}}}, nil
	})

	register(s, public, huma.Operation{
		OperationID: "finish-external-sign-in", Method: http.MethodGet, Path: "/api/v1/auth/external/{provider}/callback",
		Summary: "Come back from an external provider", Tags: tags, DefaultStatus: http.StatusFound,
		Errors: []int{http.StatusNotFound, http.StatusUnauthorized, http.StatusForbidden, http.StatusConflict},
		Description: "The provider's redirect target; register `<base URL>/api/v1/auth/external/{provider}/callback` " +
			"there. The ID token is verified and the provider must have verified the email address. The first time, " +
			"the identity is linked to the account with that address (created if there is none); afterwards the link " +
			"decides, whatever the address at the provider becomes. Starts a session and redirects to `return_to`.",
	}, func(ctx context.Context, in *externalCallbackRequest) (*redirectResponse, error) {
		if s.deps.External == nil {
			return nil, oidc.ErrExternalProviderNotFound
		}
		ext, returnTo, err := s.deps.External.Finish(ctx, in.Provider, in.State, in.StateCookie, in.Code, in.Error)
		if err != nil {
			return nil, err
		}
		res, err := s.deps.Identity.SignInExternal(ctx, ext, s.sessionMeta(ctx, in.UserAgent))
		if err != nil {
			return nil, err
		}
		return &redirectResponse{Status: http.StatusFound, Location: returnTo, SetCookie: []http.Cookie{
			s.sessionCookieFor(res.SessionToken, s.deps.Identity.SessionTTL()),
			{Name: externalStateCookie, Value: "", Path: "/api/v1/auth/external/", MaxAge: -1,
				HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode},
		}}, nil
	})
}

func (s *Server) passkeyRoutes() {
	noTokens := func(ctx context.Context) error {
		if callerFrom(ctx).principal.TokenID != "" {
			return newProblem(http.StatusForbidden, "API tokens cannot manage passkeys; sign in in a browser.")
		}
		return nil
	}

	register(s, public, huma.Operation{
		OperationID: "begin-passkey-sign-in", Method: http.MethodPost, Path: "/api/v1/auth/passkey/options",
		Summary: "Start signing in with a passkey", Tags: []string{"Sign-in"},
		Errors:      []int{http.StatusServiceUnavailable},
		Description: "Returns the options for navigator.credentials.get() and a ceremony id. No address is needed: the passkey says whose it is.",
	}, func(ctx context.Context, _ *struct{}) (*ceremonyResponse, error) {
		id, opts, err := s.deps.Identity.BeginPasskeySignIn(ctx)
		if err != nil {
			return nil, err
		}
		out := &ceremonyResponse{}
		out.Body.Ceremony, out.Body.Options = id, opts
		return out, nil
	})

	register(s, public, huma.Operation{
		OperationID: "sign-in-with-passkey", Method: http.MethodPost, Path: "/api/v1/auth/passkey",
		Summary: "Sign in with a passkey", Tags: []string{"Sign-in"},
		Description: "Checks the authenticator's answer for the ceremony (each ceremony works once, for 5 minutes) and " +
			"starts a browser session.",
	}, func(ctx context.Context, in *passkeySignInRequest) (*signInResponse, error) {
		res, err := s.deps.Identity.SignInWithPasskey(ctx, in.Body.Ceremony, in.Body.Credential, s.sessionMeta(ctx, in.UserAgent))
		if err != nil {
			return nil, err
		}
		return s.signedIn(res), nil
	})

	register(s, signedIn, huma.Operation{
		OperationID: "begin-passkey-registration", Method: http.MethodPost, Path: "/api/v1/me/passkeys/options",
		Summary: "Start adding a passkey", Tags: []string{"Account"},
		Errors:      []int{http.StatusForbidden, http.StatusServiceUnavailable},
		Description: "Returns the options for navigator.credentials.create() and a ceremony id. Browser sessions only.",
	}, func(ctx context.Context, _ *struct{}) (*ceremonyResponse, error) {
		if err := noTokens(ctx); err != nil {
			return nil, err
		}
		id, opts, err := s.deps.Identity.BeginPasskeyRegistration(ctx, accountID(ctx))
		if err != nil {
			return nil, err
		}
		out := &ceremonyResponse{}
		out.Body.Ceremony, out.Body.Options = id, opts
		return out, nil
	})

	register(s, signedIn, huma.Operation{
		OperationID: "register-passkey", Method: http.MethodPost, Path: "/api/v1/me/passkeys",
		Summary: "Add a passkey", Tags: []string{"Account"}, DefaultStatus: http.StatusCreated,
		Errors:      []int{http.StatusForbidden, http.StatusConflict},
		Description: "Checks the authenticator's answer for the ceremony and keeps the passkey. At most 20 per account.",
	}, func(ctx context.Context, in *registerPasskeyRequest) (*passkeyResponse, error) {
		if err := noTokens(ctx); err != nil {
			return nil, err
		}
		pk, err := s.deps.Identity.FinishPasskeyRegistration(ctx, accountID(ctx), in.Body.Ceremony, in.Body.Name, in.Body.Credential)
		if err != nil {
			return nil, err
		}
		return &passkeyResponse{Status: http.StatusCreated, Body: pk}, nil
	})

	register(s, signedIn, huma.Operation{
		OperationID: "list-passkeys", Method: http.MethodGet, Path: "/api/v1/me/passkeys",
		Summary: "Your passkeys", Tags: []string{"Account"},
	}, func(ctx context.Context, _ *struct{}) (*passkeyList, error) {
		list, err := s.deps.Identity.Passkeys(ctx, accountID(ctx))
		if err != nil {
			return nil, err
		}
		out := &passkeyList{}
		out.Body.Passkeys = list
		if out.Body.Passkeys == nil {
			out.Body.Passkeys = []identity.Passkey{}
		}
		return out, nil
	})

	register(s, signedIn, huma.Operation{
		OperationID: "delete-passkey", Method: http.MethodDelete, Path: "/api/v1/me/passkeys/{passkey}",
		Summary: "Remove a passkey", Tags: []string{"Account"}, DefaultStatus: http.StatusNoContent,
		Errors: []int{http.StatusForbidden, http.StatusNotFound},
	}, func(ctx context.Context, in *PasskeyPath) (*emptyResponse, error) {
		if err := noTokens(ctx); err != nil {
			return nil, err
		}
		return &emptyResponse{}, s.deps.Identity.DeletePasskey(ctx, accountID(ctx), in.Passkey)
	})
}
