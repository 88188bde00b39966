package httpapi_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/apptest"
	"github.com/pamateam/pama/internal/identity"
)

// eachEngine runs fn against an app on SQLite and one on PostgreSQL.
func eachEngine(t *testing.T, fn func(t *testing.T, env *apptest.Env)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, apptest.New(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, apptest.New(t, apptest.Postgres(t)))
	})
}

func TestSignInWithEmailedCode(t *testing.T) {
	eachEngine(t, func(t *testing.T, env *apptest.Env) {
		c := env.Anonymous()
		if r := c.Do(t, "GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("GET /me before sign-in = %d", r.Status)
		}
		r := c.Do(t, "POST", "/api/v1/auth/code", map[string]string{"email": "  Ana.Lima@Example.COM "})
		if r.Status != http.StatusAccepted {
			t.Fatalf("request code = %d %s", r.Status, r.Body)
		}
		var sent struct {
			Email            string `json:"email"`
			ExpiresInSeconds int    `json:"expires_in_seconds"`
		}
		r.JSON(t, &sent)
		if sent.Email != "ana.lima@example.com" || sent.ExpiresInSeconds != 600 {
			t.Errorf("code response = %+v", sent)
		}
		code := env.LastCode(t, "ana.lima@example.com")
		r = c.Do(t, "POST", "/api/v1/auth/sign-in", map[string]string{"email": "ana.lima@example.com", "code": code})
		if r.Status != http.StatusOK {
			t.Fatalf("sign in = %d %s", r.Status, r.Body)
		}
		var out struct {
			Account    identity.Account `json:"account"`
			NewAccount bool             `json:"new_account"`
		}
		r.JSON(t, &out)
		if !out.NewAccount || out.Account.Email != "ana.lima@example.com" || out.Account.DisplayName != "Ana Lima" {
			t.Errorf("sign-in result = %+v", out)
		}
		ck := r.Header.Get("Set-Cookie")
		for _, want := range []string{"pama_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(ck, want) {
				t.Errorf("Set-Cookie %q lacks %s", ck, want)
			}
		}
		if strings.Contains(ck, "Secure") {
			t.Errorf("cookie is Secure on a plain-http install: %q", ck)
		}
		var me identity.Account
		r = c.Do(t, "GET", "/api/v1/me", nil)
		r.JSON(t, &me)
		if r.Status != http.StatusOK || me.ID != out.Account.ID {
			t.Fatalf("GET /me = %d %+v", r.Status, me)
		}

		// The code works once.
		other := env.Anonymous()
		r = other.Do(t, "POST", "/api/v1/auth/sign-in", map[string]string{"email": "ana.lima@example.com", "code": code})
		if r.Status != http.StatusUnauthorized {
			t.Errorf("second use of a code = %d, want 401", r.Status)
		}

		// Signing in again finds the same account.
		again := signInAfterResendWindow(t, env, "ana.lima@example.com")
		if again.Account.ID != out.Account.ID {
			t.Errorf("second sign-in made account %s, want %s", again.Account.ID, out.Account.ID)
		}

		// Sign-out ends that session only.
		if r := c.Do(t, "POST", "/api/v1/auth/sign-out", nil); r.Status != http.StatusNoContent {
			t.Fatalf("sign out = %d %s", r.Status, r.Body)
		}
		if r := c.Do(t, "GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized {
			t.Errorf("GET /me after sign-out = %d", r.Status)
		}
		if r := again.Do(t, "GET", "/api/v1/me", nil); r.Status != http.StatusOK {
			t.Errorf("other session after sign-out = %d", r.Status)
		}
	})
}

// signInAfterResendWindow moves the identity clock past the resend window and signs in.
func signInAfterResendWindow(t *testing.T, env *apptest.Env, email string) *apptest.Client {
	t.Helper()
	shift := 31 * time.Second
	env.App.Identity.SetClock(func() time.Time { return time.Now().Add(shift) })
	t.Cleanup(func() { env.App.Identity.SetClock(time.Now) })
	return env.SignIn(t, email)
}

func TestWrongCodesVoidTheCode(t *testing.T) {
	env := apptest.New(t)
	c := env.Anonymous()
	c.Do(t, "POST", "/api/v1/auth/code", map[string]string{"email": "li@example.com"})
	code := env.LastCode(t, "li@example.com")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := range 5 {
		r := c.Do(t, "POST", "/api/v1/auth/sign-in", map[string]string{"email": "li@example.com", "code": wrong})
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong code %d = %d %s", i, r.Status, r.Body)
		}
	}
	r := c.Do(t, "POST", "/api/v1/auth/sign-in", map[string]string{"email": "li@example.com", "code": code})
	if r.Status == http.StatusOK {
		t.Fatal("the right code worked after five wrong ones")
	}
}

func TestExpiredCodeIsRefused(t *testing.T) {
	env := apptest.New(t)
	c := env.Anonymous()
	c.Do(t, "POST", "/api/v1/auth/code", map[string]string{"email": "old@example.com"})
	code := env.LastCode(t, "old@example.com")
	env.App.Identity.SetClock(func() time.Time { return time.Now().Add(11 * time.Minute) })
	r := c.Do(t, "POST", "/api/v1/auth/sign-in", map[string]string{"email": "old@example.com", "code": code})
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("expired code = %d %s", r.Status, r.Body)
	}
}

func TestCodeRequestsAreThrottled(t *testing.T) {
	env := apptest.New(t)
	c := env.Anonymous()
	now := time.Now()
	env.App.Identity.SetClock(func() time.Time { return now })
	if r := c.Do(t, "POST", "/api/v1/auth/code", map[string]string{"email": "busy@example.com"}); r.Status != http.StatusAccepted {
		t.Fatalf("first code = %d", r.Status)
	}
	r := c.Do(t, "POST", "/api/v1/auth/code", map[string]string{"email": "busy@example.com"})
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("immediate resend = %d, want 429", r.Status)
	}
	if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 30 {
		t.Errorf("Retry-After = %q", r.Header.Get("Retry-After"))
	}
	// Six codes an hour, then a wait until the hour is over.
	for i := 1; i < 6; i++ {
		now = now.Add(31 * time.Second)
		if r := c.Do(t, "POST", "/api/v1/auth/code", map[string]string{"email": "busy@example.com"}); r.Status != http.StatusAccepted {
			t.Fatalf("code %d = %d %s", i+1, r.Status, r.Body)
		}
	}
	now = now.Add(31 * time.Second)
	if r := c.Do(t, "POST", "/api/v1/auth/code", map[string]string{"email": "busy@example.com"}); r.Status != http.StatusTooManyRequests {
		t.Fatalf("seventh code in an hour = %d, want 429", r.Status)
	}
	now = now.Add(time.Hour)
	if r := c.Do(t, "POST", "/api/v1/auth/code", map[string]string{"email": "busy@example.com"}); r.Status != http.StatusAccepted {
		t.Fatalf("code after the hour = %d", r.Status)
	}
	if n := len(env.Mails(t, "busy@example.com")); n != 7 {
		t.Errorf("mails sent = %d, want 7", n)
	}
}

func TestBadSignInInputNamesTheField(t *testing.T) {
	env := apptest.New(t)
	c := env.Anonymous()
	tests := []struct {
		path     string
		body     any
		status   int
		location string
	}{
		{"/api/v1/auth/code", map[string]string{"email": "not an email"}, 422, "body.email"},
		{"/api/v1/auth/code", map[string]string{"email": strings.Repeat("a", 300) + "@x.com"}, 422, "body.email"},
		{"/api/v1/auth/code", map[string]any{"email": "a@b.co", "extra": 1}, 422, "body.extra"},
		{"/api/v1/auth/sign-in", map[string]string{"email": "a@b.co", "code": "12ab56"}, 422, "body.code"},
		{"/api/v1/auth/code", `{"email":`, 400, ""},
	}
	for _, tt := range tests {
		r := c.Do(t, "POST", tt.path, tt.body)
		if r.Status != tt.status {
			t.Errorf("%s %v = %d %s, want %d", tt.path, tt.body, r.Status, r.Body, tt.status)
			continue
		}
		p := r.Problem(t)
		if tt.location != "" && !p.Has(tt.location) {
			t.Errorf("%s %v: problem %+v does not name %s", tt.path, tt.body, p, tt.location)
		}
	}
	big := `{"email":"` + strings.Repeat("a", 70_000) + `"}`
	if r := c.Do(t, "POST", "/api/v1/auth/code", big); r.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body = %d, want 413", r.Status)
	}
}

func TestCrossOriginWritesAreRefused(t *testing.T) {
	env := apptest.New(t)
	c := env.SignIn(t, "csrf@example.com")
	req, _ := http.NewRequest("POST", env.URL+"/api/v1/auth/sign-out", nil)
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST = %d, want 403", resp.StatusCode)
	}
	if r := c.Do(t, "GET", "/api/v1/me", nil); r.Status != http.StatusOK {
		t.Errorf("session ended by a cross-site request: %d", r.Status)
	}
}

func TestPasswordSignIn(t *testing.T) {
	eachEngine(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignIn(t, "pw@example.com")
		if r := c.Do(t, "PUT", "/api/v1/me/password", map[string]string{"new_password": "short"}); r.Status != 422 || !r.Problem(t).Has("body.new_password") {
			t.Fatalf("short password = %d %s", r.Status, r.Body)
		}
		if r := c.Do(t, "PUT", "/api/v1/me/password", map[string]string{"new_password": "correct horse battery"}); r.Status != http.StatusNoContent {
			t.Fatalf("set password = %d %s", r.Status, r.Body)
		}
		// Changing it needs the current one.
		if r := c.Do(t, "PUT", "/api/v1/me/password", map[string]string{"new_password": "another long one"}); r.Status != 422 || !r.Problem(t).Has("body.current_password") {
			t.Fatalf("change without current = %d %s", r.Status, r.Body)
		}
		anon := env.Anonymous()
		if r := anon.Do(t, "POST", "/api/v1/auth/password", map[string]string{"email": "pw@example.com", "password": "wrong password!"}); r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password = %d", r.Status)
		}
		if r := anon.Do(t, "POST", "/api/v1/auth/password", map[string]string{"email": "nobody@example.com", "password": "correct horse battery"}); r.Status != http.StatusUnauthorized {
			t.Fatalf("unknown account = %d", r.Status)
		}
		r := anon.Do(t, "POST", "/api/v1/auth/password", map[string]string{"email": "PW@example.com", "password": "correct horse battery"})
		if r.Status != http.StatusOK {
			t.Fatalf("right password = %d %s", r.Status, r.Body)
		}
		var me identity.Account
		anon.Do(t, "GET", "/api/v1/me", nil).JSON(t, &me)
		if me.ID != c.Account.ID || !me.HasPassword {
			t.Errorf("after password sign-in /me = %+v", me)
		}
	})
}

func TestPasswordGuessingIsThrottled(t *testing.T) {
	env := apptest.New(t)
	env.SignIn(t, "guess@example.com")
	anon := env.Anonymous()
	var last int
	for range 7 {
		last = anon.Do(t, "POST", "/api/v1/auth/password", map[string]string{"email": "guess@example.com", "password": "wrong password!"}).Status
	}
	if last != http.StatusTooManyRequests {
		t.Errorf("seventh wrong password = %d, want 429", last)
	}
}

func TestProfileUpdateChecksTheVersion(t *testing.T) {
	eachEngine(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignIn(t, "ver@example.com")
		r := c.Do(t, "PATCH", "/api/v1/me", map[string]any{"version": c.Account.Version, "display_name": "  Vera   Ivanova "})
		var a identity.Account
		r.JSON(t, &a)
		if r.Status != 200 || a.DisplayName != "Vera Ivanova" || a.Version != c.Account.Version+1 {
			t.Fatalf("update = %d %+v", r.Status, a)
		}
		r = c.Do(t, "PATCH", "/api/v1/me", map[string]any{"version": c.Account.Version, "display_name": "Stale"})
		if r.Status != http.StatusConflict {
			t.Fatalf("stale update = %d %s", r.Status, r.Body)
		}
		p := r.Problem(t)
		if p.Version != a.Version || !strings.Contains(string(p.Current), "Vera Ivanova") {
			t.Errorf("conflict problem = %+v", p)
		}
		if r := c.Do(t, "PATCH", "/api/v1/me", map[string]any{"version": a.Version, "display_name": " "}); r.Status != 422 || !r.Problem(t).Has("body.display_name") {
			t.Errorf("blank name = %d %s", r.Status, r.Body)
		}
	})
}

func TestAPITokens(t *testing.T) {
	eachEngine(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignIn(t, "bot@example.com")
		r := c.Do(t, "POST", "/api/v1/me/tokens", map[string]any{"name": "reader", "scopes": []string{"read"}})
		if r.Status != http.StatusCreated {
			t.Fatalf("create token = %d %s", r.Status, r.Body)
		}
		var created struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
			Prefix string `json:"prefix"`
		}
		r.JSON(t, &created)
		if !strings.HasPrefix(created.Secret, "pama_") || !strings.HasPrefix(created.Secret, created.Prefix) {
			t.Fatalf("token = %+v", created)
		}
		list := c.Do(t, "GET", "/api/v1/me/tokens", nil)
		if strings.Contains(string(list.Body), created.Secret) {
			t.Fatal("the token list shows the secret")
		}
		bot := c.WithToken(created.Secret)
		var me identity.Account
		if r := bot.Do(t, "GET", "/api/v1/me", nil); r.Status != 200 {
			t.Fatalf("GET /me with a read token = %d", r.Status)
		} else {
			r.JSON(t, &me)
		}
		if me.ID != c.Account.ID {
			t.Errorf("token acts as %s, want %s", me.ID, c.Account.ID)
		}
		if r := bot.Do(t, "PATCH", "/api/v1/me", map[string]any{"version": me.Version, "display_name": "x"}); r.Status != http.StatusForbidden {
			t.Errorf("PATCH with a read-only token = %d, want 403", r.Status)
		}
		// A write token may not mint more tokens.
		r = c.Do(t, "POST", "/api/v1/me/tokens", map[string]any{"name": "writer", "scopes": []string{"read", "write"}})
		var w struct{ Secret string }
		r.JSON(t, &w)
		if r := c.WithToken(w.Secret).Do(t, "POST", "/api/v1/me/tokens", map[string]any{"name": "x", "scopes": []string{"read"}}); r.Status != http.StatusForbidden {
			t.Errorf("token creating a token = %d, want 403", r.Status)
		}
		if r := c.Do(t, "POST", "/api/v1/me/tokens", map[string]any{"name": "x", "scopes": []string{"admin"}}); r.Status != 422 {
			t.Errorf("unknown scope = %d, want 422", r.Status)
		}
		if r := c.Do(t, "DELETE", "/api/v1/me/tokens/"+created.ID, nil); r.Status != 200 {
			t.Fatalf("revoke = %d %s", r.Status, r.Body)
		}
		if r := bot.Do(t, "GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized {
			t.Errorf("revoked token = %d, want 401", r.Status)
		}
		if r := c.Do(t, "DELETE", "/api/v1/me/tokens/"+created.ID, nil); r.Status != http.StatusConflict {
			t.Errorf("revoking twice = %d, want 409", r.Status)
		}
		other := env.SignIn(t, "other@example.com")
		if r := other.Do(t, "DELETE", "/api/v1/me/tokens/"+created.ID, nil); r.Status != http.StatusNotFound {
			t.Errorf("revoking someone else's token = %d, want 404", r.Status)
		}
		if r := c.WithToken("pama_nonsense").Do(t, "GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized {
			t.Errorf("made-up token = %d", r.Status)
		}
	})
}
