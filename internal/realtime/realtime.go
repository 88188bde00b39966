// Package realtime is PamaSync, Pama's real-time layer: one WebSocket per
// client (the Centrifuge protocol), channels per team, backlog, item, ceremony
// room and member, presence, resume after a reconnect, and co-editing
// (drafts, soft locks, follow messages).
//
// Guarantees:
//
//   - A client subscribes only where it may read. Access is checked on every
//     subscribe, and a member who is removed from a team (or leaves) is
//     unsubscribed from every channel of that team on every node at once.
//   - Every committed mutation is published from its activity entry after
//     commit, carrying the entity's new version, in commit order per team on
//     the node that committed it. Entries are marked published once the broker
//     took them; a sweep republishes anything left unpublished (a crash between
//     commit and publish), so delivery is at least once and nothing is lost.
//   - A client that reconnects recovers what it missed from the channel's
//     history, or is told it could not (recovered=false) and reloads.
//   - A slow client never slows others: each connection has a bounded send
//     queue and is disconnected when it overflows; it then resumes.
//   - With Redis configured, every node serves every channel: publications,
//     presence, locks and membership revocations cross nodes.
//
// The wire contract (channel names, payloads, procedures) is package wire.
package realtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/centrifugal/centrifuge"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/realtime/wire"
	"github.com/pamateam/pama/internal/team"
)

// Authenticator turns a session or API token into a principal;
// identity.Service implements it.
type Authenticator interface {
	Authenticate(ctx context.Context, sessionToken string) (identity.Principal, error)
	AuthenticateToken(ctx context.Context, token string) (identity.Principal, error)
}

// Teams says what an account may do in a team; team.Service implements it.
type Teams interface {
	Access(ctx context.Context, ref, accountID string) (team.Access, error)
}

// Outbox is the activity record as the relay reads it; sqlstore.Store
// implements it.
type Outbox interface {
	// Unpublished returns up to limit of team's entries not yet marked
	// published, oldest first.
	Unpublished(ctx context.Context, team string, limit int) ([]activity.Entry, error)
	// MarkPublishedSeqs marks exactly the given entries of team as published.
	MarkPublishedSeqs(ctx context.Context, team string, seqs []int64) error
	// UnpublishedTeams lists teams with entries older than before that are
	// not yet published. everywhere asks for a full scan (at startup) where a
	// cheaper partial one exists.
	UnpublishedTeams(ctx context.Context, before time.Time, everywhere bool) ([]string, error)
}

// cleaner is an Outbox that can note that everything committed so far was
// published, so the next start need not look everywhere (sqlstore.Store).
type cleaner interface {
	OutboxClean(ctx context.Context) error
}

// Config configures a Hub. Zero values take the defaults noted.
type Config struct {
	Logger *slog.Logger
	Auth   Authenticator // required
	Teams  Teams         // required
	// Outbox, when set, lets the relay mark entries published and sweep up
	// any that were not.
	Outbox Outbox
	// Router maps entries to channels; nil is NewRouter().
	Router *Router

	// RedisURL (redis://[user:pass@]host:port/db) makes the hub use Redis for
	// fan-out, history, presence and locks, so several nodes serve the same
	// channels. Empty keeps everything in this process.
	RedisURL string
	// RedisPrefix prefixes every Redis key. Default "pama".
	RedisPrefix string
	// NodeName names this node in logs. Default: the host name.
	NodeName string

	// SessionCookie is the browser session cookie's name. Default "pama_session".
	SessionCookie string
	// AllowedOrigins may open a cookie-authenticated connection besides the
	// request's own host (token-authenticated connections come from anywhere).
	AllowedOrigins []string

	// HistorySize and HistoryTTL bound each channel's history, the window in
	// which a reconnecting client recovers what it missed. Defaults 500 and 15m.
	HistorySize int
	HistoryTTL  time.Duration
	// LockIdle releases a soft lock after this long without a draft. Default 10s.
	LockIdle time.Duration
	// QueueMaxBytes bounds each connection's send queue; a client whose queue
	// overflows is disconnected and resumes. Default 1 MiB.
	QueueMaxBytes int
	// PresenceTTL is how long a presence entry outlives its last refresh,
	// which bounds how long a crashed node's clients stay listed. Default 20s.
	PresenceTTL time.Duration
	// RecheckAuth is how often a connection's session or token is checked
	// again; a signed-out or revoked one is disconnected. Default 5m.
	RecheckAuth time.Duration
	// SweepInterval and SweepGrace: how often the relay looks for unpublished
	// entries, and how old they must be. Defaults 30s and 10s.
	SweepInterval time.Duration
	SweepGrace    time.Duration

	// Metrics, when set, receives the hub's Prometheus metrics.
	Metrics prometheus.Registerer
}

func (c *Config) defaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Router == nil {
		c.Router = NewRouter()
	}
	if c.RedisPrefix == "" {
		c.RedisPrefix = "pama"
	}
	if c.SessionCookie == "" {
		c.SessionCookie = "pama_session"
	}
	if c.HistorySize <= 0 {
		c.HistorySize = 500
	}
	if c.HistoryTTL <= 0 {
		c.HistoryTTL = 15 * time.Minute
	}
	if c.LockIdle <= 0 {
		c.LockIdle = 10 * time.Second
	}
	if c.QueueMaxBytes <= 0 {
		c.QueueMaxBytes = 1 << 20
	}
	if c.PresenceTTL <= 0 {
		c.PresenceTTL = 20 * time.Second
	}
	if c.RecheckAuth <= 0 {
		c.RecheckAuth = 5 * time.Minute
	}
	if c.SweepInterval <= 0 {
		c.SweepInterval = 30 * time.Second
	}
	if c.SweepGrace <= 0 {
		c.SweepGrace = 10 * time.Second
	}
}

// Hub is one node of the real-time layer.
type Hub struct {
	cfg   Config
	log   *slog.Logger
	node  *centrifuge.Node
	ws    http.Handler
	locks lockStore
	relay *relay
	stats *metrics

	mu    sync.Mutex
	conns map[string]*conn // by client id
	users map[string]map[string]*conn

	stop    chan struct{}
	stopped sync.WaitGroup
	closers []func() error
}

// New builds a hub. Call Run before serving its Handler, and Close at the end.
func New(cfg Config) (*Hub, error) {
	if cfg.Auth == nil || cfg.Teams == nil {
		return nil, errors.New("realtime: Auth and Teams are required")
	}
	cfg.defaults()
	h := &Hub{
		cfg:   cfg,
		log:   cfg.Logger,
		conns: map[string]*conn{},
		users: map[string]map[string]*conn{},
		stop:  make(chan struct{}),
		stats: newMetrics(cfg.Metrics),
	}
	ncfg := centrifuge.Config{
		Name:                        cfg.NodeName,
		LogLevel:                    centrifuge.LogLevelWarn,
		LogHandler:                  h.logEntry,
		ClientQueueMaxSize:          cfg.QueueMaxBytes,
		ClientChannelLimit:          256,
		ChannelMaxLength:            200,
		HistoryMaxPublicationLimit:  1000,
		RecoveryMaxPublicationLimit: cfg.HistorySize,
		UseSingleFlight:             true,
		ClientStaleCloseDelay:       15 * time.Second,
	}
	if cfg.RedisURL != "" {
		// Redis presence entries expire after PresenceTTL unless refreshed;
		// in memory they live until the connection goes, so the default
		// (25s) only costs less there.
		ncfg.ClientPresenceUpdateInterval = cfg.PresenceTTL * 2 / 5
	}
	node, err := centrifuge.New(ncfg)
	if err != nil {
		return nil, fmt.Errorf("realtime: new node: %w", err)
	}
	h.node = node
	if cfg.RedisURL != "" {
		if err := h.useRedis(); err != nil {
			return nil, err
		}
	} else {
		h.locks = newMemoryLocks()
	}
	node.OnConnecting(h.connecting)
	node.OnConnect(h.connect)
	node.OnNotification(h.notification)
	h.relay = newRelay(h)
	h.ws = centrifuge.NewWebsocketHandler(node, centrifuge.WebsocketConfig{
		// Any origin may open the socket; a cross-origin one is not
		// authenticated by the cookie (see Handler), so it needs a token.
		CheckOrigin:        func(*http.Request) bool { return true },
		MessageSizeLimit:   wire.MaxMessageBytes,
		UseWriteBufferPool: true,
		ReadBufferSize:     1024,
		WriteBufferSize:    1024,
		WriteTimeout:       2 * time.Second,
		// Keeps the per-connection read loop's stack small while idle (most
		// connections are), at the cost of a goroutine hand-off per frame.
		ProcessCommandsOffReadLoop: true,
	})
	return h, nil
}

// Run starts the node (connecting to Redis when configured) and the relay's
// sweep. It returns once the node runs; the sweep goes on until Close.
func (h *Hub) Run(ctx context.Context) error {
	if err := h.node.Run(); err != nil {
		return fmt.Errorf("realtime: run node: %w", err)
	}
	if h.cfg.Outbox != nil {
		h.stopped.Add(1)
		go h.relay.sweepLoop()
	}
	return nil
}

// Close disconnects every client (they reconnect to another node, or to
// this one when it is back) and stops the node.
func (h *Hub) Close(ctx context.Context) error {
	select {
	case <-h.stop:
		return nil
	default:
	}
	close(h.stop)
	h.relay.wait(ctx)
	var err error
	if c, ok := h.cfg.Outbox.(cleaner); ok && h.relay.clean() {
		err = c.OutboxClean(ctx)
	}
	err = errors.Join(err, h.node.Shutdown(ctx))
	h.stopped.Wait()
	for _, c := range h.closers {
		err = errors.Join(err, c())
	}
	return err
}

// OnCommit takes the activity entries of a committed transaction and
// publishes them. It never blocks on the network: sqlstore calls it after
// every commit (Store.SetOnCommit).
func (h *Hub) OnCommit(teamID string, entries []activity.Entry) {
	h.relay.enqueue(teamID, entries)
}

// Node returns the Centrifuge node, for presence and history queries.
func (h *Hub) Node() *centrifuge.Node { return h.node }

// NodeID returns this node's unique id.
func (h *Hub) NodeID() string { return h.node.ID() }

func (h *Hub) logEntry(e centrifuge.LogEntry) {
	level := slog.LevelInfo
	switch e.Level {
	case centrifuge.LogLevelError:
		level = slog.LevelError
	case centrifuge.LogLevelWarn:
		level = slog.LevelWarn
	case centrifuge.LogLevelDebug, centrifuge.LogLevelTrace:
		level = slog.LevelDebug
	}
	args := make([]any, 0, 2*len(e.Fields))
	for k, v := range e.Fields {
		args = append(args, k, v)
	}
	h.log.Log(context.Background(), level, e.Message, args...)
}
