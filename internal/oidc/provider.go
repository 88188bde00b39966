package oidc

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	httphelper "github.com/zitadel/oidc/v3/pkg/http"
	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
)

// Paths of the protocol endpoints. Discovery is at
// /.well-known/openid-configuration; LoginPath and ConsentPath are the
// sign-in and consent pages, served by the HTTP layer.
const (
	AuthorizePath  = "/oidc/authorize"
	TokenPath      = "/oidc/token"
	UserinfoPath   = "/oidc/userinfo"
	RevokePath     = "/oidc/revoke"
	IntrospectPath = "/oidc/introspect"
	KeysPath       = "/oidc/keys"
	DiscoveryPath  = "/.well-known/openid-configuration"
	LoginPath      = "/oidc/login"
	ConsentPath    = "/oidc/consent"
)

// Config tunes the provider. Zero durations get the defaults.
type Config struct {
	// Issuer is the public base URL of this install: the iss of every token.
	Issuer          string
	AccessTokenTTL  time.Duration // 1 hour
	IDTokenTTL      time.Duration // 1 hour
	RefreshTokenTTL time.Duration // 30 days; every refresh starts it again
	CodeTTL         time.Duration // 60 seconds, and never more
	AuthRequestTTL  time.Duration // 15 minutes to sign in and agree
	// KeyRotateAfter is how long a signing key signs before a new one is
	// made (90 days); negative turns automatic rotation off.
	KeyRotateAfter time.Duration
	// KeyPublishAhead is how long a new key is published before it signs
	// (24 hours), so relying parties that cache the key set see it first.
	KeyPublishAhead time.Duration
	// KeySecret encrypts the stored private keys. Empty: a generated
	// platform secret in the database does.
	KeySecret string
}

func (c *Config) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.AccessTokenTTL, time.Hour)
	def(&c.IDTokenTTL, time.Hour)
	def(&c.RefreshTokenTTL, 30*24*time.Hour)
	def(&c.CodeTTL, time.Minute)
	def(&c.AuthRequestTTL, 15*time.Minute)
	def(&c.KeyRotateAfter, 90*24*time.Hour)
	def(&c.KeyPublishAhead, 24*time.Hour)
	if c.CodeTTL <= 0 || c.CodeTTL > time.Minute {
		c.CodeTTL = time.Minute
	}
	c.Issuer = strings.TrimRight(c.Issuer, "/")
}

// Provider is Pama ID as an OpenID Connect provider.
type Provider struct {
	store    Store
	accounts Accounts
	teams    Teams
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	keys     *keyring
	op       *op.Provider
	handler  http.Handler

	purgeMu   sync.Mutex
	lastPurge time.Time
}

// NewProvider returns a Provider for cfg.Issuer.
func NewProvider(ctx context.Context, store Store, accounts Accounts, teams Teams, cfg Config, log *slog.Logger) (*Provider, error) {
	cfg.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	u, err := url.Parse(cfg.Issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("oidc: issuer %q must be an http(s) URL without query or fragment", cfg.Issuer)
	}
	p := &Provider{store: store, accounts: accounts, teams: teams, cfg: cfg, log: log, now: time.Now}
	p.keys = &keyring{
		store: store, secret: cfg.KeySecret, rotateAfter: cfg.KeyRotateAfter, publishAhead: cfg.KeyPublishAhead,
		retain: cfg.IDTokenTTL + keyCacheTTL + 5*time.Minute,
		now:    func() time.Time { return p.now() },
	}
	tokenKey, err := store.Secret(ctx, "oidc.token-encryption", func() ([]byte, error) {
		b := make([]byte, 32)
		_, err := rand.Read(b)
		return b, err
	})
	if err != nil || len(tokenKey) != 32 {
		return nil, fmt.Errorf("oidc: token encryption key: %w", errors.Join(err, errors.New("bad key")))
	}
	opCfg := &op.Config{
		CodeMethodS256:        true,
		AuthMethodPost:        true,
		GrantTypeRefreshToken: true,
		SupportedUILocales:    []language.Tag{language.English},
		SupportedScopes:       slices.Clone(Scopes),
		SupportedClaims: []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "azp", "at_hash", "c_hash",
			"name", "picture", "email", "email_verified", "teams"},
	}
	copy(opCfg.CryptoKey[:], tokenKey)
	opts := []op.Option{
		op.WithCustomAuthEndpoint(op.NewEndpoint(strings.TrimPrefix(AuthorizePath, "/"))),
		op.WithCustomTokenEndpoint(op.NewEndpoint(strings.TrimPrefix(TokenPath, "/"))),
		op.WithCustomUserinfoEndpoint(op.NewEndpoint(strings.TrimPrefix(UserinfoPath, "/"))),
		op.WithCustomRevocationEndpoint(op.NewEndpoint(strings.TrimPrefix(RevokePath, "/"))),
		op.WithCustomIntrospectionEndpoint(op.NewEndpoint(strings.TrimPrefix(IntrospectPath, "/"))),
		op.WithCustomKeysEndpoint(op.NewEndpoint(strings.TrimPrefix(KeysPath, "/"))),
	}
	if u.Scheme == "http" {
		opts = append(opts, op.WithAllowInsecure())
	}
	p.op, err = op.NewProvider(opCfg, &storage{p: p}, op.StaticIssuer(cfg.Issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("oidc: provider: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+DiscoveryPath, p.discovery)
	for _, path := range []string{AuthorizePath, TokenPath, UserinfoPath, RevokePath, IntrospectPath, KeysPath} {
		mux.Handle(path, p.op)
	}
	p.handler = mux
	return p, nil
}

// SetClock replaces the provider's clock (expiries, key rotation); for tests.
func (p *Provider) SetClock(now func() time.Time) { p.now = now }

// Issuer returns the issuer URL.
func (p *Provider) Issuer() string { return p.cfg.Issuer }

// Handler serves discovery and the protocol endpoints (authorize, token,
// userinfo, revoke, introspect, keys). The sign-in and consent pages are not
// part of it.
func (p *Provider) Handler() http.Handler { return p.handler }

// discovery serves the provider metadata, listing only what Pama supports.
func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	ctx := op.ContextWithIssuer(r.Context(), p.cfg.Issuer)
	d := op.CreateDiscoveryConfig(ctx, p.op, p.op.Storage())
	d.EndSessionEndpoint, d.DeviceAuthorizationEndpoint, d.CheckSessionIframe = "", "", ""
	d.ResponseTypesSupported = []string{string(zoidc.ResponseTypeCode)}
	d.GrantTypesSupported = []zoidc.GrantType{zoidc.GrantTypeCode, zoidc.GrantTypeRefreshToken}
	d.ResponseModesSupported = []string{string(zoidc.ResponseModeQuery), string(zoidc.ResponseModeFormPost)}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	httphelper.MarshalJSON(w, d)
}

// LoginRequest is a pending sign-in, as the sign-in and consent pages show it.
type LoginRequest struct {
	ID     string
	Client Client
	Scopes []string
	// PromptNone, PromptLogin and PromptConsent are the prompt values the
	// client sent: answer without any page, sign in again, ask again.
	PromptNone, PromptLogin, PromptConsent bool
	MaxAge                                 *time.Duration
	LoginHint                              string
	CreatedAt                              time.Time
}

// FreshEnough reports whether a sign-in at authTime satisfies the request:
// with prompt=login it must have happened after the request was made, with
// max_age no longer ago than that.
func (lr LoginRequest) FreshEnough(authTime, now time.Time) bool {
	if lr.PromptLogin && authTime.Before(lr.CreatedAt) {
		return false
	}
	if lr.MaxAge != nil && now.Sub(authTime) > *lr.MaxAge {
		return false
	}
	return true
}

// LoginRequest returns the pending request id: not done, not expired.
func (p *Provider) LoginRequest(ctx context.Context, id string) (LoginRequest, error) {
	if id == "" || len(id) > 64 {
		return LoginRequest{}, ErrAuthRequestNotFound
	}
	ar, err := p.store.AuthRequest(ctx, id)
	if err != nil {
		return LoginRequest{}, err
	}
	if ar.Done || !p.now().Before(ar.ExpiresAt) {
		return LoginRequest{}, ErrAuthRequestNotFound
	}
	c, err := p.store.Client(ctx, ar.ClientID)
	if err != nil {
		return LoginRequest{}, err
	}
	return LoginRequest{
		ID: ar.ID, Client: c, Scopes: ar.Scopes, MaxAge: ar.MaxAge, LoginHint: ar.LoginHint, CreatedAt: ar.CreatedAt,
		PromptNone:    slices.Contains(ar.Prompt, zoidc.PromptNone),
		PromptLogin:   slices.Contains(ar.Prompt, zoidc.PromptLogin),
		PromptConsent: slices.Contains(ar.Prompt, zoidc.PromptConsent),
	}, nil
}

// ConsentRemembered reports whether accountID agreed before to share every
// scope lr asks for with its client (and the client did not ask to be asked again).
func (p *Provider) ConsentRemembered(ctx context.Context, accountID string, lr LoginRequest) (bool, error) {
	if lr.PromptConsent {
		return false, nil
	}
	c, err := p.store.Consent(ctx, accountID, lr.Client.ID)
	if errors.Is(err, ErrConsentNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return c.Covers(lr.Scopes), nil
}

// Approve completes the request id for accountID, who signed in at authTime
// and agreed to share its scopes: the consent is remembered, and the browser
// is sent back to the client with an authorization code. A request is
// approved at most once; later attempts get ErrAuthRequestNotFound and write
// nothing.
func (p *Provider) Approve(w http.ResponseWriter, r *http.Request, id, accountID string, authTime time.Time) error {
	ctx := r.Context()
	now := p.now().UTC()
	ar, err := p.store.CompleteAuthRequest(ctx, id, accountID, authTime.UTC(), now, now.Add(p.cfg.CodeTTL+time.Minute))
	if err != nil {
		return err
	}
	prev, err := p.store.Consent(ctx, accountID, ar.ClientID)
	if err != nil && !errors.Is(err, ErrConsentNotFound) {
		return err
	}
	scopes := slices.Clone(prev.Scopes)
	for _, s := range ar.Scopes {
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	created := prev.CreatedAt
	if created.IsZero() {
		created = now
	}
	if err := p.store.SaveConsent(ctx, Consent{AccountID: accountID, ClientID: ar.ClientID, Scopes: scopes,
		CreatedAt: created, UpdatedAt: now}); err != nil {
		return err
	}
	r = r.WithContext(op.ContextWithIssuer(ctx, p.cfg.Issuer))
	op.AuthResponse(&authRequest{ar}, p.op, w, r)
	return nil
}

// Refusal is why a request ends without a code.
type Refusal int

// The refusals.
const (
	RefuseDenied          Refusal = iota // the person said no
	RefuseLoginRequired                  // prompt=none, and nobody is signed in
	RefuseConsentRequired                // prompt=none, and consent is needed
)

// Refuse ends the request id and sends the browser back to the client with
// the error for why.
func (p *Provider) Refuse(w http.ResponseWriter, r *http.Request, id string, why Refusal) error {
	ctx := r.Context()
	ar, err := p.store.AuthRequest(ctx, id)
	if err != nil {
		return err
	}
	if ar.Done || !p.now().Before(ar.ExpiresAt) {
		return ErrAuthRequestNotFound
	}
	if err := p.store.DeleteAuthRequest(ctx, id); err != nil {
		return err
	}
	e := zoidc.ErrAccessDenied().WithDescription("The person declined to sign in to this application.")
	switch why {
	case RefuseLoginRequired:
		e = zoidc.ErrLoginRequired()
	case RefuseConsentRequired:
		e = &zoidc.Error{ErrorType: "consent_required", Description: "The application needs your consent; sign in to Pama to give it."}
	}
	r = r.WithContext(op.ContextWithIssuer(ctx, p.cfg.Issuer))
	op.AuthRequestError(w, r, &authRequest{ar}, e, p.op)
	return nil
}

// Consents lists what accountID agreed to share, by application.
func (p *Provider) Consents(ctx context.Context, accountID string) ([]Consent, error) {
	return p.store.Consents(ctx, accountID)
}

// RevokeConsent forgets what accountID agreed to share with clientID and
// revokes every token that client holds for the account.
func (p *Provider) RevokeConsent(ctx context.Context, accountID, clientID string) error {
	if len(clientID) > 64 {
		return ErrConsentNotFound
	}
	return p.store.DeleteConsent(ctx, accountID, clientID, p.now().UTC())
}

// Keys describes the signing keys in the key set, oldest first.
func (p *Provider) Keys(ctx context.Context) ([]KeyInfo, error) { return p.keys.infos(ctx) }

// RotateKeys adds a new signing key. Normally it is published at once and
// signs after KeyPublishAhead, while older keys stay published until what
// they signed has expired; ErrKeyPending when a new key is waiting already.
// With immediate, for a leaked key, the new key signs at once and older keys
// leave the key set at once.
func (p *Provider) RotateKeys(ctx context.Context, immediate bool) ([]KeyInfo, error) {
	keys, err := p.keys.rotate(ctx, immediate)
	if err != nil {
		return nil, err
	}
	p.log.InfoContext(ctx, "signing keys rotated", "immediate", immediate)
	return keys, nil
}

// maybePurge deletes expired requests, codes and tokens, at most every ten
// minutes per node, in the background.
func (p *Provider) maybePurge(ctx context.Context) {
	now := p.now()
	p.purgeMu.Lock()
	if now.Sub(p.lastPurge) < 10*time.Minute {
		p.purgeMu.Unlock()
		return
	}
	p.lastPurge = now
	p.purgeMu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := p.store.PurgeOIDC(ctx, now.UTC()); err != nil {
			p.log.WarnContext(ctx, "purge expired sign-in data", "err", err)
		}
	}()
}
