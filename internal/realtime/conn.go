package realtime

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/centrifugal/centrifuge"
	"golang.org/x/time/rate"

	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/realtime/wire"
	"github.com/pamateam/pama/internal/team"
)

// credentials are what authenticated a connection, kept to check again.
type credentials struct {
	principal identity.Principal
	session   string // raw session token, when the cookie authenticated
	token     string // raw API token, when a token did
}

type credKey struct{}

// Handler serves the WebSocket endpoint. A connection is authenticated by the
// session cookie (only from the request's own origin or an allowed one, so
// another site cannot ride a member's cookie), by an Authorization: Bearer
// API token on the upgrade request, or by an API token in the connect
// command's token field.
func (h *Hub) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if a := r.Header.Get("Authorization"); a != "" {
			tok, ok := strings.CutPrefix(a, "Bearer ")
			if !ok {
				http.Error(w, "The Authorization header must be: Bearer <token>.", http.StatusUnauthorized)
				return
			}
			tok = strings.TrimSpace(tok)
			p, err := h.cfg.Auth.AuthenticateToken(ctx, tok)
			if err != nil {
				http.Error(w, "The API token is invalid, expired or revoked.", http.StatusUnauthorized)
				return
			}
			ctx = context.WithValue(ctx, credKey{}, &credentials{principal: p, token: tok})
		} else if ck, err := r.Cookie(h.cfg.SessionCookie); err == nil && ck.Value != "" && h.originAllowed(r) {
			if p, err := h.cfg.Auth.Authenticate(ctx, ck.Value); err == nil {
				ctx = context.WithValue(ctx, credKey{}, &credentials{principal: p, session: ck.Value})
			}
		}
		h.ws.ServeHTTP(hijackable{w}, r.WithContext(ctx))
	})
}

// hijackable lets the WebSocket upgrade take over a connection through
// middleware whose response writers only offer Unwrap.
type hijackable struct{ http.ResponseWriter }

func (w hijackable) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// originAllowed reports whether a browser request comes from the request's own
// host or an allowed origin. Requests without Origin are not from a browser page.
func (h *Hub) originAllowed(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, a := range h.cfg.AllowedOrigins {
		if strings.EqualFold(strings.TrimRight(a, "/"), o) {
			return true
		}
	}
	return false
}

// connecting authenticates a new connection.
func (h *Hub) connecting(ctx context.Context, e centrifuge.ConnectEvent) (centrifuge.ConnectReply, error) {
	cr, _ := ctx.Value(credKey{}).(*credentials)
	if cr == nil && e.Token != "" {
		p, err := h.cfg.Auth.AuthenticateToken(ctx, e.Token)
		if err == nil {
			cr = &credentials{principal: p, token: e.Token}
		}
	}
	if cr == nil {
		h.stats.refused.WithLabelValues("connect").Inc()
		return centrifuge.ConnectReply{}, centrifuge.DisconnectInvalidToken
	}
	var cd wire.ConnectData
	if len(e.Data) > 0 {
		if json.Unmarshal(e.Data, &cd) != nil || len(cd.Device) > wire.MaxFieldLength {
			return centrifuge.ConnectReply{}, centrifuge.DisconnectBadRequest
		}
	}
	info, _ := json.Marshal(wire.ConnInfo{Device: cd.Device})
	return centrifuge.ConnectReply{
		Context: context.WithValue(ctx, credKey{}, cr),
		Credentials: &centrifuge.Credentials{
			UserID:   cr.principal.AccountID,
			ExpireAt: time.Now().Add(h.cfg.RecheckAuth).Unix(),
			Info:     info,
		},
	}, nil
}

// conn is the hub's state for one connection.
type conn struct {
	h      *Hub
	client *centrifuge.Client
	cred   *credentials

	mu       sync.Mutex
	channels map[string]wire.Channel // subscribed, or being subscribed
	access   map[string]team.Access  // by team id; dropped when membership changes
	locks    map[lockID]*time.Timer  // soft locks held, with their idle timers
	closed   bool

	drafts *drafter
	follow *rate.Limiter
	signal *rate.Limiter
}

func (h *Hub) connect(client *centrifuge.Client) {
	cr, _ := client.Context().Value(credKey{}).(*credentials)
	c := &conn{
		h: h, client: client, cred: cr,
		channels: map[string]wire.Channel{},
		access:   map[string]team.Access{},
		locks:    map[lockID]*time.Timer{},
		follow:   rate.NewLimiter(wire.MaxFollowRate, wire.MaxFollowRate),
		signal:   rate.NewLimiter(wire.MaxSignalRate, wire.MaxSignalRate),
	}
	c.drafts = newDrafter(h, time.Second/wire.MaxDraftRate)
	h.mu.Lock()
	h.conns[client.ID()] = c
	u := h.users[client.UserID()]
	if u == nil {
		u = map[string]*conn{}
		h.users[client.UserID()] = u
	}
	u[client.ID()] = c
	h.mu.Unlock()
	h.stats.connections.Inc()

	client.OnSubscribe(c.subscribe)
	client.OnUnsubscribe(c.unsubscribed)
	client.OnPublish(c.publish)
	client.OnRPC(c.rpc)
	client.OnPresence(func(e centrifuge.PresenceEvent, cb centrifuge.PresenceCallback) {
		cb(centrifuge.PresenceReply{}, c.mustBeSubscribed(e.Channel))
	})
	client.OnPresenceStats(func(e centrifuge.PresenceStatsEvent, cb centrifuge.PresenceStatsCallback) {
		cb(centrifuge.PresenceStatsReply{}, c.mustBeSubscribed(e.Channel))
	})
	client.OnHistory(func(e centrifuge.HistoryEvent, cb centrifuge.HistoryCallback) {
		cb(centrifuge.HistoryReply{}, c.mustBeSubscribed(e.Channel))
	})
	client.OnRefresh(c.refresh)
	client.OnDisconnect(c.disconnected)
}

func (c *conn) mustBeSubscribed(ch string) error {
	if !c.client.IsSubscribed(ch) {
		return centrifuge.ErrorPermissionDenied
	}
	return nil
}

// refresh checks the session or token again.
func (c *conn) refresh(_ centrifuge.RefreshEvent, cb centrifuge.RefreshCallback) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var err error
	if c.cred.session != "" {
		_, err = c.h.cfg.Auth.Authenticate(ctx, c.cred.session)
	} else {
		_, err = c.h.cfg.Auth.AuthenticateToken(ctx, c.cred.token)
	}
	if err != nil {
		if errors.Is(err, errkind.Unauthenticated) {
			cb(centrifuge.RefreshReply{Expired: true}, nil)
			return
		}
		// The store did not answer: try again soon rather than cut the client off.
		cb(centrifuge.RefreshReply{ExpireAt: time.Now().Add(time.Minute).Unix()}, nil)
		return
	}
	cb(centrifuge.RefreshReply{ExpireAt: time.Now().Add(c.h.cfg.RecheckAuth).Unix()}, nil)
}

// teamAccess returns the connection's access to team, from its cache or the
// team service. fresh skips the cache.
func (c *conn) teamAccess(ctx context.Context, teamID string, fresh bool) (team.Access, error) {
	if !fresh {
		c.mu.Lock()
		a, ok := c.access[teamID]
		c.mu.Unlock()
		if ok {
			return a, nil
		}
	}
	a, err := c.h.cfg.Teams.Access(ctx, teamID, c.cred.principal.AccountID)
	if err != nil {
		return team.Access{}, err
	}
	if a.Team.ID != teamID {
		// Channels name teams by id, never by address.
		return team.Access{}, team.ErrNotFound
	}
	c.mu.Lock()
	c.access[teamID] = a
	c.mu.Unlock()
	return a, nil
}

// canRead reports whether the connection may subscribe to ch.
func (c *conn) canRead(ctx context.Context, ch wire.Channel) error {
	if ch.Kind == wire.KindMember {
		if ch.ID != c.cred.principal.AccountID {
			return centrifuge.ErrorPermissionDenied
		}
		return nil
	}
	a, err := c.teamAccess(ctx, ch.Team, true)
	if err != nil {
		if errors.Is(err, errkind.NotFound) || errors.Is(err, errkind.Forbidden) {
			return centrifuge.ErrorPermissionDenied
		}
		return centrifuge.ErrorInternal
	}
	if a.Check(team.PermView) != nil {
		return centrifuge.ErrorPermissionDenied
	}
	return nil
}

// canDo reports whether the connection may do perm in team, with write scope.
func (c *conn) canDo(ctx context.Context, teamID string, perm team.Permission) error {
	if !c.cred.principal.Allows(identity.ScopeWrite) {
		return &centrifuge.Error{Code: wire.CodeForbidden, Message: "this API token has no write scope"}
	}
	a, err := c.teamAccess(ctx, teamID, false)
	if err != nil {
		if errors.Is(err, errkind.NotFound) {
			return centrifuge.ErrorPermissionDenied
		}
		return centrifuge.ErrorInternal
	}
	if err := a.Check(perm); err != nil {
		return &centrifuge.Error{Code: wire.CodeForbidden, Message: err.Error()}
	}
	return nil
}

func (c *conn) subscribe(e centrifuge.SubscribeEvent, cb centrifuge.SubscribeCallback) {
	ch, err := wire.Parse(e.Channel)
	if err != nil {
		cb(centrifuge.SubscribeReply{}, centrifuge.ErrorUnknownChannel)
		return
	}
	// Track before checking, so a revocation that lands while the check runs
	// still finds (and waits for) this subscription.
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		cb(centrifuge.SubscribeReply{}, centrifuge.DisconnectConnectionClosed)
		return
	}
	c.channels[e.Channel] = ch
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.canRead(ctx, ch); err != nil {
		c.mu.Lock()
		delete(c.channels, e.Channel)
		c.mu.Unlock()
		c.h.stats.refused.WithLabelValues("subscribe").Inc()
		cb(centrifuge.SubscribeReply{}, err)
		return
	}
	opts := centrifuge.SubscribeOptions{
		EnableRecovery: true,
		RecoveryMode:   centrifuge.RecoveryModeStream,
	}
	switch ch.Kind {
	case wire.KindTeam, wire.KindItem, wire.KindRoom:
		opts.EmitPresence = true
		opts.EmitJoinLeave = true
		opts.PushJoinLeave = e.JoinLeave
	}
	cb(centrifuge.SubscribeReply{Options: opts}, nil)
}

func (c *conn) unsubscribed(e centrifuge.UnsubscribeEvent) {
	c.mu.Lock()
	delete(c.channels, e.Channel)
	c.mu.Unlock()
	reason := wire.ReasonReleased
	if e.Disconnect != nil {
		reason = wire.ReasonDisconnect
	}
	c.releaseLocks(func(id lockID) bool { return id.channel == e.Channel }, reason)
}

func (c *conn) disconnected(centrifuge.DisconnectEvent) {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.drafts.stop()
	c.releaseLocks(func(lockID) bool { return true }, wire.ReasonDisconnect)
	h := c.h
	h.mu.Lock()
	delete(h.conns, c.client.ID())
	if u := h.users[c.client.UserID()]; u != nil {
		delete(u, c.client.ID())
		if len(u) == 0 {
			delete(h.users, c.client.UserID())
		}
	}
	h.mu.Unlock()
	h.stats.connections.Dec()
}

// sender is the connection as the author of an ephemeral message.
func (c *conn) sender() wire.Sender {
	return wire.Sender{By: c.client.UserID(), Client: c.client.ID()}
}

// userConns returns the connections of account on this node.
func (h *Hub) userConns(account string) []*conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*conn, 0, len(h.users[account]))
	for _, c := range h.users[account] {
		out = append(out, c)
	}
	return out
}
