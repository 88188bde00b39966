package httpapi

import (
	_ "embed"
	"net/http"
)

// docsHTML renders /api/openapi.json as a readable page. It is self-contained
// (no CDN), so it works on an offline install.
//
//go:embed docs.html
var docsHTML []byte

func (s *Server) docsPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
	w.Write(docsHTML)
}
