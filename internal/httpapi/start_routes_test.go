package httpapi_test

import (
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/pamateam/pama/internal/apptest"
	"github.com/pamateam/pama/internal/captcha"
	"github.com/pamateam/pama/internal/config"
)

// quickCaptcha makes captchas cheap to solve in tests, and gives the app a
// base domain so that spaces have their own hosts.
func onboardingEnv(t *testing.T, more ...apptest.Option) *apptest.Env {
	opts := append([]apptest.Option{func(c *config.Config) {
		c.CaptchaBits = 8
		c.BaseDomain = "pama.test"
	}}, more...)
	return apptest.New(t, opts...)
}

type wizardOut struct {
	Step        string `json:"step"`
	Email       string `json:"email"`
	TeamSlug    string `json:"team_slug"`
	Address     string `json:"address"`
	Invitations []struct {
		Email string `json:"email"`
		Role  string `json:"role"`
	} `json:"invitations"`
	Team struct {
		Name, Slug string
	} `json:"team"`
}

// solved asks for a challenge and solves it.
func solved(t *testing.T, c *apptest.Client) (string, uint64) {
	t.Helper()
	r := c.Do(t, "GET", "/api/v1/start/challenge", nil)
	mustStatus(t, r, http.StatusOK, "challenge")
	var ch captcha.Challenge
	r.JSON(t, &ch)
	n, ok := captcha.Solve(ch.Salt, ch.Bits, 1<<(ch.Bits+8))
	if !ok {
		t.Fatalf("no solution for %+v", ch)
	}
	return ch.Token, n
}

func wizardStep(t *testing.T, c *apptest.Client, path string, body any, want int) *apptest.Response {
	t.Helper()
	r := c.Do(t, "POST", "/api/v1/start"+path, body)
	mustStatus(t, r, want, "POST /api/v1/start"+path)
	return r
}

// hostGet requests path on the app with the Host header host, not following redirects.
func hostGet(t *testing.T, env *apptest.Env, host, path string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", env.Server.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// engines runs fn on SQLite and, when configured, on PostgreSQL.
func engines(t *testing.T, fn func(t *testing.T, opts ...apptest.Option)) {
	t.Run("sqlite", func(t *testing.T) { fn(t) })
	t.Run("postgres", func(t *testing.T) { fn(t, apptest.Postgres(t)) })
}

func TestWizardEndToEnd(t *testing.T) { engines(t, testWizardEndToEnd) }

func testWizardEndToEnd(t *testing.T, opts ...apptest.Option) {
	env := onboardingEnv(t, opts...)
	c := env.Anonymous()
	email := "wizard-owner@example.com"

	if r := c.Do(t, "GET", "/api/v1/start", nil); r.Status != http.StatusNotFound {
		t.Fatalf("no wizard yet: %d %s", r.Status, r.Body)
	}
	// Steps out of order are refused before the wizard starts and while it runs.
	wizardStep(t, c, "/team", map[string]string{"name": "X", "slug": "xyz"}, http.StatusNotFound)
	var w wizardOut
	wizardStep(t, c, "", map[string]any{}, http.StatusCreated).JSON(t, &w)
	if w.Step != "email" {
		t.Fatalf("first step = %q", w.Step)
	}
	wizardStep(t, c, "/code", map[string]string{"code": "123456"}, http.StatusConflict)

	// The captcha: a wrong nonce, then a right one, which works once.
	tok, nonce := solved(t, c)
	r := wizardStep(t, c, "/email", map[string]any{"email": email, "captcha_token": tok, "nonce": unsolved(t, c, tok)}, http.StatusUnprocessableEntity)
	if p := r.Problem(t); !p.Has("body.captcha_token") {
		t.Errorf("wrong nonce: %+v", p)
	}
	wizardStep(t, c, "/email", map[string]any{"email": "not an address", "captcha_token": tok, "nonce": nonce}, http.StatusUnprocessableEntity)
	wizardStep(t, c, "/email", map[string]any{"email": email, "captcha_token": tok, "nonce": nonce}, http.StatusOK).JSON(t, &struct {
		Wizard *wizardOut `json:"wizard"`
	}{&w})
	if w.Step != "code" || w.Email != email {
		t.Fatalf("after email: %+v", w)
	}
	if p := wizardStep(t, c, "/email", map[string]any{"email": email, "captcha_token": tok, "nonce": nonce}, http.StatusUnprocessableEntity).Problem(t); !p.Has("body.captcha_token") {
		t.Errorf("a spent captcha: %+v", p)
	}

	// A reload resumes at the code step.
	c.Do(t, "GET", "/api/v1/start", nil).JSON(t, &w)
	if w.Step != "code" {
		t.Fatalf("resumed at %q", w.Step)
	}
	wizardStep(t, c, "/code", map[string]string{"code": "000000"}, http.StatusUnauthorized)
	wizardStep(t, c, "/code", map[string]string{"code": env.LastCode(t, email)}, http.StatusOK)

	// Signed in now: the team step checks names and addresses.
	p := wizardStep(t, c, "/team", map[string]string{"name": " ", "slug": "admin"}, http.StatusUnprocessableEntity).Problem(t)
	if !p.Has("body.name") || !p.Has("body.slug") {
		t.Errorf("bad team: %+v", p)
	}
	other := env.SignIn(t, "someone-else@example.com")
	createTeam(t, other, "Taken", "taken-space", "TAKE")
	if p := wizardStep(t, c, "/team", map[string]string{"name": "Blue", "slug": "taken-space"}, http.StatusUnprocessableEntity).Problem(t); !p.Has("body.slug") {
		t.Errorf("taken address: %+v", p)
	}
	wizardStep(t, c, "/team", map[string]string{"name": "Blue Whales", "slug": "Blue-Whales"}, http.StatusOK).JSON(t, &w)
	if w.Step != "product" || w.Team.Slug != "blue-whales" {
		t.Fatalf("after team: %+v", w)
	}
	if p := wizardStep(t, c, "/product", map[string]any{"name": "App", "key": "1x", "deck": "custom", "custom_deck": []string{}}, http.StatusUnprocessableEntity).Problem(t); !p.Has("body.key") || !p.Has("body.custom_deck") {
		t.Errorf("bad product: %+v", p)
	}
	wizardStep(t, c, "/product", map[string]any{"name": "Whale app", "key": "wwa", "deck": "tshirt"}, http.StatusOK)
	if p := wizardStep(t, c, "/invitations", map[string]any{"invitations": []map[string]string{
		{"email": "grace@example.com", "role": "admin"}, {"email": email, "role": "member"}, {"email": "nope", "role": "member"},
	}}, http.StatusUnprocessableEntity).Problem(t); !p.Has("body.invitations[1].email") || !p.Has("body.invitations[2].email") {
		t.Errorf("bad invitations: %+v", p)
	}
	wizardStep(t, c, "/invitations", map[string]any{"invitations": []map[string]string{{"email": "grace@example.com", "role": "admin"}}}, http.StatusOK).JSON(t, &w)
	if w.Step != "review" || len(w.Invitations) != 1 {
		t.Fatalf("after invitations: %+v", w)
	}

	// Someone else's session cannot drive this wizard.
	stranger := env.SignIn(t, "stranger@example.com")
	for _, ck := range c.HTTP.Jar.Cookies(parseURL(t, env.URL+"/api/v1/start")) {
		if ck.Name == "pama_wizard" {
			stranger.HTTP.Jar.SetCookies(parseURL(t, env.URL+"/api/v1/start"), []*http.Cookie{ck})
		}
	}
	wizardStep(t, stranger, "/finish", nil, http.StatusForbidden)

	var fin struct {
		Wizard      wizardOut `json:"wizard"`
		Team        teamOut   `json:"team"`
		Invitations []struct {
			Email string `json:"email"`
			Sent  bool   `json:"sent"`
		} `json:"invitations"`
	}
	wizardStep(t, c, "/finish", nil, http.StatusCreated).JSON(t, &fin)
	if fin.Wizard.Step != "done" || fin.Team.Slug != "blue-whales" || len(fin.Invitations) != 1 || !fin.Invitations[0].Sent {
		t.Fatalf("finish: %+v", fin)
	}
	if fin.Wizard.Address != "http://blue-whales.pama.test:"+port(env) {
		t.Errorf("address = %q", fin.Wizard.Address)
	}

	// The space is live at once: its host, /t/<address>, and its API.
	res := hostGet(t, env, "blue-whales.pama.test", "/")
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/blue-whales" {
		t.Errorf("space host: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res := hostGet(t, env, "blue-whales.pama.test", "/blue-whales"); res.StatusCode != http.StatusOK {
		t.Errorf("space host app: %d", res.StatusCode)
	}
	if res := hostGet(t, env, "localhost", "/t/blue-whales/backlog?x=1"); res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/blue-whales/backlog?x=1" {
		t.Errorf("/t/: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	var settings struct {
		Deck string `json:"deck"`
	}
	must(t, c.Do(t, "GET", "/api/v1/teams/blue-whales/settings", nil), http.StatusOK, "settings").JSON(t, &settings)
	if settings.Deck != "tshirt" {
		t.Errorf("deck = %q", settings.Deck)
	}
	r = c.Do(t, "GET", "/api/v1/teams/blue-whales/products", nil)
	if !strings.Contains(string(r.Body), `"key":"WWA"`) {
		t.Errorf("first product: %s", r.Body)
	}
	if mails := env.Mails(t, "grace@example.com"); len(mails) != 1 || !strings.Contains(mails[0].Subject, "Blue Whales") {
		t.Errorf("invitation mail: %+v", mails)
	}
	// The wizard is over: a reload shows the result, a second finish is refused.
	c.Do(t, "GET", "/api/v1/start", nil).JSON(t, &w)
	if w.Step != "done" || w.TeamSlug != "blue-whales" {
		t.Errorf("after finish: %+v", w)
	}
	wizardStep(t, c, "/finish", nil, http.StatusConflict)
}

func TestWizardSignedInSkipsToTeam(t *testing.T) {
	env := onboardingEnv(t)
	c := env.SignIn(t, "member@example.com")
	var w wizardOut
	wizardStep(t, c, "", map[string]any{}, http.StatusCreated).JSON(t, &w)
	if w.Step != "team" || w.Email != "member@example.com" {
		t.Fatalf("signed-in start: %+v", w)
	}
	// Starting again resumes the same wizard unless asked to restart.
	wizardStep(t, c, "/team", map[string]string{"name": "Owls", "slug": "owls"}, http.StatusOK)
	wizardStep(t, c, "", map[string]any{}, http.StatusOK).JSON(t, &w)
	if w.Step != "product" {
		t.Errorf("resumed at %q", w.Step)
	}
	wizardStep(t, c, "", map[string]any{"restart": true}, http.StatusCreated).JSON(t, &w)
	if w.Step != "team" || w.Team.Slug != "" {
		t.Errorf("restarted: %+v", w)
	}
}

func TestWizardAbuseLimits(t *testing.T) {
	env := onboardingEnv(t, func(c *config.Config) { c.WizardStartsPerHour, c.WizardSpacesPerDay = 3, 1 })
	for i := range 3 {
		wizardStep(t, env.Anonymous(), "", map[string]any{}, http.StatusCreated)
		_ = i
	}
	r := wizardStep(t, env.Anonymous(), "", map[string]any{}, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}

	// One space a day per account: the wizard refuses the second.
	env2 := onboardingEnv(t, func(c *config.Config) { c.WizardSpacesPerDay = 1 })
	c := env2.SignIn(t, "busy@example.com")
	for i, slug := range []string{"first-space", "second-space"} {
		wizardStep(t, c, "", map[string]any{"restart": true}, http.StatusCreated)
		wizardStep(t, c, "/team", map[string]string{"name": "Team", "slug": slug}, http.StatusOK)
		wizardStep(t, c, "/product", map[string]any{"name": "App", "key": "APP"}, http.StatusOK)
		wizardStep(t, c, "/invitations", map[string]any{"invitations": []any{}}, http.StatusOK)
		want := http.StatusCreated
		if i == 1 {
			want = http.StatusTooManyRequests
		}
		wizardStep(t, c, "/finish", nil, want)
	}

	// Captcha difficulty rises for an address that asks for many.
	var first, last captcha.Challenge
	env.Anonymous().Do(t, "GET", "/api/v1/start/challenge", nil).JSON(t, &first)
	for range 40 {
		env.Anonymous().Do(t, "GET", "/api/v1/start/challenge", nil).JSON(t, &last)
	}
	if last.Bits <= first.Bits {
		t.Errorf("difficulty stayed at %d after 40 challenges (first %d)", last.Bits, first.Bits)
	}
}

func TestUnknownHostsAndAddresses(t *testing.T) {
	env := onboardingEnv(t)
	for _, tt := range []struct {
		host, path string
		want       int
	}{
		{"nobody-here.pama.test", "/", http.StatusNotFound},
		{"nobody-here.pama.test", "/api/v1/me", http.StatusNotFound},
		{"elsewhere.example.net", "/", http.StatusNotFound},
		{"localhost", "/t/nobody-here", http.StatusNotFound},
		{"localhost", "/t/x", http.StatusNotFound},
		{"127.0.0.1", "/sign-in", http.StatusOK},
		{"pama.test", "/sign-in", http.StatusOK},
		{"nobody-here.pama.test", "/healthz", http.StatusOK},
	} {
		res := hostGet(t, env, tt.host, tt.path)
		if res.StatusCode != tt.want {
			t.Errorf("%s%s: %d, want %d", tt.host, tt.path, res.StatusCode, tt.want)
		}
		if tt.want == http.StatusNotFound && tt.path != "/api/v1/me" {
			body, _ := io.ReadAll(res.Body)
			if !strings.Contains(string(body), "Nothing here") {
				t.Errorf("%s%s: not the 404 page: %s", tt.host, tt.path, body)
			}
		}
	}
	// A space created after a miss answers at once: the miss is forgotten.
	if res := hostGet(t, env, "late-team.pama.test", "/"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("before: %d", res.StatusCode)
	}
	createTeam(t, env.SignIn(t, "late@example.com"), "Late", "late-team", "LATE")
	if res := hostGet(t, env, "late-team.pama.test", "/"); res.StatusCode != http.StatusFound {
		t.Errorf("right after creation: %d", res.StatusCode)
	}
}

func TestCustomDomains(t *testing.T) { engines(t, testCustomDomains) }

func testCustomDomains(t *testing.T, opts ...apptest.Option) {
	env := onboardingEnv(t, opts...)
	// Verification connects to the domain on "port 80": here, the test server.
	env.App.Routes.SetVerifyDial(port(env), func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, p, _ := net.SplitHostPort(addr)
		return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+p)
	})
	owner := env.SignIn(t, "domain-owner@example.com")
	tm, _ := createTeam(t, owner, "Domain Team", "domain-team", "DOMT")
	base := "/api/v1/teams/" + tm.ID + "/domains"

	for _, bad := range []string{"localhost", "192.0.2.1", "x.pama.test", "bad_name.example.org"} {
		if p := owner.Do(t, "POST", base, map[string]string{"domain": bad}).Problem(t); !p.Has("body.domain") {
			t.Errorf("domain %q: %+v", bad, p)
		}
	}
	var d struct {
		Domain   string `json:"domain"`
		Token    string `json:"token"`
		Verified bool   `json:"verified"`
		ProofURL string `json:"proof_url"`
	}
	must(t, owner.Do(t, "POST", base, map[string]string{"domain": "https://Board.Example.org/"}), http.StatusCreated, "add").JSON(t, &d)
	if d.Domain != "board.example.org" || d.Verified || d.Token == "" {
		t.Fatalf("added: %+v", d)
	}
	// Pending: the domain does not serve the space yet, but answers its proof.
	if res := hostGet(t, env, "board.example.org", "/"); res.StatusCode != http.StatusNotFound {
		t.Errorf("pending domain: %d", res.StatusCode)
	}
	proof := hostGet(t, env, "board.example.org", "/.well-known/pama-domain/"+d.Token)
	if body, _ := io.ReadAll(proof.Body); proof.StatusCode != 200 || string(body) != d.Token {
		t.Errorf("proof: %d %q", proof.StatusCode, body)
	}
	if res := hostGet(t, env, "board.example.org", "/.well-known/pama-domain/wrong"); res.StatusCode != http.StatusNotFound {
		t.Errorf("wrong token: %d", res.StatusCode)
	}
	// Another team cannot take it.
	other := env.SignIn(t, "other-owner@example.com")
	tm2, _ := createTeam(t, other, "Other", "other-team", "OTHR")
	mustStatus(t, other.Do(t, "POST", "/api/v1/teams/"+tm2.ID+"/domains", map[string]string{"domain": "board.example.org"}), http.StatusConflict, "taken")

	// A domain that points elsewhere fails verification, saying why.
	mustStatus(t, owner.Do(t, "POST", base, map[string]string{"domain": "elsewhere.example.org"}), http.StatusCreated, "add 2")
	env.App.Routes.SetVerifyDial("1", func(ctx context.Context, network, addr string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:1")
	})
	if p := owner.Do(t, "POST", base+"/elsewhere.example.org/verify", nil).Problem(t); !p.Has("body.domain") || !strings.Contains(p.Errors[0].Message, "does not answer") {
		t.Errorf("unreachable: %+v", p)
	}
	env.App.Routes.SetVerifyDial(port(env), func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, p, _ := net.SplitHostPort(addr)
		return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+p)
	})
	must(t, owner.Do(t, "POST", base+"/board.example.org/verify", nil), http.StatusOK, "verify").JSON(t, &d)
	if !d.Verified {
		t.Fatalf("not verified: %+v", d)
	}
	if res := hostGet(t, env, "board.example.org", "/"); res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/domain-team" {
		t.Errorf("verified domain: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if err := env.App.Routes.HostPolicy(context.Background(), "board.example.org"); err != nil {
		t.Errorf("no certificate for a verified domain: %v", err)
	}
	for _, h := range []string{"elsewhere.example.org", "nobody.pama.test", "random.example.com", "127.0.0.1"} {
		if err := env.App.Routes.HostPolicy(context.Background(), h); err == nil {
			t.Errorf("a certificate would be issued for %s", h)
		}
	}
	if err := env.App.Routes.HostPolicy(context.Background(), "domain-team.pama.test"); err != nil {
		t.Errorf("no certificate for a space's address: %v", err)
	}

	// Members who may not manage the team cannot see or change domains.
	member := join(t, env, owner, tm.ID, "plain-member@example.com", "member")
	mustStatus(t, member.Do(t, "GET", base, nil), http.StatusForbidden, "member lists")

	// Operators see every domain and can add verified ones.
	op := env.SignIn(t, "ops@example.com")
	mustStatus(t, op.Do(t, "GET", "/api/v1/admin/domains", nil), http.StatusForbidden, "not an operator")

	mustStatus(t, owner.Do(t, "DELETE", base+"/board.example.org", nil), http.StatusNoContent, "remove")
	if res := hostGet(t, env, "board.example.org", "/"); res.StatusCode != http.StatusNotFound {
		t.Errorf("removed domain still serves: %d", res.StatusCode)
	}
}

func TestOperatorDomains(t *testing.T) {
	env := onboardingEnv(t, func(c *config.Config) { c.Operators = []string{"ops@example.com"} })
	owner := env.SignIn(t, "owner@example.com")
	createTeam(t, owner, "Ops Team", "ops-team", "OPST")
	op := env.SignIn(t, "ops@example.com")
	mustStatus(t, op.Do(t, "POST", "/api/v1/admin/domains", map[string]any{"team": "ops-team", "domain": "ops.example.org", "verified": true}), http.StatusCreated, "operator adds")
	if res := hostGet(t, env, "ops.example.org", "/"); res.StatusCode != http.StatusFound {
		t.Errorf("operator's domain: %d", res.StatusCode)
	}
	r := op.Do(t, "GET", "/api/v1/admin/domains", nil)
	if !strings.Contains(string(r.Body), "ops.example.org") {
		t.Errorf("list: %s", r.Body)
	}
	mustStatus(t, op.Do(t, "POST", "/api/v1/admin/domains", map[string]any{"team": "no-such-team", "domain": "x.example.org"}), http.StatusNotFound, "unknown team")
	mustStatus(t, op.Do(t, "DELETE", "/api/v1/admin/domains/ops.example.org", nil), http.StatusNoContent, "operator removes")
}

// must is mustStatus that hands the response on.
func must(t *testing.T, r *apptest.Response, want int, what string) *apptest.Response {
	t.Helper()
	mustStatus(t, r, want, what)
	return r
}

// unsolved returns a nonce that does not solve the challenge of token.
func unsolved(t *testing.T, c *apptest.Client, token string) uint64 {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < 34 {
		t.Fatalf("token %q", token)
	}
	for n := uint64(0); ; n++ {
		if !captcha.Solves(raw[17:33], n, int(raw[33])) {
			return n
		}
	}
}

func port(env *apptest.Env) string {
	return strconv.Itoa(env.Server.Listener.Addr().(*net.TCPAddr).Port)
}

func parseURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestPublicSiteAtRoot(t *testing.T) {
	env := onboardingEnv(t)
	get := func(c *apptest.Client, lang string) (string, http.Header) {
		req, _ := http.NewRequest("GET", env.URL+"/", nil)
		if lang != "" {
			req.Header.Set("Accept-Language", lang)
		}
		res, err := c.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /: %d", res.StatusCode)
		}
		return string(body), res.Header
	}
	body, h := get(env.Anonymous(), "")
	if !strings.Contains(body, `href="/start"`) || strings.Contains(body, "<script") || h.Get("Content-Language") != "en" {
		t.Errorf("visitors get the public site in English, without script: %s %v", body[:min(200, len(body))], h)
	}
	if body, h := get(env.Anonymous(), "ru-RU,ru;q=0.9,en;q=0.8"); !strings.Contains(body, `lang="ru"`) || h.Get("Content-Language") != "ru" {
		t.Errorf("Russian visitors: %v", h)
	}
	if body, _ := get(env.Anonymous(), "de-DE, fr;q=0.5"); !strings.Contains(body, `lang="en"`) {
		t.Error("other languages get English")
	}
	if body, _ := get(env.SignIn(t, "in@example.com"), ""); !strings.Contains(body, `id="app"`) {
		t.Errorf("signed-in people get the app at /: %s", body[:min(200, len(body))])
	}
}
