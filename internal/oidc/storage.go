package oidc

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/pamateam/pama/internal/team"
)

// storage implements op.Storage on the provider's Store.
type storage struct{ p *Provider }

var _ op.Storage = (*storage)(nil)

// Limits on what an authorization request may carry.
const (
	maxStateLen     = 512
	maxNonceLen     = 512
	maxLoginHintLen = 254
	maxChallengeLen = 128
)

// authRequest implements op.AuthRequest.
type authRequest struct{ AuthRequest }

func (a *authRequest) GetID() string         { return a.ID }
func (a *authRequest) GetACR() string        { return "" }
func (a *authRequest) GetAMR() []string      { return nil }
func (a *authRequest) GetAudience() []string { return []string{a.ClientID} }
func (a *authRequest) GetAuthTime() time.Time {
	return a.AuthTime
}
func (a *authRequest) GetClientID() string { return a.ClientID }
func (a *authRequest) GetCodeChallenge() *zoidc.CodeChallenge {
	if a.CodeChallenge == "" {
		return nil
	}
	return &zoidc.CodeChallenge{Challenge: a.CodeChallenge, Method: zoidc.CodeChallengeMethod(a.CodeChallengeMethod)}
}
func (a *authRequest) GetNonce() string                    { return a.Nonce }
func (a *authRequest) GetRedirectURI() string              { return a.RedirectURI }
func (a *authRequest) GetResponseType() zoidc.ResponseType { return zoidc.ResponseType(a.ResponseType) }
func (a *authRequest) GetResponseMode() zoidc.ResponseMode { return zoidc.ResponseMode(a.ResponseMode) }
func (a *authRequest) GetScopes() []string                 { return a.Scopes }
func (a *authRequest) GetState() string                    { return a.State }
func (a *authRequest) GetSubject() string                  { return a.AccountID }
func (a *authRequest) Done() bool                          { return a.AuthRequest.Done }

// refreshRequest implements op.RefreshTokenRequest.
type refreshRequest struct {
	RefreshToken
	current []string // scopes asked for in this refresh; nil: all
}

func (r *refreshRequest) GetAMR() []string       { return nil }
func (r *refreshRequest) GetAudience() []string  { return []string{r.ClientID} }
func (r *refreshRequest) GetAuthTime() time.Time { return r.AuthTime }
func (r *refreshRequest) GetClientID() string    { return r.ClientID }
func (r *refreshRequest) GetScopes() []string {
	if r.current != nil {
		return r.current
	}
	return r.Scopes
}
func (r *refreshRequest) GetSubject() string               { return r.AccountID }
func (r *refreshRequest) SetCurrentScopes(scopes []string) { r.current = scopes }

// opClient implements op.Client.
type opClient struct {
	c     Client
	login string
	idTTL time.Duration
}

func (c opClient) GetID() string                    { return c.c.ID }
func (c opClient) RedirectURIs() []string           { return c.c.RedirectURIs }
func (c opClient) PostLogoutRedirectURIs() []string { return nil }
func (c opClient) ApplicationType() op.ApplicationType {
	return op.ApplicationTypeWeb
}
func (c opClient) AuthMethod() zoidc.AuthMethod {
	if c.c.Public {
		return zoidc.AuthMethodNone
	}
	return zoidc.AuthMethodBasic
}
func (c opClient) ResponseTypes() []zoidc.ResponseType {
	return []zoidc.ResponseType{zoidc.ResponseTypeCode}
}
func (c opClient) GrantTypes() []zoidc.GrantType {
	g := []zoidc.GrantType{zoidc.GrantTypeCode}
	if c.c.Allows(ScopeOfflineAccess) {
		g = append(g, zoidc.GrantTypeRefreshToken)
	}
	return g
}
func (c opClient) LoginURL(id string) string            { return c.login + "?id=" + id }
func (c opClient) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c opClient) IDTokenLifetime() time.Duration       { return c.idTTL }
func (c opClient) IsScopeAllowed(scope string) bool     { return c.c.Allows(scope) }
func (c opClient) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c opClient) ClockSkew() time.Duration             { return 0 }
func (c opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// DevMode lets the library accept http redirect URIs. Registration allows
// http only on loopback hosts, and every redirect URI still has to match a
// registered one exactly.
func (c opClient) DevMode() bool { return true }

// CreateAuthRequest stores a validated /authorize request after Pama's own
// checks: PKCE with S256 (required for public clients), openid among the
// scopes, only scopes the client is allowed, and size limits.
func (s *storage) CreateAuthRequest(ctx context.Context, req *zoidc.AuthRequest, _ string) (op.AuthRequest, error) {
	p := s.p
	c, err := p.store.Client(ctx, req.ClientID)
	if err != nil {
		return nil, err
	}
	switch {
	case req.CodeChallenge != "" && req.CodeChallengeMethod != zoidc.CodeChallengeMethodS256:
		return nil, zoidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	case req.CodeChallenge == "" && c.Public:
		return nil, zoidc.ErrInvalidRequest().WithDescription("this client must use PKCE: send code_challenge with code_challenge_method S256")
	case len(req.CodeChallenge) > maxChallengeLen:
		return nil, zoidc.ErrInvalidRequest().WithDescription("code_challenge is too long")
	case len(req.State) > maxStateLen || len(req.Nonce) > maxNonceLen || len(req.LoginHint) > maxLoginHintLen:
		return nil, zoidc.ErrInvalidRequest().WithDescription("state, nonce or login_hint is too long")
	case !slices.Contains(req.Scopes, ScopeOpenID):
		return nil, zoidc.ErrInvalidScope().WithDescription("the openid scope is required")
	case req.ResponseMode != "" && req.ResponseMode != zoidc.ResponseModeQuery && req.ResponseMode != zoidc.ResponseModeFormPost:
		return nil, zoidc.ErrInvalidRequest().WithDescription("response_mode must be query or form_post")
	}
	var scopes []string
	for _, sc := range Scopes { // canonical order; only what the client may ask
		if slices.Contains(req.Scopes, sc) && c.Allows(sc) {
			scopes = append(scopes, sc)
		}
	}
	id, err := randomString(32)
	if err != nil {
		return nil, err
	}
	now := p.now().UTC()
	ar := AuthRequest{
		ID: id, ClientID: c.ID, RedirectURI: req.RedirectURI, Scopes: scopes, State: req.State, Nonce: req.Nonce,
		ResponseType: string(req.ResponseType), ResponseMode: string(req.ResponseMode),
		CodeChallenge: req.CodeChallenge, CodeChallengeMethod: string(req.CodeChallengeMethod),
		LoginHint: req.LoginHint, CreatedAt: now, ExpiresAt: now.Add(p.cfg.AuthRequestTTL),
	}
	for _, pr := range req.Prompt {
		if pr == zoidc.PromptNone || pr == zoidc.PromptLogin || pr == zoidc.PromptConsent {
			ar.Prompt = append(ar.Prompt, pr)
		}
	}
	if req.MaxAge != nil {
		d := time.Duration(min(*req.MaxAge, 1<<31)) * time.Second
		ar.MaxAge = &d
	}
	if err := p.store.CreateAuthRequest(ctx, ar); err != nil {
		return nil, err
	}
	p.maybePurge(ctx)
	return &authRequest{ar}, nil
}

func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	ar, err := s.p.store.AuthRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	return &authRequest{ar}, nil
}

// AuthRequestByCode spends the code: it works once, within CodeTTL.
func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	if code == "" || len(code) > 512 {
		return nil, ErrBadCode
	}
	ar, err := s.p.store.UseCode(ctx, hashSecret(code), s.p.now().UTC())
	if err != nil {
		if errors.Is(err, ErrCodeReplayed) {
			s.p.log.WarnContext(ctx, "authorization code replayed; its tokens are revoked", "auth_request", ar.ID)
		}
		return nil, err
	}
	if !ar.Done || ar.AccountID == "" {
		return nil, ErrBadCode
	}
	return &authRequest{ar}, nil
}

func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	now := s.p.now().UTC()
	return s.p.store.SaveCode(ctx, Code{Hash: hashSecret(code), AuthRequestID: id, CreatedAt: now, ExpiresAt: now.Add(s.p.cfg.CodeTTL)})
}

func (s *storage) DeleteAuthRequest(ctx context.Context, id string) error {
	return s.p.store.DeleteAuthRequest(ctx, id)
}

// grant is what a token request says about the grant behind it.
type grant struct {
	accountID, clientID, authRequestID, chainID string
	scopes                                      []string
	authTime                                    time.Time
}

func grantOf(req op.TokenRequest) (grant, error) {
	switch r := req.(type) {
	case *authRequest:
		return grant{accountID: r.AccountID, clientID: r.ClientID, authRequestID: r.ID, scopes: r.Scopes, authTime: r.AuthTime}, nil
	case *refreshRequest:
		return grant{accountID: r.AccountID, clientID: r.ClientID, authRequestID: r.AuthRequestID, chainID: r.ChainID,
			scopes: r.GetScopes(), authTime: r.AuthTime}, nil
	default:
		return grant{}, fmt.Errorf("oidc: unsupported token request %T", req)
	}
}

// newAccessToken makes an access token for g; the returned id goes into the
// bearer token, only its hash into the store.
func (s *storage) newAccessToken(g grant, chainID string, now time.Time) (string, AccessToken, error) {
	id, err := randomString(32)
	if err != nil {
		return "", AccessToken{}, err
	}
	return id, AccessToken{
		IDHash: hashSecret(id), AccountID: g.accountID, ClientID: g.clientID, Scopes: g.scopes, ChainID: chainID,
		AuthRequestID: g.authRequestID, AuthTime: g.authTime, CreatedAt: now, ExpiresAt: now.Add(s.p.cfg.AccessTokenTTL),
	}, nil
}

func (s *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	g, err := grantOf(req)
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.p.now().UTC()
	id, at, err := s.newAccessToken(g, g.chainID, now)
	if err != nil {
		return "", time.Time{}, err
	}
	if err := s.p.store.IssueTokens(ctx, at, nil); err != nil {
		return "", time.Time{}, err
	}
	return id, at.ExpiresAt, nil
}

// CreateAccessAndRefreshTokens issues the first refresh token of a sign-in,
// or rotates currentRefreshToken: the old token is spent and a new one of the
// same chain returned.
func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, currentRefreshToken string) (string, string, time.Time, error) {
	g, err := grantOf(req)
	if err != nil {
		return "", "", time.Time{}, err
	}
	now := s.p.now().UTC()
	secret, err := randomString(32)
	if err != nil {
		return "", "", time.Time{}, err
	}
	rtID, err := randomString(16)
	if err != nil {
		return "", "", time.Time{}, err
	}
	rt := RefreshToken{
		ID: rtID, Hash: hashSecret(secret), AccountID: g.accountID, ClientID: g.clientID, Scopes: g.scopes,
		AuthRequestID: g.authRequestID, AuthTime: g.authTime, CreatedAt: now, ExpiresAt: now.Add(s.p.cfg.RefreshTokenTTL),
	}
	if currentRefreshToken == "" {
		if rt.ChainID, err = randomString(16); err != nil {
			return "", "", time.Time{}, err
		}
		id, at, err := s.newAccessToken(g, rt.ChainID, now)
		if err != nil {
			return "", "", time.Time{}, err
		}
		if err := s.p.store.IssueTokens(ctx, at, &rt); err != nil {
			return "", "", time.Time{}, err
		}
		return id, secret, at.ExpiresAt, nil
	}
	rr, ok := req.(*refreshRequest)
	if !ok {
		return "", "", time.Time{}, fmt.Errorf("oidc: refresh with %T", req)
	}
	rt.ChainID, rt.Scopes = rr.ChainID, rr.Scopes // the new token keeps the grant's scopes
	id, at, err := s.newAccessToken(g, rt.ChainID, now)
	if err != nil {
		return "", "", time.Time{}, err
	}
	if err := s.p.store.RotateRefreshToken(ctx, hashSecret(currentRefreshToken), at, rt, now); err != nil {
		if errors.Is(err, ErrRefreshReused) {
			s.p.log.WarnContext(ctx, "refresh token reused; its sign-in is revoked", "client", rt.ClientID, "account", rt.AccountID)
			return "", "", time.Time{}, zoidc.ErrInvalidGrant().WithDescription("the refresh token was used before").WithParent(err)
		}
		return "", "", time.Time{}, err
	}
	return id, secret, at.ExpiresAt, nil
}

// TokenRequestByRefreshToken finds a usable refresh token. Presenting one
// that was rotated already revokes its whole chain.
func (s *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	if token == "" || len(token) > 256 {
		return nil, op.ErrInvalidRefreshToken
	}
	rt, err := s.p.store.RefreshToken(ctx, hashSecret(token))
	if errors.Is(err, ErrTokenNotFound) {
		return nil, op.ErrInvalidRefreshToken
	}
	if err != nil {
		return nil, err
	}
	now := s.p.now().UTC()
	switch {
	case !rt.RevokedAt.IsZero():
		return nil, op.ErrInvalidRefreshToken
	case !rt.UsedAt.IsZero():
		if err := s.p.store.RevokeChain(ctx, rt.ChainID, now); err != nil {
			return nil, err
		}
		s.p.log.WarnContext(ctx, "refresh token reused; its sign-in is revoked", "client", rt.ClientID, "account", rt.AccountID)
		return nil, ErrRefreshReused
	case !now.Before(rt.ExpiresAt):
		return nil, op.ErrInvalidRefreshToken
	}
	return &refreshRequest{RefreshToken: rt}, nil
}

// TerminateSession is not used: the end-session endpoint is not served.
func (s *storage) TerminateSession(context.Context, string, string) error { return nil }

// RevokeToken revokes a refresh token (with its chain) or an access token
// (RFC 7009). Unknown tokens are not an error; tokens of another client are.
func (s *storage) RevokeToken(ctx context.Context, tokenOrID, userID, clientID string) *zoidc.Error {
	now := s.p.now().UTC()
	revokeChain := func(rt RefreshToken) *zoidc.Error {
		if rt.ClientID != clientID {
			return zoidc.ErrInvalidClient().WithDescription("the token was not issued to this client")
		}
		if err := s.p.store.RevokeChain(ctx, rt.ChainID, now); err != nil {
			return zoidc.ErrServerError().WithParent(err)
		}
		return nil
	}
	if userID == "" {
		rt, err := s.p.store.RefreshToken(ctx, hashSecret(tokenOrID))
		if err == nil {
			return revokeChain(rt)
		}
		if !errors.Is(err, ErrTokenNotFound) {
			return zoidc.ErrServerError().WithParent(err)
		}
		return nil
	}
	if rt, err := s.p.store.RefreshTokenByID(ctx, tokenOrID); err == nil {
		return revokeChain(rt)
	} else if !errors.Is(err, ErrTokenNotFound) {
		return zoidc.ErrServerError().WithParent(err)
	}
	at, err := s.p.store.AccessToken(ctx, hashSecret(tokenOrID))
	if errors.Is(err, ErrTokenNotFound) {
		return nil
	}
	if err != nil {
		return zoidc.ErrServerError().WithParent(err)
	}
	if at.ClientID != clientID {
		return zoidc.ErrInvalidClient().WithDescription("the token was not issued to this client")
	}
	if err := s.p.store.DeleteAccessToken(ctx, at.IDHash); err != nil {
		return zoidc.ErrServerError().WithParent(err)
	}
	return nil
}

func (s *storage) GetRefreshTokenInfo(ctx context.Context, _ string, token string) (string, string, error) {
	rt, err := s.p.store.RefreshToken(ctx, hashSecret(token))
	if errors.Is(err, ErrTokenNotFound) {
		return "", "", op.ErrInvalidRefreshToken
	}
	if err != nil {
		return "", "", err
	}
	return rt.AccountID, rt.ID, nil
}

func (s *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	return s.p.keys.current(ctx)
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(ctx context.Context) ([]op.Key, error) {
	keys, err := s.p.keys.keySet(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]op.Key, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out, nil
}

func (s *storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	if id == "" || len(id) > 64 {
		return nil, ErrClientNotFound
	}
	c, err := s.p.store.Client(ctx, id)
	if err != nil {
		if errors.Is(err, ErrClientNotFound) {
			return nil, err
		}
		return nil, zoidc.ErrServerError().WithParent(err)
	}
	return opClient{c: c, login: s.p.cfg.Issuer + LoginPath, idTTL: s.p.cfg.IDTokenTTL}, nil
}

func (s *storage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	if id == "" || len(id) > 64 || secret == "" || len(secret) > 256 {
		return errors.New("oidc: wrong client credentials")
	}
	c, err := s.p.store.Client(ctx, id)
	if err != nil {
		if errors.Is(err, ErrClientNotFound) {
			return errors.New("oidc: wrong client credentials")
		}
		return zoidc.ErrServerError().WithParent(err)
	}
	if c.Public || c.SecretHash == "" || subtle.ConstantTimeCompare([]byte(c.SecretHash), []byte(hashSecret(secret))) != 1 {
		return errors.New("oidc: wrong client credentials")
	}
	return nil
}

// SetUserinfoFromScopes fills the claims of an ID token.
func (s *storage) SetUserinfoFromScopes(ctx context.Context, info *zoidc.UserInfo, accountID, _ string, scopes []string) error {
	return s.p.userinfo(ctx, info, accountID, scopes)
}

// SetUserinfoFromToken answers /userinfo for a live access token of subject.
func (s *storage) SetUserinfoFromToken(ctx context.Context, info *zoidc.UserInfo, tokenID, subject, _ string) error {
	at, err := s.liveAccessToken(ctx, tokenID, subject)
	if err != nil {
		return err
	}
	return s.p.userinfo(ctx, info, at.AccountID, at.Scopes)
}

func (s *storage) liveAccessToken(ctx context.Context, tokenID, subject string) (AccessToken, error) {
	if tokenID == "" || len(tokenID) > 128 {
		return AccessToken{}, ErrTokenNotFound
	}
	at, err := s.p.store.AccessToken(ctx, hashSecret(tokenID))
	if err != nil {
		return AccessToken{}, err
	}
	if at.AccountID != subject || !s.p.now().Before(at.ExpiresAt) {
		return AccessToken{}, ErrTokenNotFound
	}
	return at, nil
}

// SetIntrospectionFromToken describes a live access token to the client it
// was issued to; to any other client the token is inactive.
func (s *storage) SetIntrospectionFromToken(ctx context.Context, resp *zoidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	at, err := s.liveAccessToken(ctx, tokenID, subject)
	if err != nil {
		return err
	}
	if at.ClientID != clientID {
		return ErrTokenNotFound
	}
	info := new(zoidc.UserInfo)
	if err := s.p.userinfo(ctx, info, at.AccountID, at.Scopes); err != nil {
		return err
	}
	resp.SetUserInfo(info)
	resp.Scope = at.Scopes
	resp.ClientID = at.ClientID
	resp.TokenType = zoidc.BearerToken
	resp.Expiration = zoidc.FromTime(at.ExpiresAt)
	resp.IssuedAt = zoidc.FromTime(at.CreatedAt)
	resp.AuthTime = zoidc.FromTime(at.AuthTime)
	resp.Audience = []string{at.ClientID}
	resp.Issuer = s.p.cfg.Issuer
	return nil
}

// GetPrivateClaimsFromScopes adds nothing: access tokens are opaque.
func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("oidc: JWT client authentication is not supported")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("oidc: the JWT profile grant is not supported")
}

func (s *storage) Health(context.Context) error { return nil }

// TeamClaim is one entry of the teams claim.
type TeamClaim struct {
	ID   string    `json:"id"`
	Slug string    `json:"slug"`
	Role team.Role `json:"role"`
}

// maxTeamsClaim caps the teams claim.
const maxTeamsClaim = 200

// userinfo fills info with the claims scopes allow for accountID.
func (p *Provider) userinfo(ctx context.Context, info *zoidc.UserInfo, accountID string, scopes []string) error {
	a, err := p.accounts.Account(ctx, accountID)
	if err != nil {
		return fmt.Errorf("oidc: account of token: %w", err)
	}
	info.Subject = a.ID
	if slices.Contains(scopes, ScopeProfile) {
		info.Name = a.DisplayName
		info.Picture = a.Avatar
		info.UpdatedAt = zoidc.FromTime(a.UpdatedAt)
	}
	if slices.Contains(scopes, ScopeEmail) {
		info.Email = a.Email
		info.EmailVerified = true // addresses are verified by the emailed code
	}
	if slices.Contains(scopes, ScopeTeams) && p.teams != nil {
		list, _, err := p.teams.MyTeams(ctx, a.ID, team.Page{Limit: maxTeamsClaim})
		if err != nil {
			return fmt.Errorf("oidc: teams claim: %w", err)
		}
		claim := make([]TeamClaim, 0, len(list))
		for _, t := range list {
			claim = append(claim, TeamClaim{ID: t.ID, Slug: t.Slug, Role: t.Role})
		}
		info.AppendClaims("teams", claim)
	}
	return nil
}
