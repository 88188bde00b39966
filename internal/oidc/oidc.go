// Package oidc is Pama ID seen from other applications: Pama as an OpenID
// Connect provider (authorization code with PKCE, refresh tokens, userinfo,
// JWKS with key rotation, consent, clients registered by operators), and
// sign-in to Pama through an external OpenID Connect provider.
//
// The protocol itself is github.com/zitadel/oidc/v3/pkg/op; this package
// implements its storage on Pama's store and adds Pama's rules:
//
//   - redirect URIs match exactly; http is allowed only for loopback hosts;
//   - public clients must use PKCE with S256; plain is refused for everyone;
//   - authorization codes work once and for at most CodeTTL (60 s);
//   - refresh tokens rotate on every use, and presenting a rotated token
//     again revokes every token of that sign-in;
//   - codes, access tokens, refresh tokens and client secrets are stored as
//     hashes; signing keys are stored encrypted and only public keys served;
//   - a new signing key is published before it signs, and a retired key
//     stays published until the last token it signed has expired.
package oidc

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/team"
)

// The scopes a client can be allowed, and what each shares.
const (
	ScopeOpenID        = "openid"         // the account id (sub); always needed
	ScopeProfile       = "profile"        // name and picture
	ScopeEmail         = "email"          // email address (always verified)
	ScopeOfflineAccess = "offline_access" // refresh tokens
	ScopeTeams         = "teams"          // the teams claim: id, slug and role of each team
)

// Scopes lists every scope Pama ID knows, in the order consent shows them.
var Scopes = []string{ScopeOpenID, ScopeProfile, ScopeEmail, ScopeTeams, ScopeOfflineAccess}

// ScopeDescriptions say in plain words what each scope shares.
var ScopeDescriptions = map[string]string{
	ScopeOpenID:        "Know who you are in Pama (your account id)",
	ScopeProfile:       "See your name and picture",
	ScopeEmail:         "See your email address",
	ScopeTeams:         "See which teams you belong to and your role in each",
	ScopeOfflineAccess: "Stay signed in when you are away",
}

// Client is an application registered to sign in with Pama ID.
type Client struct {
	ID           string    `json:"id" doc:"The client_id" example:"c_3kq9y6t0b1x2m4n5"`
	Name         string    `json:"name" doc:"Shown to people on the consent screen" example:"Team Wiki"`
	RedirectURIs []string  `json:"redirect_uris" doc:"Where codes may be sent; matched exactly" example:"[\"https://wiki.example.com/callback\"]"`
	Public       bool      `json:"public" doc:"A public client (browser app, mobile, CLI) has no secret and must use PKCE (S256)"`
	Scopes       []string  `json:"scopes" doc:"Scopes the client may ask for" example:"[\"openid\",\"email\",\"profile\"]"`
	CreatedBy    string    `json:"created_by" doc:"Operator account that registered it"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Version      int64     `json:"version"`
	SecretHash   string    `json:"-"`
}

// Allows reports whether the client may ask for scope.
func (c Client) Allows(scope string) bool { return slices.Contains(c.Scopes, scope) }

// AuthRequest is one authorization request, from /authorize until its code
// is exchanged.
type AuthRequest struct {
	ID                  string
	ClientID            string
	RedirectURI         string
	Scopes              []string
	State               string
	Nonce               string
	ResponseType        string
	ResponseMode        string
	CodeChallenge       string
	CodeChallengeMethod string
	Prompt              []string
	MaxAge              *time.Duration // nil when not asked
	LoginHint           string
	AccountID           string    // who signed in and agreed; "" until then
	AuthTime            time.Time // when that account signed in
	Done                bool
	CreatedAt           time.Time
	ExpiresAt           time.Time
}

// Code is an authorization code, kept as a hash.
type Code struct {
	Hash          string
	AuthRequestID string
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

// AccessToken is an opaque access token. Only a hash of its id is kept.
type AccessToken struct {
	IDHash        string
	AccountID     string
	ClientID      string
	Scopes        []string
	ChainID       string // the refresh chain it belongs to, if any
	AuthRequestID string // the authorization request it came from
	AuthTime      time.Time
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

// RefreshToken is a refresh token. Only a hash of its secret is kept.
type RefreshToken struct {
	ID            string
	Hash          string
	ChainID       string
	AccountID     string
	ClientID      string
	Scopes        []string
	AuthRequestID string
	AuthTime      time.Time
	CreatedAt     time.Time
	ExpiresAt     time.Time
	UsedAt        time.Time // when it was rotated; zero while usable
	RevokedAt     time.Time
}

// Consent is what an account agreed to share with a client.
type Consent struct {
	AccountID  string    `json:"-"`
	ClientID   string    `json:"client_id"`
	ClientName string    `json:"client_name"`
	Scopes     []string  `json:"scopes"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Covers reports whether the consent includes every scope in scopes.
func (c Consent) Covers(scopes []string) bool {
	for _, s := range scopes {
		if !slices.Contains(c.Scopes, s) {
			return false
		}
	}
	return true
}

// StoredKey is a signing key as stored: the private key encrypted.
type StoredKey struct {
	ID         string
	Generation int64
	Algorithm  string
	PublicKey  string // PKIX DER, base64
	PrivateKey string // PKCS #8 DER, encrypted (see keys.go)
	CreatedAt  time.Time
	ActiveAt   time.Time // signs from then on
	ExpiresAt  time.Time // zero while it may still sign; leaves the key set then
}

// Store is the persistence the provider needs; sqlstore.Store implements it.
type Store interface {
	// Secret returns the platform secret called name, creating it with gen
	// the first time. Every node sees the same value.
	Secret(ctx context.Context, name string, gen func() ([]byte, error)) ([]byte, error)

	CreateClient(ctx context.Context, c Client) (Client, error)
	Client(ctx context.Context, id string) (Client, error) // ErrClientNotFound
	Clients(ctx context.Context) ([]Client, error)
	// UpdateClient applies fn to the client if its version is still version.
	UpdateClient(ctx context.Context, id string, version int64, fn func(*Client) error) (Client, error)
	// DeleteClient removes the client with its requests, tokens and consents.
	DeleteClient(ctx context.Context, id string) error

	CreateAuthRequest(ctx context.Context, r AuthRequest) error
	AuthRequest(ctx context.Context, id string) (AuthRequest, error) // ErrAuthRequestNotFound
	// CompleteAuthRequest binds a pending, unexpired request to accountID and
	// marks it done, once: ErrAuthRequestNotFound otherwise. The request then
	// lives until expires.
	CompleteAuthRequest(ctx context.Context, id, accountID string, authTime, now, expires time.Time) (AuthRequest, error)
	DeleteAuthRequest(ctx context.Context, id string) error

	SaveCode(ctx context.Context, c Code) error
	// UseCode marks the code used and returns its request. A code that is
	// unknown or expired is ErrBadCode; a code used before is ErrCodeReplayed,
	// and every token issued from its request is revoked first.
	UseCode(ctx context.Context, hash string, now time.Time) (AuthRequest, error)

	// IssueTokens stores an access token and, when rt is not nil, a refresh token.
	IssueTokens(ctx context.Context, at AccessToken, rt *RefreshToken) error
	// RotateRefreshToken marks the token with oldHash used and stores at and
	// next in its chain, atomically. If the old token was used or revoked
	// already, the whole chain is revoked and ErrRefreshReused returned.
	RotateRefreshToken(ctx context.Context, oldHash string, at AccessToken, next RefreshToken, now time.Time) error
	AccessToken(ctx context.Context, idHash string) (AccessToken, error) // ErrTokenNotFound
	DeleteAccessToken(ctx context.Context, idHash string) error
	RefreshToken(ctx context.Context, hash string) (RefreshToken, error)   // ErrTokenNotFound
	RefreshTokenByID(ctx context.Context, id string) (RefreshToken, error) // ErrTokenNotFound
	// RevokeChain revokes every refresh token of the chain and deletes its access tokens.
	RevokeChain(ctx context.Context, chainID string, now time.Time) error
	// RevokeGrants revokes every token accountID holds for clientID.
	RevokeGrants(ctx context.Context, accountID, clientID string, now time.Time) error

	// SigningKeys returns the stored keys, oldest first.
	SigningKeys(ctx context.Context) ([]StoredKey, error)
	// AddSigningKey stores k; generation must be one more than the newest
	// (ErrKeyRace otherwise). Every older key that has no expiry gets retire
	// as its expiry, and keys expired before now are deleted.
	AddSigningKey(ctx context.Context, k StoredKey, retire, now time.Time) error

	Consent(ctx context.Context, accountID, clientID string) (Consent, error) // ErrConsentNotFound
	SaveConsent(ctx context.Context, c Consent) error
	Consents(ctx context.Context, accountID string) ([]Consent, error)
	// DeleteConsent removes the consent and revokes every token it allowed.
	DeleteConsent(ctx context.Context, accountID, clientID string, now time.Time) error

	// PurgeOIDC deletes expired requests, codes and tokens.
	PurgeOIDC(ctx context.Context, now time.Time) error
}

// Accounts is what the provider needs to know about accounts.
type Accounts interface {
	Account(ctx context.Context, id string) (identity.Account, error)
}

// Teams lists an account's teams, for the teams claim.
type Teams interface {
	MyTeams(ctx context.Context, accountID string, p team.Page) ([]team.MyTeam, string, error)
}

// Errors.
var (
	ErrClientNotFound      = fmt.Errorf("oidc: client %w", errkind.NotFound)
	ErrAuthRequestNotFound = fmt.Errorf("oidc: sign-in request %w (it may have expired or been used)", errkind.NotFound)
	ErrTokenNotFound       = fmt.Errorf("oidc: token %w", errkind.NotFound)
	ErrConsentNotFound     = fmt.Errorf("oidc: consent %w", errkind.NotFound)
	ErrBadCode             = errkind.New(errkind.Unauthenticated, "oidc: the code is unknown or expired")
	ErrCodeReplayed        = errkind.New(errkind.Unauthenticated, "oidc: the code was used before; its tokens are revoked")
	ErrRefreshReused       = errkind.New(errkind.Unauthenticated, "oidc: the refresh token was used before; its sign-in is revoked")
	ErrKeyRace             = errkind.New(errkind.Conflict, "oidc: another node added a signing key at the same time")
	ErrKeyPending          = errkind.New(errkind.Conflict, "oidc: a new signing key is already waiting to take over")
)

// randomString returns n random bytes, base64url-encoded.
func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("oidc: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// hashSecret returns the hex SHA-256 of a high-entropy secret (a token, a
// code, a client secret). Such secrets need no salt or slow hash.
func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
