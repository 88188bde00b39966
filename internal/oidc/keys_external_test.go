package oidc_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/pamateam/pama/internal/apptest"
	"github.com/pamateam/pama/internal/config"
	"github.com/pamateam/pama/internal/oidc"
)

func jwks(t *testing.T, env *apptest.Env) ([]string, []byte) {
	t.Helper()
	resp, err := http.Get(env.URL + oidc.KeysPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range set.Keys {
		if !k.IsPublic() {
			t.Errorf("key %s in the key set is private", k.KeyID)
		}
		ids = append(ids, k.KeyID)
	}
	return ids, raw
}

// kidOf signs Ana in to the client and returns the kid of the ID token.
func kidOf(t *testing.T, env *apptest.Env, ana *apptest.Client, relying *rp) string {
	t.Helper()
	q := authorize(t, browser(ana, relying.oauth.RedirectURL), env, relying, "allow")
	tok, err := relying.oauth.Exchange(context.Background(), q.Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	raw := tok.Extra("id_token").(string)
	if _, err := relying.verifier.Verify(context.Background(), raw); err != nil {
		t.Fatalf("ID token does not verify: %v", err)
	}
	sig, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	return sig.Signatures[0].Header.KeyID
}

func TestSigningKeyRotation(t *testing.T) {
	eachEngine(t, func(t *testing.T, env *apptest.Env) {
		now := time.Now()
		clock := func() time.Time { return now }
		env.App.OIDC.SetClock(clock)
		ops := env.SignIn(t, opsEmail)
		ana := env.SignIn(t, "ana@example.com")
		const redirect = "https://wiki.example.com/cb"
		c := register(t, ops, false, redirect, "openid")
		relying := newRP(t, env, c, redirect, "openid")

		first := kidOf(t, env, ana, relying)
		if ids, _ := jwks(t, env); !slices.Equal(ids, []string{first}) {
			t.Fatalf("key set = %v, want [%s]", ids, first)
		}

		// A rotation publishes the next key at once; it does not sign yet.
		r := ops.Do(t, "POST", "/api/v1/admin/oidc/keys/rotate", map[string]any{})
		if r.Status != http.StatusOK {
			t.Fatalf("rotate = %d %s", r.Status, r.Body)
		}
		var keys struct {
			Keys []oidc.KeyInfo `json:"keys"`
		}
		r.JSON(t, &keys)
		if len(keys.Keys) != 2 || keys.Keys[0].State != oidc.KeyCurrent || keys.Keys[1].State != oidc.KeyNext {
			t.Fatalf("keys after rotation = %+v", keys.Keys)
		}
		next := keys.Keys[1].ID
		if ids, _ := jwks(t, env); !slices.Equal(ids, []string{first, next}) {
			t.Fatalf("key set = %v, want both", ids)
		}
		if kid := kidOf(t, env, ana, relying); kid != first {
			t.Errorf("signed with %s before the next key's time", kid)
		}
		if r := ops.Do(t, "POST", "/api/v1/admin/oidc/keys/rotate", map[string]any{}); r.Status != http.StatusConflict {
			t.Errorf("second rotation while one waits = %d", r.Status)
		}

		// After the publish-ahead time the next key signs; the old one stays
		// published until its tokens have expired, then leaves.
		now = now.Add(24*time.Hour + time.Minute)
		if kid := kidOf(t, env, ana, relying); kid != next {
			t.Errorf("signed with %s after the switch, want %s", kid, next)
		}
		if ids, _ := jwks(t, env); !slices.Equal(ids, []string{first, next}) {
			t.Errorf("key set right after the switch = %v", ids)
		}
		now = now.Add(2 * time.Hour)
		if ids, _ := jwks(t, env); !slices.Equal(ids, []string{next}) {
			t.Errorf("key set after the old key's tokens expired = %v", ids)
		}

		// Rotation by age: a key older than the rotation age gets a successor.
		now = now.Add(91 * 24 * time.Hour)
		if ids, _ := jwks(t, env); len(ids) != 2 || ids[0] != next {
			t.Errorf("key set after 91 days = %v, want the current and a new next key", ids)
		}

		// An immediate rotation (a leaked key) withdraws the old keys at once.
		r = ops.Do(t, "POST", "/api/v1/admin/oidc/keys/rotate", map[string]any{"immediate": true})
		r.JSON(t, &keys)
		if r.Status != http.StatusOK || len(keys.Keys) != 1 || keys.Keys[0].State != oidc.KeyCurrent {
			t.Fatalf("immediate rotation = %d %s", r.Status, r.Body)
		}
		if kid := kidOf(t, env, ana, relying); kid != keys.Keys[0].ID {
			t.Errorf("after immediate rotation signed with %s", kid)
		}
		if ids, raw := jwks(t, env); !slices.Equal(ids, []string{keys.Keys[0].ID}) || strings.Contains(string(raw), `"d"`) {
			t.Errorf("key set after immediate rotation = %v: %s", ids, raw)
		}
	})
}

func TestSigningKeysAreStoredEncrypted(t *testing.T) {
	env := apptest.New(t, func(c *config.Config) { c.OIDCKeySecret = "correct horse battery staple" })
	jwks(t, env) // makes the first key
	keys, err := env.App.Store.SigningKeys(context.Background())
	if err != nil || len(keys) != 1 {
		t.Fatalf("stored keys = %v, %v", keys, err)
	}
	if !strings.HasPrefix(keys[0].PrivateKey, "v1.") || strings.Contains(keys[0].PrivateKey, "PRIVATE") {
		t.Errorf("private key stored as %.20q", keys[0].PrivateKey)
	}
}

func TestExternalSignInThroughAnotherPama(t *testing.T) {
	for _, engines := range []struct {
		name string
		opts func(t *testing.T) []apptest.Option
	}{
		{"sqlite", func(*testing.T) []apptest.Option { return nil }},
		{"postgres", func(t *testing.T) []apptest.Option { return []apptest.Option{apptest.Postgres(t)} }},
	} {
		t.Run(engines.name, func(t *testing.T) {
			t.Parallel()
			// The provider: a Pama with a registered client for the other one.
			idp := apptest.New(t, append(engines.opts(t), withOperators)...)
			ops := idp.SignIn(t, opsEmail)
			c := register(t, ops, false, "https://placeholder.example.com/cb", "openid", "email", "profile")

			providers, _ := json.Marshal([]config.OIDCProvider{{ID: "hq", Name: "HQ Pama", Issuer: idp.URL,
				ClientID: c.Client.ID, ClientSecret: c.Secret}})
			// On another host name, so that the browser keeps the two sessions apart.
			pama := apptest.New(t, append(engines.opts(t), apptest.OnHost("127.0.0.1"),
				func(cfg *config.Config) { cfg.OIDCProviders = string(providers) })...)
			callbackURL := pama.URL + "/api/v1/auth/external/hq/callback"
			if r := ops.Do(t, "PATCH", "/api/v1/admin/oidc/clients/"+c.Client.ID, map[string]any{
				"version": c.Client.Version, "redirect_uris": []string{callbackURL}}); r.Status != http.StatusOK {
				t.Fatalf("set redirect = %d %s", r.Status, r.Body)
			}

			r := pama.Anonymous().Do(t, "GET", "/api/v1/auth/external", nil)
			if !strings.Contains(string(r.Body), `"id":"hq"`) || !strings.Contains(string(r.Body), "HQ Pama") {
				t.Fatalf("providers = %s", r.Body)
			}

			// One browser, scripted: start at pama, sign in at the provider, agree, come back.
			visitor := pama.Anonymous()
			b := browser(visitor, pama.URL+"/welcome")
			p := get(t, b, pama.URL+"/api/v1/auth/external/hq/start?return_to=/welcome")
			if p.status != http.StatusOK || !strings.Contains(p.body, `type="email"`) {
				t.Fatalf("provider sign-in page = %d %s", p.status, p.body)
			}
			id := requestID(t, p)
			post(t, b, idp.URL+"/oidc/login", url.Values{"id": {id}, "step": {"email"}, "email": {"kim@example.com"}})
			p = post(t, b, idp.URL+"/oidc/login", url.Values{"id": {id}, "step": {"code"}, "email": {"kim@example.com"},
				"code": {idp.LastCode(t, "kim@example.com")}})
			p = post(t, b, idp.URL+"/oidc/consent", url.Values{"id": {requestID(t, p)}, "decision": {"allow"}})
			if p.status != http.StatusFound || p.location != "/welcome" {
				t.Fatalf("after the provider = %d %q: %s", p.status, p.location, p.body)
			}
			me := visitor.Do(t, "GET", "/api/v1/me", nil)
			var acct struct {
				ID    string `json:"id"`
				Email string `json:"email"`
			}
			me.JSON(t, &acct)
			if me.Status != http.StatusOK || acct.Email != "kim@example.com" {
				t.Fatalf("signed in at pama as %d %s", me.Status, me.Body)
			}

			// Again, in a browser that is signed in at the provider only: consent is
			// remembered, so it goes straight through, to the same account.
			again := pama.Anonymous()
			again.HTTP.Jar.SetCookies(mustParse(idp.URL), visitor.HTTP.Jar.Cookies(mustParse(idp.URL)))
			p = get(t, browser(again, pama.URL+"/welcome"), pama.URL+"/api/v1/auth/external/hq/start?return_to=/welcome")
			if p.status != http.StatusFound || p.location != "/welcome" {
				t.Fatalf("second external sign-in = %d %q", p.status, p.location)
			}
			me = again.Do(t, "GET", "/api/v1/me", nil)
			var acct2 struct {
				ID string `json:"id"`
			}
			me.JSON(t, &acct2)
			if acct2.ID != acct.ID {
				t.Errorf("second sign-in gave account %s, first %s", acct2.ID, acct.ID)
			}

			// A callback without the browser's state cookie is refused.
			q := url.Values{"state": {"forged"}, "code": {"x"}}
			stranger := pama.Anonymous()
			if r := stranger.Do(t, "GET", "/api/v1/auth/external/hq/callback?"+q.Encode(), nil); r.Status != http.StatusUnauthorized {
				t.Errorf("forged callback = %d %s", r.Status, r.Body)
			}
			if r := stranger.Do(t, "GET", "/api/v1/auth/external/nope/start", nil); r.Status != http.StatusNotFound {
				t.Errorf("unknown provider = %d", r.Status)
			}
		})
	}
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
