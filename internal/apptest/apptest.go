// Package apptest runs the real Pama app behind an httptest server for
// end-to-end tests of the API: real storage (SQLite in a temporary data dir,
// or PostgreSQL), the real outbox mailer, and clients that sign in through
// the emailed-code flow exactly as a person does.
package apptest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pamateam/pama/internal/app"
	"github.com/pamateam/pama/internal/config"
	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
)

// Env is one running app.
type Env struct {
	App    *app.App
	Server *httptest.Server
	Config config.Config
	URL    string

	log     *slog.Logger
	handler atomic.Pointer[http.Handler]
}

// Option changes the configuration before the app starts.
type Option func(*config.Config)

// Postgres runs the app on a fresh PostgreSQL schema (skipping the test when
// none is configured; see sqlstoretest.PostgresURL).
func Postgres(t testing.TB) Option {
	url := sqlstoretest.PostgresURL(t)
	return func(c *config.Config) { c.DatabaseURL = url }
}

// S3 keeps the app's files in a fresh bucket of the S3 server named by
// PAMA_TEST_S3_ENDPOINT (with PAMA_TEST_S3_ACCESS_KEY and
// PAMA_TEST_S3_SECRET_KEY), skipping the test when none is configured, or
// failing it when PAMA_TEST_REQUIRE_SERVICES is set.
func S3(t testing.TB) Option {
	t.Helper()
	endpoint := os.Getenv("PAMA_TEST_S3_ENDPOINT")
	if endpoint == "" {
		if os.Getenv("PAMA_TEST_REQUIRE_SERVICES") != "" {
			t.Fatal("PAMA_TEST_S3_ENDPOINT is not set; PAMA_TEST_REQUIRE_SERVICES demands the S3 tests")
		}
		t.Skip("PAMA_TEST_S3_ENDPOINT not set; skipping S3")
	}
	var b [6]byte
	rand.Read(b[:])
	return func(c *config.Config) {
		c.S3 = config.S3{Endpoint: endpoint, AccessKey: os.Getenv("PAMA_TEST_S3_ACCESS_KEY"),
			SecretKey: os.Getenv("PAMA_TEST_S3_SECRET_KEY"), Bucket: "pama-test-" + hex.EncodeToString(b[:]), Region: "us-east-1"}
	}
}

// OnHost serves the app as http://host:<port> instead of localhost, for
// tests that run two apps in one browser: browsers share cookies between
// ports of one host.
func OnHost(host string) Option {
	return func(c *config.Config) { c.BaseURL = "http://" + host + ":0" }
}

// New starts an app on a temporary data dir. Rate limits are raised so tests
// are not throttled unless they lower them again.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	cfg := config.Defaults()
	cfg.Data = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.AccountRate, cfg.TeamRate, cfg.IPRate = 10_000, 10_000, 10_000
	for _, o := range opts {
		o(&cfg)
	}
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("PAMA_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	// The listener comes first so that the app knows its public address:
	// http://localhost:<port> unless an option set one. Tokens carry it as
	// their issuer, and passkeys need a host name rather than an address.
	srv := httptest.NewUnstartedServer(nil)
	port := strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
	url := "http://localhost:" + port
	switch {
	case cfg.BaseURL == "":
		cfg.BaseURL = url
	case strings.HasSuffix(cfg.BaseURL, ":0"): // OnHost
		cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, ":0") + ":" + port
		url = cfg.BaseURL
	default:
		url = "http://" + srv.Listener.Addr().String()
	}
	a, err := app.New(context.Background(), cfg, log)
	if err != nil {
		srv.Close()
		t.Fatalf("apptest: start app: %v", err)
	}
	e := &Env{App: a, Server: srv, Config: cfg, URL: url, log: log}
	h := a.Handler()
	e.handler.Store(&h)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*e.handler.Load()).ServeHTTP(w, r)
	})
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		e.App.Close()
	})
	return e
}

// Restart stops the app as a node restart does (closing its real-time
// connections) and starts a new one on the same data and address; clients
// keep their sessions.
func (e *Env) Restart(t testing.TB) {
	t.Helper()
	e.App.Close()
	a, err := app.New(context.Background(), e.Config, e.log)
	if err != nil {
		t.Fatalf("apptest: restart app: %v", err)
	}
	h := a.Handler()
	e.App = a
	e.handler.Store(&h)
}

// Mail is one message from the outbox.
type Mail struct {
	To, Subject, Body string
	File              string
}

// Mails returns the messages sent to addr, oldest first.
func (e *Env) Mails(t testing.TB, addr string) []Mail {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(e.Config.Data, "outbox", "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var out []Mail
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		head, body, _ := strings.Cut(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n\n")
		m := Mail{Body: body, File: f}
		for _, line := range strings.Split(head, "\n") {
			if v, ok := strings.CutPrefix(line, "To: "); ok {
				m.To = v
			}
			if v, ok := strings.CutPrefix(line, "Subject: "); ok {
				m.Subject = v
			}
		}
		if strings.EqualFold(m.To, addr) {
			out = append(out, m)
		}
	}
	return out
}

var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

// LastCode returns the sign-in code in the newest mail to addr.
func (e *Env) LastCode(t testing.TB, addr string) string {
	t.Helper()
	mails := e.Mails(t, addr)
	if len(mails) == 0 {
		t.Fatalf("apptest: no mail to %s", addr)
	}
	m := codeRE.FindStringSubmatch(mails[len(mails)-1].Body)
	if m == nil {
		t.Fatalf("apptest: no code in mail to %s: %q", addr, mails[len(mails)-1].Body)
	}
	return m[1]
}

// Client calls the API as one browser (a cookie jar) or one token.
type Client struct {
	Env     *Env
	HTTP    *http.Client
	Account identity.Account
	Token   string // sent as a bearer token when set
}

// Anonymous returns a client that is not signed in.
func (e *Env) Anonymous() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{Env: e, HTTP: &http.Client{Jar: jar}}
}

// SignIn signs email in through the real flow: ask for a code, read it from
// the outbox, send it back. It fails the test if any step fails.
func (e *Env) SignIn(t testing.TB, email string) *Client {
	t.Helper()
	c := e.Anonymous()
	if r := c.Do(t, "POST", "/api/v1/auth/code", map[string]string{"email": email}); r.Status != http.StatusAccepted {
		t.Fatalf("apptest: request code for %s: %d %s", email, r.Status, r.Body)
	}
	r := c.Do(t, "POST", "/api/v1/auth/sign-in", map[string]string{"email": email, "code": e.LastCode(t, email)})
	if r.Status != http.StatusOK {
		t.Fatalf("apptest: sign in %s: %d %s", email, r.Status, r.Body)
	}
	var out struct {
		Account identity.Account `json:"account"`
	}
	r.JSON(t, &out)
	c.Account = out.Account
	return c
}

// WithToken returns a client that sends token instead of cookies.
func (c *Client) WithToken(token string) *Client {
	return &Client{Env: c.Env, HTTP: &http.Client{}, Account: c.Account, Token: token}
}

// Response is a finished request.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it is not JSON.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("apptest: decode %s: %v", r.Body, err)
	}
}

// Problem decodes an RFC 9457 problem body.
func (r *Response) Problem(t testing.TB) Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("apptest: want a problem, got %s %d: %s", ct, r.Status, r.Body)
	}
	var p Problem
	r.JSON(t, &p)
	return p
}

// Problem is the decoded form of an error response.
type Problem struct {
	Title   string          `json:"title"`
	Status  int             `json:"status"`
	Detail  string          `json:"detail"`
	Errors  []ProblemDetail `json:"errors"`
	Version int64           `json:"version"`
	Current json.RawMessage `json:"current"`
}

// ProblemDetail names one bad field.
type ProblemDetail struct {
	Location string `json:"location"`
	Message  string `json:"message"`
}

// Has reports whether the problem names location (such as "body.email").
func (p Problem) Has(location string) bool {
	for _, d := range p.Errors {
		if d.Location == location {
			return true
		}
	}
	return false
}

// Do sends a request with body as JSON (nil for none; a []byte or string is sent as is).
func (c *Client) Do(t testing.TB, method, path string, body any) *Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.Env.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatalf("apptest: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}
