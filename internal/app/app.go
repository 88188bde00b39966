// Package app is Pama's composition root: it turns a Config into concrete
// adapters (store, mailer, broker), builds the domain services on them and
// puts the HTTP server in front. Backends are chosen here and nowhere else.
package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/attachment"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/blob"
	"github.com/pamateam/pama/internal/ceremony"
	"github.com/pamateam/pama/internal/comment"
	"github.com/pamateam/pama/internal/config"
	"github.com/pamateam/pama/internal/httpapi"
	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/mail"
	"github.com/pamateam/pama/internal/notification"
	"github.com/pamateam/pama/internal/oidc"
	"github.com/pamateam/pama/internal/onboard"
	"github.com/pamateam/pama/internal/operator"
	"github.com/pamateam/pama/internal/product"
	"github.com/pamateam/pama/internal/realtime"
	"github.com/pamateam/pama/internal/realtime/wire"
	"github.com/pamateam/pama/internal/report"
	"github.com/pamateam/pama/internal/route"
	"github.com/pamateam/pama/internal/sprint"
	"github.com/pamateam/pama/internal/sqlstore"
	"github.com/pamateam/pama/internal/team"
)

// App is a running Pama: its store, services and HTTP handler.
type App struct {
	cfg      config.Config
	log      *slog.Logger
	Store    *sqlstore.Store
	Identity *identity.Service
	Teams    *team.Service
	Products *product.Service
	Realtime *realtime.Hub
	OIDC     *oidc.Provider
	External *oidc.External
	Backlog  *backlog.Service
	Sprints  *sprint.Service
	Onboard  *onboard.Service
	Routes   *route.Table
	// Certs issues and renews TLS certificates when --tls is acme; nil otherwise.
	Certs      *autocert.Manager
	Operator   *operator.Service
	Comments   *comment.Service
	Ceremonies *ceremony.Service
	// Notifications are members' inboxes.
	Notifications *notification.Service
	// Files are attachments and avatars; Blobs is where their content is.
	Files    *attachment.Service
	Blobs    BlobStore
	Server   *httpapi.Server
	Registry *prometheus.Registry

	stop func()         // ends the background work Start began
	bg   sync.WaitGroup // the background work
}

// New builds an App from cfg. It opens (and migrates) storage; call Close.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: log, Registry: prometheus.NewRegistry()}
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	storeLatency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "pama_store_duration_seconds",
		Help:    "Store operation latency by operation and outcome.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
	}, []string{"op", "outcome"})
	openTeams := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "pama_team_dbs_open",
		Help: "Team-space SQLite files open now.",
	})
	a.Registry.MustRegister(storeLatency, openTeams)

	store, err := sqlstore.Open(ctx, sqlstore.Options{
		DataDir:     cfg.Data,
		PostgresURL: cfg.DatabaseURL,
		TeamIdle:    cfg.TeamIdle,
		Logger:      log.With("component", "store"),
		Observe: func(op string, d time.Duration, err error) {
			outcome := "ok"
			if err != nil {
				outcome = "error"
			}
			storeLatency.WithLabelValues(op, outcome).Observe(d.Seconds())
		},
		OpenTeams: func(n int) { openTeams.Set(float64(n)) },
	})
	if err != nil {
		return nil, err
	}
	a.Store = store
	for name, db := range store.Pools() {
		a.Registry.MustRegister(collectors.NewDBStatsCollector(db, name))
	}

	mailer, err := newMailer(cfg, log.With("component", "mail"))
	if err != nil {
		store.Close()
		return nil, err
	}

	blobs, err := newBlobs(ctx, cfg)
	if err != nil {
		store.Close()
		return nil, err
	}
	a.Blobs = blobs
	exportDir := cfg.ExportDir
	if exportDir == "" {
		exportDir = filepath.Join(cfg.Data, "exports")
	}
	a.Operator = operator.New(operator.Deps{
		Store:    store,
		Blobs:    operatorBlobs{blobs},
		Mailer:   mailer,
		Accounts: accountEmails{store},
		// The hub is built further down (it needs the team service, which
		// needs the operator's quotas); these run only once serving.
		RoundTrip:   func(ctx context.Context, team string) error { return a.Realtime.RoundTrip(ctx, team) },
		Connections: func(team string) int { return a.Realtime.Connections(team) },
		Logger:      log.With("component", "operator"),
	}, operator.Config{
		Defaults: operator.SpaceQuota{Members: cfg.QuotaMembers, Items: cfg.QuotaItems,
			StorageBytes: int64(cfg.TeamStorageMB) << 20},
		DeleteGrace: cfg.DeleteGrace,
		AlertAfter:  cfg.HealthAlert,
		HealthEvery: cfg.HealthEvery,
		HealthRate:  cfg.HealthRate,
		JobWorkers:  cfg.JobWorkers,
		JobPace:     cfg.JobPace,
		ExportDir:   exportDir,
	})

	a.Identity = identity.NewService(store, mailer, identity.Config{
		BaseURL:    cfg.PublicURL(),
		SessionTTL: cfg.SessionTTL,
		Operators:  cfg.Operators,
	}, log.With("component", "identity"))
	a.Teams = team.NewService(store, a.Identity, mailer, team.Config{
		BaseURL: cfg.PublicURL(),
		Quotas:  a.Operator,
	}, log.With("component", "team"))
	a.Products = product.NewService(store, log.With("component", "product"))
	a.Backlog = backlog.NewService(store, log.With("component", "backlog"))
	a.Backlog.SetItemQuota(a.Operator)
	a.Sprints = sprint.NewService(store, log.With("component", "sprint"))
	a.Comments = comment.NewService(store, log.With("component", "comment"))
	a.Notifications = notification.NewService(store, log.With("component", "notification"))

	quota := int64(cfg.TeamStorageMB) << 20
	if quota == 0 {
		quota = attachment.NoQuota
	}
	a.Files = attachment.NewService(store, blobFiles{blobs}, a.Identity, attachment.Config{
		MaxSize:   int64(cfg.AttachmentMaxMB) << 20,
		TeamQuota: quota,
	}, log.With("component", "files"))
	a.Files.SetTeamQuotas(a.Operator)

	a.OIDC, err = oidc.NewProvider(ctx, store, a.Identity, a.Teams, oidc.Config{
		Issuer:         cfg.PublicURL(),
		KeySecret:      cfg.OIDCKeySecret,
		KeyRotateAfter: rotation(cfg.OIDCKeyRotation),
	}, log.With("component", "oidc"))
	if err != nil {
		store.Close()
		return nil, err
	}
	providers, _ := cfg.ExternalProviders() // checked by Validate
	ext := make([]oidc.ExternalProvider, len(providers))
	for i, p := range providers {
		ext[i] = oidc.ExternalProvider{ID: p.ID, Name: p.Name, Issuer: p.Issuer, ClientID: p.ClientID,
			ClientSecret: p.ClientSecret, Scopes: p.Scopes}
	}
	a.External, err = oidc.NewExternal(store, cfg.PublicURL(), ext, log.With("component", "oidc-external"))
	if err != nil {
		store.Close()
		return nil, err
	}

	a.Routes = route.New(store, route.Config{PublicURL: cfg.PublicURL(), BaseDomain: cfg.BaseDomain})
	a.Onboard = onboard.NewService(store, a.Identity, a.Teams, onboard.Config{
		CaptchaBits:          cfg.CaptchaBits,
		StartsPerIPPerHour:   cfg.WizardStartsPerHour,
		SpacesPerEmailPerDay: cfg.WizardSpacesPerDay,
	}, log.With("component", "onboard"))
	if cfg.TLS == "acme" {
		a.Certs, err = newCertManager(cfg, store, a.Routes)
		if err != nil {
			store.Close()
			return nil, err
		}
	}
	router := realtime.NewRouter()
	router.SetItemProduct(func(ctx context.Context, teamID, itemID string) (string, error) {
		it, err := store.Item(ctx, teamID, itemID)
		return it.ProductID, err
	})
	// A room's start and end, and people joining and leaving it, also reach
	// the team channel (the ceremonies screen, which so need not subscribe
	// to every room and be counted present there); refinement requests go
	// there too, besides the item's and backlog's channels.
	router.Handle(realtime.EntityRoom, func(_ context.Context, e activity.Entry) []string {
		switch e.Action {
		case "created", "finished", "joined", "left":
			return []string{wire.Room(e.TeamID, e.EntityID), wire.Team(e.TeamID)}
		}
		for _, c := range e.Changes {
			if c.Field == "status" {
				return []string{wire.Room(e.TeamID, e.EntityID), wire.Team(e.TeamID)}
			}
		}
		return nil
	})
	router.Handle("refinement_request", func(_ context.Context, e activity.Entry) []string {
		chs := []string{wire.Team(e.TeamID)}
		for _, c := range e.Changes {
			var id string
			if json.Unmarshal(c.After, &id) == nil && id != "" {
				switch c.Field {
				case "item_id":
					chs = append(chs, wire.Item(e.TeamID, id))
				case "product_id":
					chs = append(chs, wire.Backlog(e.TeamID, id))
				}
			}
		}
		return chs
	})
	hub, err := realtime.New(realtime.Config{
		Logger:   log.With("component", "realtime"),
		Router:   router,
		Auth:     a.Identity,
		Teams:    a.Teams,
		Outbox:   store,
		RedisURL: cfg.RedisURL,
		Metrics:  a.Registry,
	})
	if err != nil {
		store.Close()
		return nil, err
	}
	store.SetOnCommit(hub.OnCommit)
	if err := hub.Run(ctx); err != nil {
		store.Close()
		return nil, err
	}
	a.Realtime = hub

	a.Ceremonies = ceremony.NewService(store, a.Backlog, a.Sprints, a.Teams, mailer, ceremony.Config{
		BaseURL: cfg.PublicURL(),
		Online:  hub.Online,
	}, log.With("component", "ceremony"))

	a.Server = httpapi.New(httpapi.Deps{
		Logger:     log.With("component", "http"),
		Identity:   a.Identity,
		Teams:      a.Teams,
		Products:   a.Products,
		Backlog:    a.Backlog,
		Sprints:    a.Sprints,
		Comments:   a.Comments,
		Ceremonies: a.Ceremonies,
		Files:      a.Files,
		Activity:   store,
		Reports:    report.NewService(store, log.With("component", "report"), nil),
		Operator:   a.Operator,
		OIDC:       a.OIDC,
		External:   a.External,

		Notifications: a.Notifications,
		Ready:         store.Ping,
		Metrics:       a.Registry,
		Gatherer:      a.Registry,
		Web:           webHandler(),
		Site:          siteHandler(),
		Onboard:       a.Onboard,
		Routes:        a.Routes,
		Realtime:      hub.Handler(),
		Options: httpapi.Options{
			CookieDomain: cookieDomain(cfg),
			BaseURL:      cfg.PublicURL(),
			SessionTTL:   cfg.SessionTTL,
			AccountRate:  httpapi.RateLimit{Rate: cfg.AccountRate, Burst: int(cfg.AccountRate * 4)},
			TeamRate:     httpapi.RateLimit{Rate: cfg.TeamRate, Burst: int(cfg.TeamRate * 3)},
			IPRate:       httpapi.RateLimit{Rate: cfg.IPRate, Burst: int(cfg.IPRate * 4)},
		},
	})
	return a, nil
}

// rotation turns the configured key rotation age into the provider's
// setting: 0 (off) becomes negative, which the provider reads as off.
func rotation(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// mailer picks SMTP when a host is configured, the outbox otherwise.
func newMailer(cfg config.Config, log *slog.Logger) (interface {
	Send(ctx context.Context, to, subject, body string) error
}, error) {
	if cfg.SMTP.Host != "" {
		return mail.NewSMTP(mail.SMTPConfig{
			Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username,
			Password: cfg.SMTP.Password, From: cfg.SMTP.From, TLS: cfg.SMTP.TLS,
		}, log), nil
	}
	return mail.NewOutbox(filepath.Join(cfg.Data, "outbox"), cfg.SMTP.From, log)
}

// Handler is the HTTP handler of the whole product.
func (a *App) Handler() http.Handler { return a.Server }

// Serve accepts connections on ln until ctx ends, then stops accepting and
// lets in-flight requests finish within the shutdown timeout. With --tls
// acme, ln serves HTTPS and a plain HTTP listener opens on --http-addr for
// ACME challenges, domain verification and redirects to HTTPS.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	if a.Certs == nil {
		return a.ServeListeners(ctx, ln, nil)
	}
	httpLn, err := net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("app: listen on %s: %w", a.cfg.HTTPAddr, err)
	}
	a.log.Info("plain HTTP answers ACME challenges and redirects to HTTPS", "listen", httpLn.Addr().String())
	return a.ServeListeners(ctx, ln, httpLn)
}

// ServeListeners serves the app on ln (over TLS when Certs is set) and, if
// httpLn is not nil, the plain HTTP side of TLS on httpLn, until ctx ends.
func (a *App) ServeListeners(ctx context.Context, ln, httpLn net.Listener) error {
	newServer := func(h http.Handler) *http.Server {
		return &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
			BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		}
	}
	servers := []*http.Server{newServer(a.Server)}
	listeners := []net.Listener{ln}
	if a.Certs != nil {
		listeners[0] = tls.NewListener(ln, a.Certs.TLSConfig())
	}
	if httpLn != nil {
		servers = append(servers, newServer(a.plainHTTP()))
		listeners = append(listeners, httpLn)
	}
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errc <- srv.Serve(listeners[i]) }()
	}
	var first error
	select {
	case first = <-errc:
		first = fmt.Errorf("app: serve: %w", first)
	case <-ctx.Done():
		a.log.Info("shutting down", "timeout", a.cfg.ShutdownTimeout.String())
	}
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	errs := []error{first}
	for _, srv := range servers {
		errs = append(errs, srv.Shutdown(sctx))
	}
	for range len(servers) - boolInt(first != nil) {
		if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
			errs = append(errs, serr)
		}
	}
	return errors.Join(errs...)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// plainHTTP is the handler of the plain HTTP listener beside TLS: ACME
// HTTP-01 challenges, custom domain verification and health checks are
// answered, everything else is redirected to HTTPS.
func (a *App) plainHTTP() http.Handler {
	redirect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.HasPrefix(p, route.ProofPath) || p == "/healthz" || p == "/readyz" {
			a.Server.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "Use HTTPS.", http.StatusBadRequest)
			return
		}
		host := route.Hostname(r.Host)
		if _, port, err := net.SplitHostPort(a.cfg.Addr); err == nil && port != "443" && port != "" {
			host = net.JoinHostPort(host, port)
		}
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusMovedPermanently)
	})
	if a.Certs == nil {
		return redirect
	}
	return a.Certs.HTTPHandler(redirect)
}

// newCertManager sets up ACME: certificates on demand for the hosts the
// route table knows, kept in the platform database for every node.
func newCertManager(cfg config.Config, store *sqlstore.Store, routes *route.Table) (*autocert.Manager, error) {
	client := &acme.Client{DirectoryURL: cfg.ACMEDirectory}
	if cfg.ACMECAFile != "" {
		pem, err := os.ReadFile(cfg.ACMECAFile)
		if err != nil {
			return nil, fmt.Errorf("app: --acme-ca-file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("app: --acme-ca-file %s holds no PEM certificates", cfg.ACMECAFile)
		}
		client.HTTPClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	}
	return &autocert.Manager{
		Prompt:     autocert.AcceptTOS,
		Cache:      route.CertCache(store),
		HostPolicy: routes.HostPolicy,
		Email:      cfg.ACMEEmail,
		Client:     client,
	}, nil
}

// cookieDomain shares the session between the base domain and the spaces'
// addresses under it, when the install's own host is the base domain or
// under it.
func cookieDomain(cfg config.Config) string {
	if cfg.BaseDomain == "" {
		return ""
	}
	u, err := url.Parse(cfg.PublicURL())
	if err != nil {
		return ""
	}
	host, base := strings.ToLower(u.Hostname()), strings.ToLower(cfg.BaseDomain)
	if host == base || strings.HasSuffix(host, "."+base) {
		return base
	}
	return ""
}

// Start begins the background work of a serving node: mass operations
// (unless --job-workers is 0), the periodic health checker (unless
// --health-every is 0) and the janitor that erases deleted spaces after
// their grace period. Close ends it.
func (a *App) Start(ctx context.Context) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.stop = cancel
	run := func(fn func(context.Context)) {
		a.bg.Add(1)
		go func() {
			defer a.bg.Done()
			fn(ctx)
		}()
	}
	if a.cfg.JobWorkers > 0 {
		run(a.Operator.RunJobs)
	}
	if a.cfg.HealthEvery > 0 {
		run(a.Operator.RunHealthChecker)
	}
	run(func(ctx context.Context) { a.Operator.RunJanitor(ctx, 10*time.Minute) })
}

// Close ends the background work, disconnects real-time clients (they
// resume on another node, or on this one when it is back), lets queued
// publications go out, and releases storage.
func (a *App) Close() error {
	if a.stop != nil {
		a.stop()
		a.bg.Wait()
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	return errors.Join(a.Realtime.Close(ctx), a.Store.Close())
}

// operatorBlobs is the file store as the operator side uses it.
type operatorBlobs struct{ b BlobStore }

func (o operatorBlobs) Walk(ctx context.Context, prefix string, fn func(key string, size int64) error) error {
	return o.b.Walk(ctx, prefix, func(i blob.Info) error { return fn(i.Key, i.Size) })
}

func (o operatorBlobs) Get(ctx context.Context, key string) (io.ReadCloser, string, error) {
	rc, info, err := o.b.Get(ctx, key)
	return rc, info.ContentType, err
}

func (o operatorBlobs) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	return o.b.Put(ctx, key, r, size, contentType)
}

func (o operatorBlobs) DeletePrefix(ctx context.Context, prefix string) error {
	return o.b.DeletePrefix(ctx, prefix)
}

// accountEmails looks up the addresses of accounts for operator mail.
type accountEmails struct{ s *sqlstore.Store }

func (a accountEmails) Emails(ctx context.Context, ids []string) (map[string]string, error) {
	refs, err := a.s.AccountRefs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(refs))
	for _, r := range refs {
		out[r.ID] = r.Email
	}
	return out, nil
}
