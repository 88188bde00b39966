package oidc

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/identity"
)

// ExternalProvider is an OpenID Connect provider, configured by the
// operator, through which members may sign in to Pama.
type ExternalProvider struct {
	ID           string   `json:"id"`            // in URLs: lower-case letters, digits, hyphens
	Name         string   `json:"name"`          // on the sign-in button
	Issuer       string   `json:"issuer"`        // its discovery is at <issuer>/.well-known/openid-configuration
	ClientID     string   `json:"client_id"`     // Pama's client id there
	ClientSecret string   `json:"client_secret"` // Pama's client secret there; empty for a public client
	Scopes       []string `json:"scopes"`        // default: openid email profile
}

// ExternalSignIn is a sign-in through an external provider that has started
// and not come back. Only a hash of its state is kept.
type ExternalSignIn struct {
	StateHash string
	Provider  string
	Nonce     string
	Verifier  string // the PKCE code verifier
	ReturnTo  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// ExternalStore keeps external sign-ins in flight; sqlstore.Store implements it.
type ExternalStore interface {
	SaveExternalSignIn(ctx context.Context, s ExternalSignIn) error
	// TakeExternalSignIn returns and deletes the sign-in with stateHash, if
	// it has not expired at now; ErrExternalStateNotFound otherwise.
	TakeExternalSignIn(ctx context.Context, stateHash string, now time.Time) (ExternalSignIn, error)
}

// Errors of external sign-in.
var (
	ErrExternalProviderNotFound = fmt.Errorf("oidc: sign-in provider %w", errkind.NotFound)
	ErrExternalStateNotFound    = errkind.New(errkind.Unauthenticated, "oidc: this sign-in has expired or was finished already; start again")
	ErrExternalWrongBrowser     = errkind.New(errkind.Unauthenticated, "oidc: this sign-in was started in another browser; start again")
	ErrExternalRefused          = errkind.New(errkind.Unauthenticated, "oidc: the provider did not sign you in")
	ErrExternalUnverified       = errkind.New(errkind.Forbidden, "oidc: the provider has not verified your email address")
	ErrExternalUnavailable      = fmt.Errorf("oidc: the sign-in provider does not answer: %w", errkind.Unavailable)
)

// externalTTL is how long a started external sign-in may take.
const externalTTL = 10 * time.Minute

var providerIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// ValidateExternalProviders checks a list of providers as configured.
func ValidateExternalProviders(ps []ExternalProvider) error {
	var errs []error
	seen := map[string]bool{}
	for i, p := range ps {
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("provider %d (%q): %s", i, p.ID, fmt.Sprintf(format, args...)))
		}
		if !providerIDRE.MatchString(p.ID) {
			bad("id must be 1 to 32 lower-case letters, digits or hyphens")
		}
		if seen[p.ID] {
			bad("id is used twice")
		}
		seen[p.ID] = true
		if strings.TrimSpace(p.Name) == "" || len(p.Name) > 80 {
			bad("name must be 1 to 80 characters")
		}
		u, err := url.Parse(p.Issuer)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("issuer must be an https:// URL")
		}
		if p.ClientID == "" {
			bad("client_id is required")
		}
		for _, s := range p.Scopes {
			if s == "" || strings.ContainsAny(s, " \t\r\n") {
				bad("scopes must be single words")
			}
		}
	}
	return errors.Join(errs...)
}

// External signs members in through external OpenID Connect providers.
type External struct {
	store     ExternalStore
	baseURL   string
	providers []ExternalProvider
	client    *http.Client
	log       *slog.Logger
	now       func() time.Time

	mu         sync.Mutex
	discovered map[string]*gooidc.Provider
}

// NewExternal returns an External for providers, whose callbacks are under baseURL.
func NewExternal(store ExternalStore, baseURL string, providers []ExternalProvider, log *slog.Logger) (*External, error) {
	if err := ValidateExternalProviders(providers); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ps := slices.Clone(providers)
	for i := range ps {
		if len(ps[i].Scopes) == 0 {
			ps[i].Scopes = []string{gooidc.ScopeOpenID, "email", "profile"}
		}
		if !slices.Contains(ps[i].Scopes, gooidc.ScopeOpenID) {
			ps[i].Scopes = append([]string{gooidc.ScopeOpenID}, ps[i].Scopes...)
		}
	}
	return &External{store: store, baseURL: strings.TrimRight(baseURL, "/"), providers: ps,
		client: &http.Client{Timeout: 10 * time.Second}, log: log, now: time.Now,
		discovered: map[string]*gooidc.Provider{}}, nil
}

// ExternalProviderInfo is what the sign-in page shows of a provider.
type ExternalProviderInfo struct {
	ID   string `json:"id" example:"corp"`
	Name string `json:"name" example:"Corp SSO"`
}

// Providers lists the configured providers.
func (e *External) Providers() []ExternalProviderInfo {
	out := make([]ExternalProviderInfo, len(e.providers))
	for i, p := range e.providers {
		out[i] = ExternalProviderInfo{ID: p.ID, Name: p.Name}
	}
	return out
}

// CallbackURL is where provider id sends people back; register it there.
func (e *External) CallbackURL(id string) string {
	return e.baseURL + "/api/v1/auth/external/" + id + "/callback"
}

func (e *External) provider(id string) (ExternalProvider, bool) {
	for _, p := range e.providers {
		if p.ID == id {
			return p, true
		}
	}
	return ExternalProvider{}, false
}

// discover returns provider p's metadata, fetched once and kept.
func (e *External) discover(ctx context.Context, p ExternalProvider) (*gooidc.Provider, error) {
	e.mu.Lock()
	d := e.discovered[p.ID]
	e.mu.Unlock()
	if d != nil {
		return d, nil
	}
	d, err := gooidc.NewProvider(gooidc.ClientContext(ctx, e.client), p.Issuer)
	if err != nil {
		e.log.WarnContext(ctx, "external provider discovery failed", "provider", p.ID, "err", err)
		return nil, fmt.Errorf("%w: %w", ErrExternalUnavailable, err)
	}
	e.mu.Lock()
	e.discovered[p.ID] = d
	e.mu.Unlock()
	return d, nil
}

func (e *External) oauth(p ExternalProvider, d *gooidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: p.ClientID, ClientSecret: p.ClientSecret, Endpoint: d.Endpoint(),
		RedirectURL: e.CallbackURL(p.ID), Scopes: p.Scopes}
}

// Start begins a sign-in through provider id. It returns the provider's
// authorization URL to send the browser to, and the state, which the caller
// must also keep in the browser (a cookie) so that Finish can tell the
// sign-in came back to the browser that started it. returnTo must be a path
// on this site; anything else becomes "/".
func (e *External) Start(ctx context.Context, id, returnTo string) (authURL, state string, err error) {
	p, ok := e.provider(id)
	if !ok {
		return "", "", ErrExternalProviderNotFound
	}
	d, err := e.discover(ctx, p)
	if err != nil {
		return "", "", err
	}
	if state, err = randomString(32); err != nil {
		return "", "", err
	}
	nonce, err := randomString(16)
	if err != nil {
		return "", "", err
	}
	verifier := oauth2.GenerateVerifier()
	now := e.now().UTC()
	err = e.store.SaveExternalSignIn(ctx, ExternalSignIn{StateHash: hashSecret(state), Provider: p.ID, Nonce: nonce,
		Verifier: verifier, ReturnTo: LocalPath(returnTo), CreatedAt: now, ExpiresAt: now.Add(externalTTL)})
	if err != nil {
		return "", "", err
	}
	return e.oauth(p, d).AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), gooidc.Nonce(nonce)), state, nil
}

// Finish completes a sign-in through provider id when the browser comes
// back with state and code (or providerError). browserState is the state
// kept in the browser by Start. The ID token is verified (issuer, audience,
// expiry, signature, nonce) and the address must be verified by the
// provider. It returns who signed in and where to send them.
func (e *External) Finish(ctx context.Context, id, state, browserState, code, providerError string) (identity.ExternalIdentity, string, error) {
	var none identity.ExternalIdentity
	p, ok := e.provider(id)
	if !ok {
		return none, "", ErrExternalProviderNotFound
	}
	if state == "" || len(state) > 128 || subtle.ConstantTimeCompare([]byte(state), []byte(browserState)) != 1 {
		return none, "", ErrExternalWrongBrowser
	}
	pending, err := e.store.TakeExternalSignIn(ctx, hashSecret(state), e.now().UTC())
	if err != nil {
		return none, "", err
	}
	if pending.Provider != p.ID {
		return none, "", ErrExternalStateNotFound
	}
	if providerError != "" || code == "" || len(code) > 2048 {
		e.log.InfoContext(ctx, "external sign-in refused", "provider", p.ID, "error", truncate(providerError, 64))
		return none, "", ErrExternalRefused
	}
	d, err := e.discover(ctx, p)
	if err != nil {
		return none, "", err
	}
	cctx := gooidc.ClientContext(ctx, e.client)
	tok, err := e.oauth(p, d).Exchange(cctx, code, oauth2.VerifierOption(pending.Verifier))
	if err != nil {
		e.log.WarnContext(ctx, "external code exchange failed", "provider", p.ID, "err", err)
		return none, "", ErrExternalRefused
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return none, "", fmt.Errorf("%w: no ID token", ErrExternalRefused)
	}
	idt, err := d.VerifierContext(cctx, &gooidc.Config{ClientID: p.ClientID}).Verify(cctx, raw)
	if err != nil {
		e.log.WarnContext(ctx, "external ID token rejected", "provider", p.ID, "err", err)
		return none, "", ErrExternalRefused
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(pending.Nonce)) != 1 {
		return none, "", fmt.Errorf("%w: wrong nonce", ErrExternalRefused)
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified *bool  `json:"email_verified"`
		Name          string `json:"name"`
	}
	if err := idt.Claims(&claims); err != nil {
		return none, "", fmt.Errorf("%w: %w", ErrExternalRefused, err)
	}
	if claims.Email == "" || claims.EmailVerified == nil {
		// Some providers put the claims only in userinfo.
		ui, err := d.UserInfo(cctx, oauth2.StaticTokenSource(tok))
		if err == nil && ui.Subject == idt.Subject {
			claims.Email, claims.EmailVerified = ui.Email, &ui.EmailVerified
			var more struct {
				Name string `json:"name"`
			}
			if ui.Claims(&more) == nil && claims.Name == "" {
				claims.Name = more.Name
			}
		}
	}
	if claims.EmailVerified == nil || !*claims.EmailVerified {
		return none, "", ErrExternalUnverified
	}
	return identity.ExternalIdentity{Provider: p.ID, Subject: idt.Subject, Email: claims.Email, EmailVerified: true,
		Name: claims.Name}, pending.ReturnTo, nil
}

// LocalPath returns s if it is a path on this site ("/..." but not "//..."
// or "/\..."), and "/" otherwise, so a return address cannot send people
// elsewhere.
func LocalPath(s string) string {
	if s == "" || len(s) > 1024 || s[0] != '/' || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") ||
		strings.ContainsAny(s, "\r\n\t") {
		return "/"
	}
	u, err := url.Parse(s)
	if err != nil || u.IsAbs() || u.Host != "" {
		return "/"
	}
	return s
}
