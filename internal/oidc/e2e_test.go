package oidc_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/pamateam/pama/internal/apptest"
	"github.com/pamateam/pama/internal/config"
)

const opsEmail = "ops@example.com"

// withOperators makes opsEmail an operator.
func withOperators(c *config.Config) { c.Operators = []string{opsEmail} }

// eachEngine runs fn with an app on SQLite and one on PostgreSQL.
func eachEngine(t *testing.T, fn func(t *testing.T, env *apptest.Env), opts ...apptest.Option) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, apptest.New(t, append([]apptest.Option{withOperators}, opts...)...))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, apptest.New(t, append([]apptest.Option{withOperators, apptest.Postgres(t)}, opts...)...))
	})
}

// registered is a client as the admin API returned it.
type registered struct {
	Client struct {
		ID           string   `json:"id"`
		Version      int64    `json:"version"`
		RedirectURIs []string `json:"redirect_uris"`
		Scopes       []string `json:"scopes"`
	} `json:"client"`
	Secret string `json:"secret"`
}

func register(t *testing.T, ops *apptest.Client, public bool, redirect string, scopes ...string) registered {
	t.Helper()
	r := ops.Do(t, "POST", "/api/v1/admin/oidc/clients", map[string]any{
		"name": "Team Wiki", "redirect_uris": []string{redirect}, "public": public, "scopes": scopes})
	if r.Status != http.StatusCreated {
		t.Fatalf("register client = %d %s", r.Status, r.Body)
	}
	var out registered
	r.JSON(t, &out)
	if public != (out.Secret == "") {
		t.Fatalf("public=%v but secret %q", public, out.Secret)
	}
	return out
}

// rp is a relying party: a client application using go-oidc and oauth2.
type rp struct {
	provider *gooidc.Provider
	oauth    *oauth2.Config
	verifier *gooidc.IDTokenVerifier
}

func newRP(t *testing.T, env *apptest.Env, c registered, redirect string, scopes ...string) *rp {
	t.Helper()
	p, err := gooidc.NewProvider(context.Background(), env.URL)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	return &rp{provider: p,
		oauth: &oauth2.Config{ClientID: c.Client.ID, ClientSecret: c.Secret, Endpoint: p.Endpoint(),
			RedirectURL: redirect, Scopes: scopes},
		verifier: p.Verifier(&gooidc.Config{ClientID: c.Client.ID}),
	}
}

// browser follows redirects inside Pama and stops at the client's redirect URI.
func browser(c *apptest.Client, stopAt string) *http.Client {
	return &http.Client{Jar: c.HTTP.Jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), stopAt) || len(via) > 10 {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

type page struct {
	status   int
	location string
	body     string
}

func get(t *testing.T, b *http.Client, u string) page {
	t.Helper()
	resp, err := b.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return read(t, resp)
}

func post(t *testing.T, b *http.Client, u string, form url.Values) page {
	t.Helper()
	resp, err := b.PostForm(u, form)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	return read(t, resp)
}

func read(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(body)}
}

var idRE = regexp.MustCompile(`name="id" value="([^"]+)"`)

func requestID(t *testing.T, p page) string {
	t.Helper()
	m := idRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no request id in page %d: %s", p.status, p.body)
	}
	return m[1]
}

// callback parses the redirect to the client.
func callback(t *testing.T, p page, redirect string) url.Values {
	t.Helper()
	if p.status != http.StatusFound || !strings.HasPrefix(p.location, redirect) {
		t.Fatalf("want a redirect to %s, got %d %q: %s", redirect, p.status, p.location, p.body)
	}
	u, err := url.Parse(p.location)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

func random(t *testing.T) string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// authorize runs the browser through /authorize; when consent is asked it
// answers decision ("allow" or "deny"). It returns the callback parameters.
func authorize(t *testing.T, b *http.Client, env *apptest.Env, r *rp, decision string, opts ...oauth2.AuthCodeOption) url.Values {
	t.Helper()
	p := get(t, b, r.oauth.AuthCodeURL(random(t), opts...))
	if p.status == http.StatusOK && strings.Contains(p.body, `name="decision"`) {
		p = post(t, b, env.URL+"/oidc/consent", url.Values{"id": {requestID(t, p)}, "decision": {decision}})
	}
	return callback(t, p, r.oauth.RedirectURL)
}

func userinfo(t *testing.T, r *rp, tok *oauth2.Token) (map[string]any, error) {
	t.Helper()
	ui, err := r.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok))
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	if err := ui.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	return claims, nil
}

func TestCodeFlowWithPKCERefreshAndUserinfo(t *testing.T) {
	eachEngine(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		ops := env.SignIn(t, opsEmail)
		ana := env.SignIn(t, "ana.lima@example.com")
		if r := ana.Do(t, "POST", "/api/v1/teams", map[string]any{"name": "Blue Whales", "slug": "blue-whales",
			"first_product": map[string]string{"name": "App", "key": "APP"}}); r.Status != http.StatusCreated {
			t.Fatalf("create team = %d %s", r.Status, r.Body)
		}
		const redirect = "https://wiki.example.com/callback"
		c := register(t, ops, false, redirect, "openid", "profile", "email", "teams", "offline_access")
		relying := newRP(t, env, c, redirect, "openid", "profile", "email", "teams", "offline_access")
		b := browser(ana, redirect)

		verifier, nonce := oauth2.GenerateVerifier(), random(t)
		state := random(t)
		p := get(t, b, relying.oauth.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), gooidc.Nonce(nonce)))
		if p.status != http.StatusOK || !strings.Contains(p.body, "Team Wiki") || !strings.Contains(p.body, "See which teams you belong to") {
			t.Fatalf("consent page = %d: %s", p.status, p.body)
		}
		q := callback(t, post(t, b, env.URL+"/oidc/consent", url.Values{"id": {requestID(t, p)}, "decision": {"allow"}}), redirect)
		if q.Get("state") != state || q.Get("code") == "" {
			t.Fatalf("callback = %v", q)
		}

		tok, err := relying.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		if tok.RefreshToken == "" {
			t.Fatal("no refresh token with offline_access")
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := relying.verifier.Verify(ctx, raw)
		if err != nil {
			t.Fatalf("verify ID token: %v", err)
		}
		var claims struct {
			Email         string `json:"email"`
			EmailVerified bool   `json:"email_verified"`
			Name          string `json:"name"`
		}
		idt.Claims(&claims)
		if idt.Subject != ana.Account.ID || idt.Nonce != nonce || idt.Issuer != env.URL || claims.Email != "ana.lima@example.com" ||
			!claims.EmailVerified || claims.Name != "Ana Lima" {
			t.Errorf("ID token: sub %s nonce %s iss %s claims %+v", idt.Subject, idt.Nonce, idt.Issuer, claims)
		}

		info, err := userinfo(t, relying, tok)
		if err != nil {
			t.Fatalf("userinfo: %v", err)
		}
		teams, _ := info["teams"].([]any)
		if info["sub"] != ana.Account.ID || info["email"] != "ana.lima@example.com" || len(teams) != 1 {
			t.Fatalf("userinfo = %v", info)
		}
		if tm := teams[0].(map[string]any); tm["slug"] != "blue-whales" || tm["role"] != "owner" {
			t.Errorf("teams claim = %v", teams)
		}

		// Refresh: a new access and refresh token; the ID token is still Ana's.
		tok2, err := relying.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if tok2.RefreshToken == "" || tok2.RefreshToken == tok.RefreshToken || tok2.AccessToken == tok.AccessToken {
			t.Fatalf("refresh did not rotate: %+v", tok2)
		}
		idt2, err := relying.verifier.Verify(ctx, tok2.Extra("id_token").(string))
		if err != nil || idt2.Subject != ana.Account.ID {
			t.Fatalf("refreshed ID token: %v %v", idt2, err)
		}
		if _, err := userinfo(t, relying, tok2); err != nil {
			t.Fatalf("userinfo with refreshed token: %v", err)
		}

		// Reusing the rotated refresh token revokes the whole chain.
		_, err = relying.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
			t.Fatalf("reuse of a rotated refresh token = %v, want invalid_grant", err)
		}
		if _, err := relying.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: tok2.RefreshToken}).Token(); err == nil {
			t.Fatal("the newest refresh token still works after reuse was detected")
		}
		if _, err := userinfo(t, relying, tok2); err == nil {
			t.Fatal("the access token still works after reuse was detected")
		}
	})
}

func TestPublicClientsMustUseS256(t *testing.T) {
	eachEngine(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		ops := env.SignIn(t, opsEmail)
		ana := env.SignIn(t, "ana@example.com")
		const redirect = "http://127.0.0.1:9/callback"
		c := register(t, ops, true, redirect, "openid", "email")
		relying := newRP(t, env, c, redirect, "openid", "email")
		b := browser(ana, redirect)

		q := callback(t, get(t, b, relying.oauth.AuthCodeURL("s1")), redirect)
		if q.Get("error") != "invalid_request" || q.Get("state") != "s1" {
			t.Errorf("no PKCE: %v", q)
		}
		plain := []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("code_challenge", strings.Repeat("a", 43)),
			oauth2.SetAuthURLParam("code_challenge_method", "plain")}
		if q := callback(t, get(t, b, relying.oauth.AuthCodeURL("s2", plain...)), redirect); q.Get("error") != "invalid_request" {
			t.Errorf("plain PKCE: %v", q)
		}

		verifier := oauth2.GenerateVerifier()
		q = authorize(t, b, env, relying, "allow", oauth2.S256ChallengeOption(verifier))
		if _, err := relying.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
			t.Fatal("a wrong code verifier was accepted")
		}
		// The code was spent by that attempt: codes work once.
		if _, err := relying.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier)); err == nil {
			t.Fatal("a code worked after a failed exchange")
		}

		verifier = oauth2.GenerateVerifier()
		q = authorize(t, b, env, relying, "allow", oauth2.S256ChallengeOption(verifier))
		tok, err := relying.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		if tok.RefreshToken != "" {
			t.Error("a refresh token without offline_access")
		}
		if _, err := userinfo(t, relying, tok); err != nil {
			t.Fatalf("userinfo: %v", err)
		}
		// Replaying the code fails and revokes the tokens it gave.
		if _, err := relying.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier)); err == nil {
			t.Fatal("a code worked twice")
		}
		if _, err := userinfo(t, relying, tok); err == nil {
			t.Fatal("the access token of a replayed code still works")
		}
	})
}

func TestSignInOnTheProviderPageAndConsent(t *testing.T) {
	eachEngine(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		ops := env.SignIn(t, opsEmail)
		const redirect = "https://app.example.com/cb"
		c := register(t, ops, false, redirect, "openid", "email", "offline_access")
		relying := newRP(t, env, c, redirect, "openid", "email", "offline_access")
		visitor := env.Anonymous()
		b := browser(visitor, redirect)

		// Not signed in, prompt=none: login_required, at once.
		q := callback(t, get(t, b, relying.oauth.AuthCodeURL("n", oauth2.SetAuthURLParam("prompt", "none"))), redirect)
		if q.Get("error") != "login_required" {
			t.Errorf("prompt=none = %v", q)
		}

		p := get(t, b, relying.oauth.AuthCodeURL("st", oauth2.SetAuthURLParam("login_hint", "bo@example.com")))
		if p.status != http.StatusOK || !strings.Contains(p.body, `type="email"`) || !strings.Contains(p.body, "bo@example.com") {
			t.Fatalf("sign-in page = %d: %s", p.status, p.body)
		}
		id := requestID(t, p)
		p = post(t, b, env.URL+"/oidc/login", url.Values{"id": {id}, "step": {"email"}, "email": {"bo@example.com"}})
		if !strings.Contains(p.body, `autocomplete="one-time-code"`) {
			t.Fatalf("code page = %d: %s", p.status, p.body)
		}
		p = post(t, b, env.URL+"/oidc/login", url.Values{"id": {id}, "step": {"code"}, "email": {"bo@example.com"}, "code": {"000000"}})
		if p.status != http.StatusUnauthorized || !strings.Contains(p.body, `role="alert"`) {
			t.Errorf("wrong code = %d: %s", p.status, p.body)
		}
		p = post(t, b, env.URL+"/oidc/login", url.Values{"id": {id}, "step": {"code"}, "email": {"bo@example.com"},
			"code": {env.LastCode(t, "bo@example.com")}})
		if !strings.Contains(p.body, `name="decision"`) || !strings.Contains(p.body, "bo@example.com") {
			t.Fatalf("consent page = %d: %s", p.status, p.body)
		}
		q = callback(t, post(t, b, env.URL+"/oidc/consent", url.Values{"id": {id}, "decision": {"allow"}}), redirect)
		tok, err := relying.oauth.Exchange(ctx, q.Get("code"))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		idt, err := relying.verifier.Verify(ctx, tok.Extra("id_token").(string))
		if err != nil {
			t.Fatal(err)
		}
		bo := visitor.Do(t, "GET", "/api/v1/me", nil)
		var me struct {
			ID string `json:"id"`
		}
		bo.JSON(t, &me)
		if me.ID == "" || idt.Subject != me.ID {
			t.Fatalf("token subject %s, signed-in account %s", idt.Subject, me.ID)
		}
		// The approved request cannot be approved again, by anyone.
		if p := post(t, b, env.URL+"/oidc/consent", url.Values{"id": {id}, "decision": {"allow"}}); p.status != http.StatusNotFound {
			t.Errorf("second approval = %d", p.status)
		}

		// Consent is remembered: straight back with a code.
		q = callback(t, get(t, b, relying.oauth.AuthCodeURL("again")), redirect)
		if q.Get("code") == "" {
			t.Fatalf("remembered consent = %v", q)
		}
		// prompt=consent asks again; denying ends with access_denied.
		p = get(t, b, relying.oauth.AuthCodeURL("ask", oauth2.SetAuthURLParam("prompt", "consent")))
		q = callback(t, post(t, b, env.URL+"/oidc/consent", url.Values{"id": {requestID(t, p)}, "decision": {"deny"}}), redirect)
		if q.Get("error") != "access_denied" || q.Get("state") != "ask" {
			t.Errorf("deny = %v", q)
		}

		// Revoking the consent signs the application out.
		r := visitor.Do(t, "GET", "/api/v1/me/consents", nil)
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), c.Client.ID) {
			t.Fatalf("consents = %d %s", r.Status, r.Body)
		}
		if r := visitor.Do(t, "DELETE", "/api/v1/me/consents/"+c.Client.ID, nil); r.Status != http.StatusNoContent {
			t.Fatalf("revoke consent = %d %s", r.Status, r.Body)
		}
		if _, err := relying.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
			t.Error("refresh works after the consent was revoked")
		}
		if p := get(t, b, relying.oauth.AuthCodeURL("after")); !strings.Contains(p.body, `name="decision"`) {
			t.Errorf("consent not asked again after revocation: %d %s", p.status, p.location)
		}
	})
}

func TestRedirectURIsMatchExactly(t *testing.T) {
	env := apptest.New(t, withOperators)
	ops := env.SignIn(t, opsEmail)
	const redirect = "https://app.example.com/cb"
	c := register(t, ops, false, redirect, "openid")
	for _, bad := range []string{"https://app.example.com/cb/", "https://app.example.com/cb?x=1", "https://evil.example.com/cb",
		"http://app.example.com/cb", "https://app.example.com/CB"} {
		relying := newRP(t, env, c, bad, "openid")
		p := get(t, browser(ops, "https://"), relying.oauth.AuthCodeURL("s"))
		if p.status == http.StatusFound && !strings.HasPrefix(p.location, "/") {
			t.Errorf("redirect_uri %s: redirected to %s", bad, p.location)
		}
		if p.status < 400 && p.status != http.StatusFound {
			t.Errorf("redirect_uri %s: status %d", bad, p.status)
		}
	}
}

func TestOneAccountCannotObtainAnothersTokens(t *testing.T) {
	eachEngine(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		ops := env.SignIn(t, opsEmail)
		ana := env.SignIn(t, "ana@example.com")
		bob := env.SignIn(t, "bob@example.com")
		const redirectA, redirectB = "https://a.example.com/cb", "https://b.example.com/cb"
		ca := register(t, ops, false, redirectA, "openid", "email", "offline_access")
		cb := register(t, ops, false, redirectB, "openid", "email", "offline_access")
		rpA := newRP(t, env, ca, redirectA, "openid", "email", "offline_access")
		rpB := newRP(t, env, cb, redirectB, "openid", "email", "offline_access")

		// Bob starts a request; Ana's browser opens it and approves: the code is Ana's, not Bob's.
		p := get(t, browser(bob, redirectA), rpA.oauth.AuthCodeURL("s"))
		id := requestID(t, p)
		q := callback(t, post(t, browser(ana, redirectA), env.URL+"/oidc/consent", url.Values{"id": {id}, "decision": {"allow"}}), redirectA)
		tok, err := rpA.oauth.Exchange(ctx, q.Get("code"))
		if err != nil {
			t.Fatal(err)
		}
		idt, _ := rpA.verifier.Verify(ctx, tok.Extra("id_token").(string))
		if idt == nil || idt.Subject != ana.Account.ID {
			t.Fatalf("subject = %v, want Ana", idt)
		}

		// Another client cannot redeem A's code or refresh A's token.
		q = authorize(t, browser(ana, redirectA), env, rpA, "allow")
		stolen := *rpB.oauth
		stolen.RedirectURL = redirectA
		if _, err := stolen.Exchange(ctx, q.Get("code")); err == nil {
			t.Error("client B redeemed client A's code")
		}
		if _, err := rpB.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
			t.Error("client B refreshed client A's token")
		}
		// Introspection by another client says inactive.
		for _, c := range []struct {
			r      registered
			active bool
		}{{ca, true}, {cb, false}} {
			req, _ := http.NewRequest("POST", env.URL+"/oidc/introspect", strings.NewReader(url.Values{"token": {tok.AccessToken}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(c.r.Client.ID, c.r.Secret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var out struct {
				Active bool   `json:"active"`
				Sub    string `json:"sub"`
			}
			json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if out.Active != c.active || (c.active && out.Sub != ana.Account.ID) {
				t.Errorf("introspection by %s = %+v", c.r.Client.ID, out)
			}
		}
		// A wrong client secret is refused.
		bad := *rpA.oauth
		bad.ClientSecret = "pcs_wrong"
		if _, err := bad.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
			t.Error("a wrong client secret was accepted")
		}
	})
}

func TestAdminAPIIsForOperators(t *testing.T) {
	eachEngine(t, func(t *testing.T, env *apptest.Env) {
		ops := env.SignIn(t, opsEmail)
		ana := env.SignIn(t, "ana@example.com")
		c := register(t, ops, false, "https://x.example.com/cb", "openid")
		base := "/api/v1/admin/oidc/clients"
		calls := []struct{ method, path string }{
			{"GET", base}, {"POST", base}, {"GET", base + "/" + c.Client.ID}, {"PATCH", base + "/" + c.Client.ID},
			{"POST", base + "/" + c.Client.ID + "/secret"}, {"DELETE", base + "/" + c.Client.ID},
			{"GET", "/api/v1/admin/oidc/keys"}, {"POST", "/api/v1/admin/oidc/keys/rotate"},
		}
		body := map[string]any{"version": 1, "name": "x", "redirect_uris": []string{"https://y.example.com"}, "scopes": []string{"openid"}}
		for _, call := range calls {
			if r := ana.Do(t, call.method, call.path, body); r.Status != http.StatusForbidden {
				t.Errorf("%s %s as a member = %d %s", call.method, call.path, r.Status, r.Body)
			}
			if r := env.Anonymous().Do(t, call.method, call.path, body); r.Status != http.StatusUnauthorized {
				t.Errorf("%s %s anonymous = %d", call.method, call.path, r.Status)
			}
		}
		if r := ops.Do(t, "GET", base+"/"+c.Client.ID, nil); r.Status != http.StatusOK || strings.Contains(string(r.Body), "secret") {
			t.Errorf("get client = %d %s", r.Status, r.Body)
		}
	})
}

func TestClientRegistrationRules(t *testing.T) {
	env := apptest.New(t, withOperators)
	ops := env.SignIn(t, opsEmail)
	tests := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"http elsewhere", map[string]any{"name": "A", "redirect_uris": []string{"http://app.example.com/cb"}, "scopes": []string{"openid"}}, "body.redirect_uris.0"},
		{"fragment", map[string]any{"name": "A", "redirect_uris": []string{"https://a.example.com/cb#x"}, "scopes": []string{"openid"}}, "body.redirect_uris.0"},
		{"wildcard", map[string]any{"name": "A", "redirect_uris": []string{"https://*.example.com/cb"}, "scopes": []string{"openid"}}, "body.redirect_uris.0"},
		{"relative", map[string]any{"name": "A", "redirect_uris": []string{"/cb"}, "scopes": []string{"openid"}}, "body.redirect_uris.0"},
		{"no openid", map[string]any{"name": "A", "redirect_uris": []string{"https://a.example.com/cb"}, "scopes": []string{"email"}}, "body.scopes"},
		{"no name", map[string]any{"name": " ", "redirect_uris": []string{"https://a.example.com/cb"}, "scopes": []string{"openid"}}, "body.name"},
		{"no redirect", map[string]any{"name": "A", "redirect_uris": []string{}, "scopes": []string{"openid"}}, "body.redirect_uris"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ops.Do(t, "POST", "/api/v1/admin/oidc/clients", tc.body)
			if r.Status != http.StatusUnprocessableEntity || !r.Problem(t).Has(tc.field) {
				t.Errorf("= %d %s, want 422 naming %s", r.Status, r.Body, tc.field)
			}
		})
	}
	// localhost over http is fine; a secret rotation invalidates the old secret.
	c := register(t, ops, false, "http://localhost:8000/cb", "openid", "offline_access")
	r := ops.Do(t, "POST", "/api/v1/admin/oidc/clients/"+c.Client.ID+"/secret", map[string]any{"version": c.Client.Version})
	var rotated registered
	r.JSON(t, &rotated)
	if r.Status != http.StatusOK || rotated.Secret == "" || rotated.Secret == c.Secret {
		t.Fatalf("rotate secret = %d %s", r.Status, r.Body)
	}
	r = ops.Do(t, "PATCH", "/api/v1/admin/oidc/clients/"+c.Client.ID, map[string]any{"version": c.Client.Version, "name": "Stale"})
	if r.Status != http.StatusConflict {
		t.Errorf("stale update = %d %s", r.Status, r.Body)
	}
	r = ops.Do(t, "GET", "/api/v1/admin/oidc/clients", nil)
	if !strings.Contains(string(r.Body), c.Client.ID) {
		t.Errorf("list = %s", r.Body)
	}
	if r := ops.Do(t, "DELETE", "/api/v1/admin/oidc/clients/"+c.Client.ID, nil); r.Status != http.StatusNoContent {
		t.Errorf("delete = %d %s", r.Status, r.Body)
	}
	if r := ops.Do(t, "GET", "/api/v1/admin/oidc/clients/"+c.Client.ID, nil); r.Status != http.StatusNotFound {
		t.Errorf("get deleted = %d", r.Status)
	}
}

func TestDiscoveryListsWhatIsSupported(t *testing.T) {
	env := apptest.New(t)
	resp, err := http.Get(env.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	strs := func(k string) []string {
		var out []string
		for _, v := range d[k].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	if d["issuer"] != env.URL || d["authorization_endpoint"] != env.URL+"/oidc/authorize" || d["jwks_uri"] != env.URL+"/oidc/keys" {
		t.Errorf("endpoints: %v", d)
	}
	if got := strs("code_challenge_methods_supported"); !slices.Equal(got, []string{"S256"}) {
		t.Errorf("code challenge methods = %v", got)
	}
	if got := strs("response_types_supported"); !slices.Equal(got, []string{"code"}) {
		t.Errorf("response types = %v", got)
	}
	if got := strs("scopes_supported"); !slices.Contains(got, "teams") {
		t.Errorf("scopes = %v", got)
	}
	if _, ok := d["end_session_endpoint"]; ok {
		t.Error("discovery lists an end_session_endpoint that is not served")
	}
}
