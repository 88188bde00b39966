package app_test

import (
	"bufio"
	"context"
	"fmt"
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

	// Start a request that waits for "100 Continue" before sending its body:
	// when the server says it, the handler is running. Then stop the server
	// and send the body; the request must still complete.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"email":"slow@example.com"}`
	fmt.Fprintf(conn, "POST /api/v1/auth/code HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n", len(body))
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if err != nil || !strings.Contains(line, "100 Continue") {
		t.Fatalf("want 100 Continue, got %q, %v", line, err)
	}
	br.ReadString('\n') // blank line after the interim response
	cancel()
	conn.Write([]byte(body))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("in-flight request failed: %v", err)
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
		`go_sql_wait_count_total{db_name="platform"}`,
		`go_sql_in_use_connections{db_name="platform_read"}`,
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
