package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/pamateam/pama/internal/httpapi"
)

func TestStaticFS(t *testing.T) {
	fsys := fstest.MapFS{
		"index.html":           {Data: []byte("<!doctype html><title>app</title>")},
		"sw.js":                {Data: []byte("self.x=1")},
		"manifest.webmanifest": {Data: []byte(`{"name":"Pama"}`)},
		"assets/index-abc.js":  {Data: []byte("console.log(1)")},
		"assets/index-abc.css": {Data: []byte("body{}")},
		"icons/readme":         {Data: []byte("x")},
	}
	h := httpapi.StaticFS(fsys)
	tests := []struct {
		path        string
		status      int
		body        string // prefix of the body
		cache       string
		contentType string // prefix
	}{
		{path: "/", status: 200, body: "<!doctype html>", cache: "no-cache", contentType: "text/html"},
		{path: "/blue-whales", status: 200, body: "<!doctype html>", cache: "no-cache", contentType: "text/html"},
		{path: "/blue-whales/backlog", status: 200, body: "<!doctype html>", cache: "no-cache"},
		{path: "/invite/abc.def", status: 200, body: "<!doctype html>", cache: "no-cache"},
		{path: "/icons", status: 200, body: "<!doctype html>", cache: "no-cache"},
		{path: "/assets/index-abc.js", status: 200, body: "console.log", cache: "public, max-age=31536000, immutable", contentType: "text/javascript"},
		{path: "/assets/index-abc.css", status: 200, body: "body{}", cache: "public, max-age=31536000, immutable", contentType: "text/css"},
		{path: "/assets/gone-123.js", status: 404},
		{path: "/assets/nothing", status: 404},
		{path: "/favicon.ico", status: 404},
		{path: "/sw.js", status: 200, body: "self.x", cache: "no-cache", contentType: "text/javascript"},
		{path: "/manifest.webmanifest", status: 200, body: "{", cache: "no-cache", contentType: "application/manifest+json"},
		{path: "/../../etc/passwd", status: 200, body: "<!doctype html>", cache: "no-cache"},
		{path: "/../index.html/../sw.js", status: 200, body: "self.x", cache: "no-cache"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d (body %q)", rec.Code, tt.status, rec.Body.String())
			}
			if tt.status != 200 {
				return
			}
			if !strings.HasPrefix(rec.Body.String(), tt.body) {
				t.Errorf("body = %q, want prefix %q", rec.Body.String(), tt.body)
			}
			if got := rec.Header().Get("Cache-Control"); got != tt.cache {
				t.Errorf("Cache-Control = %q, want %q", got, tt.cache)
			}
			if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, tt.contentType) {
				t.Errorf("Content-Type = %q, want prefix %q", got, tt.contentType)
			}
		})
	}
}
