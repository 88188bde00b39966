package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pamateam/pama/internal/apptest"
)

// FuzzDecodeRequests sends arbitrary bodies to operations that decode JSON
// and checks that every answer is a well-formed success or a problem
// document: never a 500, never a panic.
func FuzzDecodeRequests(f *testing.F) {
	seeds := []string{
		`{"email":"a@b.co"}`, `{"email":1}`, `{"email":null}`, `{}`, `[]`, `null`, ``, `{"email":"a@b.co","code":"123456"}`,
		`{"version":1,"display_name":"x"}`, `{"version":-1}`, `{"version":1e309}`, `{"name":"t","scopes":["read"]}`,
		`{"name":"t","scopes":"read"}`, `{"name":"T","slug":"fuzz-2","first_product":{"key":"AB","name":"x"}}`,
		`{"version":1,"deck":"custom","custom_deck":["1","2",""]}`, `{"version":1,"sprint_length_days":7.5}`,
		`{"version":1,"role":"owner"}`, `{"email":"x@y.co","role":"admin"}`, `{"key":"K1","name":"n","description":"d"}`,
		`{"version":1,"archived":true,"key":"ZZ"}`, `{"token":"a.b"}`, `{"body":"@fuzz hi"}`, `{"body":""}`, "\x89PNG\r\n\x1a\n", `{"team_id":"x","invitation_id":"y"}`, `{"new_password":"` + strings.Repeat("p", 900) + `"}`, "\x00\xff", `{"a":` + strings.Repeat("[", 5000),
	}
	for _, s := range seeds {
		f.Add(s, uint8(0))
	}
	env := apptest.New(f)
	signedIn := env.SignIn(f, "fuzz@example.com")
	var cookie string
	for _, c := range signedIn.HTTP.Jar.Cookies(mustURL(env.URL).URL) {
		cookie = c.Name + "=" + c.Value
	}
	targets := []struct{ method, path string }{
		{"POST", "/api/v1/auth/code"},
		{"POST", "/api/v1/auth/sign-in"},
		{"POST", "/api/v1/auth/password"},
		{"PATCH", "/api/v1/me"},
		{"PUT", "/api/v1/me/password"},
		{"POST", "/api/v1/me/tokens"},
		{"POST", "/api/v1/teams"},
		{"PATCH", "/api/v1/teams/fuzz-team"},
		{"PATCH", "/api/v1/teams/fuzz-team/settings"},
		{"PATCH", "/api/v1/teams/fuzz-team/members/" + signedIn.Account.ID},
		{"POST", "/api/v1/teams/fuzz-team/invitations"},
		{"POST", "/api/v1/teams/fuzz-team/products"},
		{"PATCH", "/api/v1/teams/fuzz-team/products/FUZ"},
		{"POST", "/api/v1/invitations/accept"},
		{"POST", "/api/v1/teams/fuzz-team/items/FUZ-1/comments"},
		{"POST", "/api/v1/teams/fuzz-team/items/FUZ-1/attachments?name=f%00.txt"},
		{"PUT", "/api/v1/me/avatar"},
	}
	createTeam(f, signedIn, "Fuzz", "fuzz-team", "FUZ")
	if r := signedIn.Do(f, "POST", "/api/v1/teams/fuzz-team/products/FUZ/items", map[string]string{"kind": "task", "title": "Fuzz"}); r.Status != http.StatusCreated {
		f.Fatalf("create item: %d %s", r.Status, r.Body)
	}
	h := env.App.Handler()
	f.Fuzz(func(t *testing.T, body string, which uint8) {
		tg := targets[int(which)%len(targets)]
		req := httptest.NewRequest(tg.method, tg.path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Cookie", cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		res := rec.Result()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s with %q = %d %s", tg.method, tg.path, body, res.StatusCode, raw)
		}
		if res.StatusCode >= 400 {
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Fatalf("%s %s error with content type %q: %s", tg.method, tg.path, ct, raw)
			}
			var p struct {
				Status int `json:"status"`
			}
			if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&p); err != nil || p.Status != res.StatusCode {
				t.Fatalf("%s %s: malformed problem %s", tg.method, tg.path, raw)
			}
		}
	})
}

func mustURL(s string) *http.Request {
	r, _ := http.NewRequest("GET", s, nil)
	return r
}
