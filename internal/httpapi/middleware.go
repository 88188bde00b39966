package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/pamateam/pama/internal/oidc"
)

type requestIDKey struct{}

// RequestID returns the id of the request in ctx, as logged and sent back in
// the X-Request-Id header.
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}

// withRequestID gives every request an id: the client's X-Request-Id if it is
// reasonable, otherwise a new one.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if len(id) == 0 || len(id) > 64 {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// withRecover turns a panic in a handler into a logged 500.
func (s *Server) withRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic", "request_id", RequestID(r.Context()),
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeProblem(w, newProblem(http.StatusInternalServerError, "Something went wrong on our side. It has been logged."))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withLog logs every request with its id, route, status and duration. Health
// checks and static files are logged at debug level.
func (s *Server) withLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		level := slog.LevelInfo
		switch {
		case sw.status >= 500:
			level = slog.LevelError
		case r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics",
			len(r.URL.Path) < 5 || r.URL.Path[:5] != "/api/":
			level = slog.LevelDebug
		}
		s.log.Log(r.Context(), level, "http",
			"request_id", RequestID(r.Context()),
			"method", r.Method, "path", r.URL.Path, "status", sw.status,
			"bytes", sw.bytes, "duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
}

// withSecurityHeaders sets headers that every response should carry.
func (s *Server) withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if s.secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// withCrossOrigin refuses state-changing browser requests from other origins
// (CSRF protection through Sec-Fetch-Site and Origin; see net/http's
// CrossOriginProtection). Requests without those headers, such as scripts
// using API tokens, pass.
func (s *Server) withCrossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	for _, o := range s.deps.Options.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			s.log.Warn("ignoring trusted origin", "origin", o, "err", err)
		}
	}
	// The OpenID Connect back-channel endpoints are called by other
	// applications, often from browsers on their own origin; they
	// authenticate clients and tokens, never by cookie.
	for _, path := range []string{oidc.TokenPath, oidc.RevokePath, oidc.IntrospectPath, oidc.UserinfoPath} {
		cop.AddInsecureBypassPattern("POST " + path)
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, newProblem(http.StatusForbidden, "Cross-origin request refused (CSRF protection)."))
	}))
	return cop.Handler(next)
}

func itoa(n int) string { return strconv.Itoa(n) }

// clientIP returns the host part of a remote address.
func clientIP(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}
