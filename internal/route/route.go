// Package route decides which team space a request is for, from its host
// and path: <address>.<base domain>, /t/<address> on a single-domain
// install, and verified custom domains. It is the live route table: a space
// answers at its address the moment it is created, with no restart.
//
// The table is the platform registry, read through a small cache. A local
// change (a new space, a domain added or removed) forgets the cached entry at
// once; other nodes see changes within the cache's short lifetimes
// (PositiveTTL, NegativeTTL). The cache only decides routing: access to a
// space's data is checked against the database on every API call.
//
// Custom domains belong to one space each. A domain is verified when an HTTP
// request to http://<domain>/.well-known/pama-domain/<token> reaches this
// install and gets the token back (Pama answers it itself, so pointing the
// domain's DNS at Pama is all an owner does). Only verified domains, and the
// addresses of live spaces, get TLS certificates (HostPolicy).
package route

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/team"
)

// Kind is what a host is to this install.
type Kind int

// The kinds of host.
const (
	// Main is the install's own address: the public site, the app, the API.
	Main Kind = iota
	// Team is a team space's own address: a subdomain or a custom domain.
	Team
	// Unknown is a host no space lives at.
	Unknown
)

// Target is where a request goes.
type Target struct {
	Kind   Kind
	TeamID string
	Slug   string
}

// Store is what the table reads and writes; sqlstore.Store implements it.
type Store interface {
	// TeamByRef returns the registry entry of the team whose id or slug is
	// ref, or team.ErrNotFound.
	TeamByRef(ctx context.Context, ref string) (team.Team, error)
	// Domain returns a custom domain, or ErrDomainNotFound.
	Domain(ctx context.Context, name string) (Domain, error)
	// CreateDomain stores a new domain unless the team has max already
	// (ErrTooManyDomains) or another team holds it verified or recently
	// (ErrDomainTaken); a stale claim by another team (pending for longer
	// than staleAfter) is replaced.
	CreateDomain(ctx context.Context, d Domain, max int, staleAfter time.Duration) (Domain, error)
	// Domains lists a team's domains; all teams' when teamID is empty.
	Domains(ctx context.Context, teamID string) ([]Domain, error)
	// SetDomainCheck records the outcome of a verification.
	SetDomainCheck(ctx context.Context, name string, verifiedAt, checkedAt time.Time, lastError string) (Domain, error)
	// DeleteDomain removes a team's domain (any team's when teamID is
	// empty); ErrDomainNotFound if it has no such domain.
	DeleteDomain(ctx context.Context, teamID, name string) error
}

// Config tunes the table.
type Config struct {
	// PublicURL is the install's address (http(s)://host[:port]).
	PublicURL string
	// BaseDomain, when set, puts each space at <slug>.<BaseDomain>, and
	// hosts that are neither main, a space's nor a custom domain get 404.
	BaseDomain string
	// PositiveTTL is how long a found route is cached (10 s).
	PositiveTTL time.Duration
	// NegativeTTL is how long a missing route is cached (2 s).
	NegativeTTL time.Duration
	// VerifyPort is the port domain verification connects to (80).
	VerifyPort string
	// Dial, when set, replaces the dialer of domain verification (tests).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Table is the live route table. It is safe for concurrent use.
type Table struct {
	store  Store
	cfg    Config
	scheme string
	port   string // the public URL's port, "" for the default
	main   map[string]bool
	now    func() time.Time

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	t       Target
	expires time.Time
}

// maxCached bounds the cache; past it, the cache starts afresh.
const maxCached = 10_000

// New returns a Table.
func New(store Store, cfg Config) *Table {
	if cfg.PositiveTTL <= 0 {
		cfg.PositiveTTL = 10 * time.Second
	}
	if cfg.NegativeTTL <= 0 {
		cfg.NegativeTTL = 2 * time.Second
	}
	if cfg.VerifyPort == "" {
		cfg.VerifyPort = "80"
	}
	cfg.BaseDomain = strings.Trim(strings.ToLower(cfg.BaseDomain), ".")
	t := &Table{store: store, cfg: cfg, scheme: "http", main: map[string]bool{"localhost": true},
		now: time.Now, cache: map[string]cached{}}
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Host != "" {
		t.scheme = u.Scheme
		t.port = u.Port()
		t.main[strings.ToLower(u.Hostname())] = true
	}
	if cfg.BaseDomain != "" {
		t.main[cfg.BaseDomain] = true
		t.main["www."+cfg.BaseDomain] = true
	}
	return t
}

// BaseDomain is the configured base domain ("" for single-domain installs).
func (t *Table) BaseDomain() string { return t.cfg.BaseDomain }

// TeamURL is the address of the space slug: https://<slug>.<base domain>
// when a base domain is set, <public URL>/t/<slug> otherwise.
func (t *Table) TeamURL(slug string) string {
	if t.cfg.BaseDomain == "" {
		return strings.TrimRight(t.cfg.PublicURL, "/") + "/t/" + slug
	}
	host := slug + "." + t.cfg.BaseDomain
	if t.port != "" {
		host = net.JoinHostPort(host, t.port)
	}
	return t.scheme + "://" + host
}

// Hostname returns host without its port, lower-cased and without a
// trailing dot.
func Hostname(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
}

// Resolve says where a request to host goes. Main hosts, IP addresses and
// (on single-domain installs) any host that is not a custom domain are Main.
func (t *Table) Resolve(ctx context.Context, host string) (Target, error) {
	h := Hostname(host)
	if t.main[h] || net.ParseIP(h) != nil || h == "" {
		return Target{Kind: Main}, nil
	}
	if hit, ok := t.cached(h); ok {
		return hit, nil
	}
	var target Target
	var err error
	if slug, ok := strings.CutSuffix(h, "."+t.cfg.BaseDomain); ok && t.cfg.BaseDomain != "" && !strings.Contains(slug, ".") {
		target, err = t.lookupSlug(ctx, slug)
	} else {
		target, err = t.lookupDomain(ctx, h)
		if err == nil && target.Kind == Unknown && t.cfg.BaseDomain == "" {
			target = Target{Kind: Main}
		}
	}
	if err != nil {
		return Target{}, err
	}
	t.remember(h, target)
	return target, nil
}

// Slug returns the route of the space at address slug (for /t/<slug>):
// Team if a live space has it, Unknown otherwise.
func (t *Table) Slug(ctx context.Context, slug string) (Target, error) {
	slug = strings.ToLower(slug)
	if len(slug) > team.MaxSlugLen || len(slug) < team.MinSlugLen {
		return Target{Kind: Unknown}, nil
	}
	key := "/t/" + slug
	if hit, ok := t.cached(key); ok {
		return hit, nil
	}
	target, err := t.lookupSlug(ctx, slug)
	if err != nil {
		return Target{}, err
	}
	t.remember(key, target)
	return target, nil
}

func (t *Table) lookupSlug(ctx context.Context, slug string) (Target, error) {
	if team.ValidateSlug(slug) != nil {
		return Target{Kind: Unknown}, nil
	}
	tm, err := t.store.TeamByRef(ctx, slug)
	if errors.Is(err, errkind.NotFound) {
		return Target{Kind: Unknown}, nil
	}
	if err != nil {
		return Target{}, err
	}
	if !tm.State.Reachable() {
		return Target{Kind: Unknown}, nil
	}
	return Target{Kind: Team, TeamID: tm.ID, Slug: tm.Slug}, nil
}

func (t *Table) lookupDomain(ctx context.Context, host string) (Target, error) {
	if ValidateDomain(host) != nil {
		return Target{Kind: Unknown}, nil
	}
	d, err := t.store.Domain(ctx, host)
	if errors.Is(err, errkind.NotFound) {
		return Target{Kind: Unknown}, nil
	}
	if err != nil {
		return Target{}, err
	}
	if d.VerifiedAt.IsZero() {
		return Target{Kind: Unknown}, nil
	}
	tm, err := t.store.TeamByRef(ctx, d.TeamID)
	if errors.Is(err, errkind.NotFound) {
		return Target{Kind: Unknown}, nil
	}
	if err != nil {
		return Target{}, err
	}
	if !tm.State.Reachable() {
		return Target{Kind: Unknown}, nil
	}
	return Target{Kind: Team, TeamID: tm.ID, Slug: tm.Slug}, nil
}

func (t *Table) cached(key string) (Target, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.cache[key]
	if !ok || !t.now().Before(c.expires) {
		return Target{}, false
	}
	return c.t, true
}

func (t *Table) remember(key string, target Target) {
	ttl := t.cfg.PositiveTTL
	if target.Kind == Unknown {
		ttl = t.cfg.NegativeTTL
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.cache) >= maxCached {
		t.cache = map[string]cached{}
	}
	t.cache[key] = cached{t: target, expires: t.now().Add(ttl)}
}

// Forget drops what the cache knows about the space at slug, so a space
// just created (or closed) is routed by the registry at once.
func (t *Table) Forget(slug string) {
	slug = strings.ToLower(slug)
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.cache, "/t/"+slug)
	if t.cfg.BaseDomain != "" {
		delete(t.cache, slug+"."+t.cfg.BaseDomain)
	}
}

// ForgetDomain drops what the cache knows about a custom domain.
func (t *Table) ForgetDomain(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.cache, strings.ToLower(name))
}

// ErrNoCertificate is HostPolicy's answer for hosts that get no certificate.
var ErrNoCertificate = errors.New("route: no certificate for this host: it is not this install's, a live space's or a verified custom domain")

// HostPolicy allows TLS certificates only for known names: the install's
// own hosts, the addresses of live spaces (<slug>.<base domain>) and
// verified custom domains of live spaces. It fits autocert.Manager.HostPolicy.
func (t *Table) HostPolicy(ctx context.Context, host string) error {
	h := Hostname(host)
	if net.ParseIP(h) != nil || h == "" || h == "localhost" {
		return ErrNoCertificate
	}
	if t.main[h] {
		return nil
	}
	var target Target
	var err error
	if slug, ok := strings.CutSuffix(h, "."+t.cfg.BaseDomain); ok && t.cfg.BaseDomain != "" && !strings.Contains(slug, ".") {
		target, err = t.lookupSlug(ctx, slug)
	} else {
		target, err = t.lookupDomain(ctx, h)
	}
	if err != nil {
		return err
	}
	if target.Kind != Team {
		return ErrNoCertificate
	}
	return nil
}

// TeamByRef returns the space whose id or address is ref, in any state, or
// team.ErrNotFound (for operators naming a space).
func (t *Table) TeamByRef(ctx context.Context, ref string) (team.Team, error) {
	if ref == "" || len(ref) > 64 {
		return team.Team{}, team.ErrNotFound
	}
	return t.store.TeamByRef(ctx, strings.ToLower(ref))
}

// SetVerifyDial makes domain verification connect with dial to port; tests
// point it at a local server.
func (t *Table) SetVerifyDial(port string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) {
	t.cfg.VerifyPort, t.cfg.Dial = port, dial
}
