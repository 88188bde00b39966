package httpapi

import (
	"html"
	"net/http"
	"net/url"
	"strings"

	"github.com/pamateam/pama/internal/route"
)

// withHosts routes by host: a space's own address (<address>.<base domain>
// or a verified custom domain) opens the space at / and serves the app and
// the API as the main host does; a host no space lives at gets a 404 page.
// Health checks, metrics and certificate and domain verification answer on
// any host.
func (s *Server) withHosts(next http.Handler) http.Handler {
	if s.deps.Routes == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if p == "/healthz" || p == "/readyz" || p == "/metrics" ||
			strings.HasPrefix(p, route.ProofPath) || strings.HasPrefix(p, "/.well-known/acme-challenge/") {
			next.ServeHTTP(w, r)
			return
		}
		t, err := s.deps.Routes.Resolve(r.Context(), r.Host)
		if err != nil {
			s.log.ErrorContext(r.Context(), "route host", "host", r.Host, "err", err)
			writeProblem(w, newProblem(http.StatusServiceUnavailable, "The route table cannot be read right now; try again shortly."))
			return
		}
		switch t.Kind {
		case route.Unknown:
			s.notFoundPage(w, r, "No team space lives at "+route.Hostname(r.Host)+".")
			return
		case route.Team:
			if p == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
				redirect(w, r, "/"+t.Slug)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// teamPath sends /t/<address>[/...] to the space's screens at /<address>[/...],
// or answers 404 when no live space has that address.
func (s *Server) teamPath(w http.ResponseWriter, r *http.Request) {
	t, err := s.deps.Routes.Slug(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.log.ErrorContext(r.Context(), "route slug", "err", err)
		writeProblem(w, newProblem(http.StatusServiceUnavailable, "The route table cannot be read right now; try again shortly."))
		return
	}
	if t.Kind != route.Team {
		s.notFoundPage(w, r, "No team space has the address “"+r.PathValue("slug")+"”.")
		return
	}
	to := "/" + t.Slug
	if rest := r.PathValue("rest"); rest != "" {
		to += "/" + (&url.URL{Path: rest}).EscapedPath()
	}
	redirect(w, r, to)
}

// redirect sends a 302 to path, keeping the query.
func redirect(w http.ResponseWriter, r *http.Request, path string) {
	if r.URL.RawQuery != "" {
		path += "?" + r.URL.RawQuery
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, path, http.StatusFound)
}

// domainProof answers a custom domain's verification request.
func (s *Server) domainProof(w http.ResponseWriter, r *http.Request) {
	tok, ok := s.deps.Routes.Proof(r.Context(), r.Host, r.PathValue("token"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte(tok))
}

// home serves / : the app to people who are signed in, the public site to
// everyone else.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Cookie")
	if ck, err := r.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if _, err := s.deps.Identity.Authenticate(r.Context(), ck.Value); err == nil {
			s.deps.Web.ServeHTTP(w, r)
			return
		}
	}
	s.deps.Site.ServeHTTP(w, r)
}

// notFoundPage is the plain page for addresses where nothing lives.
func (s *Server) notFoundPage(w http.ResponseWriter, r *http.Request, what string) {
	home := s.deps.Options.BaseURL
	if home == "" {
		home = "/"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNotFound)
	if r.Method == http.MethodHead {
		return
	}
	w.Write([]byte(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark">
<title>Not found · Pama</title><style>body{font:1.05rem/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;padding:1rem;box-sizing:border-box}
main{max-width:32rem}h1{font-size:1.6rem;margin:0 0 .5rem}a{color:LinkText}</style></head><body><main>
<h1>Nothing here</h1><p>` + html.EscapeString(what) + `</p>
<p>Check the address, or <a href="` + html.EscapeString(home) + `">go to Pama</a> to find your team spaces or start a new one.</p>
</main></body></html>`))
}
