package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/app"
	"github.com/pamateam/pama/internal/apptest"
	"github.com/pamateam/pama/internal/config"
)

func TestShutdownFinishesInFlightRequests(t *testing.T) {
	cfg := config.Defaults()
	cfg.Data = t.TempDir()
	cfg.ShutdownTimeout = 10 * time.Second
	a, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &notifyListener{Listener: inner, accepted: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, ln) }()

	// Start a request whose body arrives in two parts, and stop the server
	// between them.
	body, feed := io.Pipe()
	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/api/v1/auth/code", body)
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = int64(len(`{"email":"slow@example.com"}`))
	got := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("in-flight request failed: %v", err)
			got <- nil
			return
		}
		got <- resp
	}()
	feed.Write([]byte(`{"email":`))
	<-ln.accepted // the server has the connection: now ask it to stop
	cancel()
	feed.Write([]byte(`"slow@example.com"}`))
	feed.Close()
	resp := <-got
	if resp == nil {
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("in-flight request = %d, want 202", resp.StatusCode)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve = %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
}

// notifyListener says when it has accepted a connection.
type notifyListener struct {
	net.Listener
	accepted chan struct{}
}

func (l *notifyListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		select {
		case l.accepted <- struct{}{}:
		default:
		}
	}
	return c, err
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	env := apptest.New(t)
	get := func(path string) (int, string) {
		resp, err := http.Get(env.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz = %d", code)
	}
	if code, _ := get("/readyz"); code != 200 {
		t.Errorf("/readyz = %d", code)
	}
	c := env.SignIn(t, "metrics@example.com")
	c.Do(t, "GET", "/api/v1/me", nil)
	code, m := get("/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		`pama_http_request_duration_seconds_count{code="2xx",method="GET",route="/api/v1/me"}`,
		`pama_store_duration_seconds_count{op="identity.session",outcome="ok"}`,
		`pama_team_dbs_open`,
		`go_goroutines`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if r := c.Do(t, "GET", "/api/v1/me", nil); r.Header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id on a response")
	}
	// With storage gone, the process is alive but not ready.
	env.App.Store.Close()
	if code, _ := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with a closed store = %d, want 503", code)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz with a closed store = %d, want 200", code)
	}
}
