// Package httpapi is Pama's REST API and the HTTP server around it: routing,
// authentication (session cookie or API token), team authorization, rate
// limits, RFC 9457 errors, the OpenAPI document, health and metrics.
//
// Every operation is registered through op (see routes.go), which declares
// the permission it needs in its team. One middleware enforces it, so no
// handler can forget to check, and the tenant-isolation test walks every
// operation in the OpenAPI document.
package httpapi

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/pamateam/pama/internal/attachment"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/ceremony"
	"github.com/pamateam/pama/internal/comment"
	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/notification"
	"github.com/pamateam/pama/internal/oidc"
	"github.com/pamateam/pama/internal/onboard"
	ops "github.com/pamateam/pama/internal/operator"
	"github.com/pamateam/pama/internal/product"
	"github.com/pamateam/pama/internal/report"
	"github.com/pamateam/pama/internal/route"
	"github.com/pamateam/pama/internal/sprint"
	"github.com/pamateam/pama/internal/team"
)

// Version is the API version in the OpenAPI document.
const Version = "1.0.0"

// Deps are what the server serves.
type Deps struct {
	Logger   *slog.Logger
	Identity *identity.Service
	Teams    *team.Service
	Products *product.Service
	Backlog  *backlog.Service
	Sprints  *sprint.Service
	Comments *comment.Service
	// Ceremonies are the ceremony rooms.
	Ceremonies *ceremony.Service
	// Notifications are members' inboxes.
	Notifications *notification.Service
	// Files are attachments and avatars.
	Files    *attachment.Service
	Activity ActivityReader
	// Reports are the charts' series computed from the activity record.
	Reports *report.Service
	// Operator is the operator console's service; nil leaves /api/v1/admin/spaces and jobs out of service (503).
	Operator *ops.Service
	// OIDC is Pama ID as an OpenID Connect provider; nil leaves its endpoints out.
	OIDC *oidc.Provider
	// External signs members in through external providers; nil: none configured.
	External *oidc.External
	// Ready reports whether storage answers; /readyz calls it.
	Ready func(ctx context.Context) error
	// Metrics registers the HTTP metrics; nil leaves them out.
	Metrics prometheus.Registerer
	// Gatherer serves /metrics; nil leaves the route out.
	Gatherer prometheus.Gatherer
	// Web serves the web app and everything else outside /api; nil serves 404s.
	Web http.Handler
	// Realtime serves the real-time connection at /api/v1/realtime; nil leaves it out.
	Realtime http.Handler
	// Onboard runs the wizard at /api/v1/start; nil leaves it out.
	Onboard *onboard.Service
	// Routes is the live route table: team hosts, /t/<address>, custom
	// domains; nil serves every host as the main one.
	Routes *route.Table
	// Site is the public site served at / to visitors who are not signed
	// in; nil serves the web app there too.
	Site    http.Handler
	Options Options
}

// Options tune the server.
type Options struct {
	// BaseURL is the public address, used for links and to decide Secure cookies.
	BaseURL string
	// SessionTTL is how long a browser session lasts without use.
	SessionTTL time.Duration
	// Limits per account and per team; zero means the defaults.
	AccountRate, TeamRate, IPRate RateLimit
	// TrustedOrigins may make cross-origin state-changing requests (for
	// example a separately hosted web app). Same-origin requests always may.
	TrustedOrigins []string
	// CookieDomain, when set, is the Domain of the session cookie, so that
	// one sign-in reaches every <address>.<base domain>.
	CookieDomain string
}

// RateLimit is a token bucket: Rate requests a second, bursts up to Burst.
type RateLimit struct {
	Rate  float64
	Burst int
}

// Server is the HTTP front of Pama.
type Server struct {
	deps    Deps
	log     *slog.Logger
	api     huma.API
	mux     *http.ServeMux
	handler http.Handler
	limits  *limiter
	metrics *httpMetrics
	secure  bool
}

// New builds the server and registers every route.
func New(deps Deps) *Server {
	s := &Server{deps: deps, log: deps.Logger, mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.secure = len(deps.Options.BaseURL) > 8 && deps.Options.BaseURL[:8] == "https://"
	s.limits = newLimiter(deps.Options)
	s.metrics = newHTTPMetrics(deps.Metrics)

	cfg := huma.Config{
		OpenAPI: &huma.OpenAPI{
			OpenAPI: "3.1.0",
			Info: &huma.Info{
				Title:       "Pama API",
				Version:     Version,
				Description: apiDescription,
			},
			Components: &huma.Components{
				Schemas: huma.NewMapRegistry("#/components/schemas/", huma.DefaultSchemaNamer),
				SecuritySchemes: map[string]*huma.SecurityScheme{
					"session": {Type: "apiKey", In: "cookie", Name: sessionCookie,
						Description: "The browser session, set by signing in."},
					"token": {Type: "http", Scheme: "bearer",
						Description: "A personal API token: `Authorization: Bearer pama_...`."},
				},
			},
		},
		OpenAPIPath:   "/api/openapi",
		Formats:       huma.DefaultFormats,
		DefaultFormat: "application/json",
	}
	s.api = humago.New(s.mux, cfg)
	s.api.UseMiddleware(s.authenticate, s.authorize)
	s.routes()

	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	if deps.Gatherer != nil {
		s.mux.Handle("GET /metrics", metricsHandler(deps.Gatherer))
	}
	s.mux.HandleFunc("GET /api/docs", s.docsPage)
	if deps.OIDC != nil {
		s.mountOIDC()
	}
	if deps.Realtime != nil {
		s.mux.Handle("/api/v1/realtime", deps.Realtime)
	}
	s.mux.HandleFunc("/api/", s.apiNotFound)
	if deps.Web != nil {
		s.mux.Handle("/", deps.Web)
	} else {
		s.mux.Handle("/", http.NotFoundHandler())
	}
	if deps.Site != nil {
		s.mux.HandleFunc("GET /{$}", s.home)
	}
	if deps.Routes != nil {
		s.mux.HandleFunc("GET /t/{slug}", s.teamPath)
		s.mux.HandleFunc("GET /t/{slug}/{rest...}", s.teamPath)
		s.mux.HandleFunc("GET "+route.ProofPath+"{token}", s.domainProof)
	}

	s.handler = s.withRequestID(s.withRecover(s.withLog(s.withSecurityHeaders(
		s.withCrossOrigin(s.metrics.wrap(s.withHosts(s.mux)))))))
	return s
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// OpenAPI returns the OpenAPI document of the API.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }

// apiNotFound answers unknown /api paths with a problem, not the web app.
func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, newProblem(http.StatusNotFound, "No such API operation: "+r.Method+" "+r.URL.Path+". See /api/docs."))
}

// StaticFS wraps a file system of built web assets as the Web handler: files
// are served as they are, and any other path gets index.html so the
// single-page app can route it. A missing file under assets/, or a missing
// top-level name with an extension (favicon.ico), is a 404, so a stale script
// reference fails plainly instead of receiving HTML. Hashed files under assets/ are cached
// for good; everything else is revalidated on each use.
func StaticFS(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if name == "" {
			name = "index.html"
		}
		if st, err := fs.Stat(fsys, name); err != nil || st.IsDir() {
			if strings.HasPrefix(name, "assets/") || (!strings.Contains(name, "/") && path.Ext(name) != "") {
				http.NotFound(w, r)
				return
			}
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/"
			w.Header().Set("Cache-Control", "no-cache")
			files.ServeHTTP(w, r2)
			return
		}
		if strings.HasPrefix(name, "assets/") {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		if path.Ext(name) == ".webmanifest" {
			w.Header().Set("Content-Type", "application/manifest+json")
		}
		files.ServeHTTP(w, r)
	})
}

const apiDescription = `The Pama REST API. Everything the web app does goes through it.

* **Authentication**: a browser session cookie (sign in with an emailed code) or a personal API token
  sent as ` + "`Authorization: Bearer pama_...`" + `. Tokens with the ` + "`read`" + ` scope may only read.
* **Errors** are RFC 9457 problem documents (` + "`application/problem+json`" + `); ` + "`errors[].location`" + ` names the bad field.
* **Versions**: every entity has a ` + "`version`" + `. Updates send the version they were based on; a stale one
  gets 409 with the current version and entity in the problem.
* **Pagination**: list operations take ` + "`limit`" + ` and ` + "`cursor`" + ` and return ` + "`next_cursor`" + ` while there is more.
* **Rate limits**: per account and per team; 429 with ` + "`Retry-After`" + `.
`
