package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	centrifugeclient "github.com/centrifugal/centrifuge-go"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/realtime/wire"
	"github.com/pamateam/pama/internal/team"
)

// authz is the accounts, tokens and memberships a test hub knows: a small
// in-memory stand-in for the identity and team services, with the same
// contract (unknown tokens are Unauthenticated, non-members NotFound).
type authz struct {
	mu      sync.Mutex
	tokens  map[string]identity.Principal
	members map[[2]string]team.Role // team, account → role
}

func newAuthz() *authz {
	return &authz{tokens: map[string]identity.Principal{}, members: map[[2]string]team.Role{}}
}

// account registers a token for account with full scope and returns it.
func (a *authz) account(account string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	tok := "tok-" + account
	a.tokens[tok] = identity.Principal{AccountID: account, TokenID: "t-" + account}
	return tok
}

// readOnly registers a read-scoped token for account and returns it.
func (a *authz) readOnly(account string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	tok := "ro-" + account
	a.tokens[tok] = identity.Principal{AccountID: account, TokenID: "r-" + account, Scopes: []identity.Scope{identity.ScopeRead}}
	return tok
}

func (a *authz) join(teamID, account string, role team.Role) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.members[[2]string{teamID, account}] = role
}

func (a *authz) leave(teamID, account string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.members, [2]string{teamID, account})
}

func (a *authz) Authenticate(_ context.Context, session string) (identity.Principal, error) {
	return a.AuthenticateToken(context.Background(), session)
}

func (a *authz) AuthenticateToken(_ context.Context, tok string) (identity.Principal, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.tokens[tok]
	if !ok {
		return identity.Principal{}, identity.ErrBadToken
	}
	return p, nil
}

func (a *authz) Access(_ context.Context, ref, account string) (team.Access, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	role, ok := a.members[[2]string{ref, account}]
	if !ok {
		return team.Access{}, team.ErrNotFound
	}
	return team.Access{
		Team:         team.Team{ID: ref, State: team.StateActive},
		Member:       team.Member{TeamID: ref, AccountID: account, Role: role},
		Facilitation: team.FacilitationAnyone,
	}, nil
}

// memOutbox is an in-memory activity record with the Outbox contract.
type memOutbox struct {
	mu        sync.Mutex
	entries   map[string][]activity.Entry
	published map[int64]bool
}

func newMemOutbox() *memOutbox {
	return &memOutbox{entries: map[string][]activity.Entry{}, published: map[int64]bool{}}
}

func (o *memOutbox) add(e activity.Entry) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.entries[e.TeamID] = append(o.entries[e.TeamID], e)
}

func (o *memOutbox) isPublished(seq int64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.published[seq]
}

func (o *memOutbox) Unpublished(_ context.Context, team string, limit int) ([]activity.Entry, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []activity.Entry
	for _, e := range o.entries[team] {
		if !o.published[e.Seq] && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (o *memOutbox) MarkPublishedSeqs(_ context.Context, _ string, seqs []int64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, s := range seqs {
		o.published[s] = true
	}
	return nil
}

func (o *memOutbox) UnpublishedTeams(_ context.Context, before time.Time, _ bool) ([]string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for t, es := range o.entries {
		for _, e := range es {
			if !o.published[e.Seq] && e.At.Before(before) {
				out = append(out, t)
				break
			}
		}
	}
	return out, nil
}

// node is a hub served on a real loopback listener.
type node struct {
	hub *Hub
	srv *httptest.Server
	url string
}

func startNode(t *testing.T, cfg Config) *node {
	t.Helper()
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(wire.Path, h.Handler())
	srv := httptest.NewServer(mux)
	n := &node{hub: h, srv: srv, url: "ws" + strings.TrimPrefix(srv.URL, "http") + wire.Path}
	t.Cleanup(func() { n.stop() })
	return n
}

// stop closes the node's listener and connections and shuts the hub down.
func (n *node) stop() {
	n.srv.CloseClientConnections()
	n.srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n.hub.Close(ctx)
}

// client is a real Centrifuge client over a WebSocket, with a dialer the
// test can cut and hold.
type client struct {
	t  *testing.T
	c  *centrifugeclient.Client
	mu sync.Mutex
	// conns are the open TCP connections, so the test can cut them.
	conns []net.Conn
	// hold, while set, makes dials fail (the network is down).
	hold bool
	// target, when set, chooses the address to dial (failover between nodes).
	target func() string
}

type clientOpts struct {
	device string
	target func() string
}

func dial(t *testing.T, url, token string, opts ...clientOpts) *client {
	t.Helper()
	var o clientOpts
	if len(opts) > 0 {
		o = opts[0]
	}
	cl := &client{t: t, target: o.target}
	var data []byte
	if o.device != "" {
		data, _ = json.Marshal(wire.ConnectData{Device: o.device})
	}
	cl.c = centrifugeclient.NewJsonClient(url, centrifugeclient.Config{
		Token:             token,
		Data:              data,
		MinReconnectDelay: 20 * time.Millisecond,
		MaxReconnectDelay: 200 * time.Millisecond,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			cl.mu.Lock()
			held, target := cl.hold, cl.target
			cl.mu.Unlock()
			if held {
				return nil, errors.New("network held down by the test")
			}
			if target != nil {
				addr = target()
			}
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			cl.mu.Lock()
			cl.conns = append(cl.conns, c)
			cl.mu.Unlock()
			return c, nil
		},
	})
	connected := make(chan struct{}, 1)
	cl.c.OnConnected(func(centrifugeclient.ConnectedEvent) {
		select {
		case connected <- struct{}{}:
		default:
		}
	})
	disconnected := make(chan centrifugeclient.DisconnectedEvent, 1)
	cl.c.OnDisconnected(func(e centrifugeclient.DisconnectedEvent) {
		select {
		case disconnected <- e:
		default:
		}
	})
	if err := cl.c.Connect(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.c.Close)
	select {
	case <-connected:
	case e := <-disconnected:
		t.Fatalf("connect refused: %d %s", e.Code, e.Reason)
	case <-time.After(10 * time.Second):
		t.Fatal("client did not connect")
	}
	return cl
}

// cut closes the client's TCP connections abruptly; it reconnects by itself
// unless held.
func (cl *client) cut() {
	cl.mu.Lock()
	conns := cl.conns
	cl.conns = nil
	cl.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

func (cl *client) setHold(v bool) {
	cl.mu.Lock()
	cl.hold = v
	cl.mu.Unlock()
}

// sub is a subscription that records what it receives.
type sub struct {
	s *centrifugeclient.Subscription

	mu           sync.Mutex
	events       []any // decoded wire events, in arrival order
	offsets      []uint64
	subscribed   []centrifugeclient.SubscribedEvent
	unsubscribed []centrifugeclient.UnsubscribedEvent
	joins        []centrifugeclient.ClientInfo
	leaves       []centrifugeclient.ClientInfo
	errs         []error
}

// subscribe subscribes and waits until the server answered (subscribed or
// refused).
func (cl *client) subscribe(channel string) *sub {
	cl.t.Helper()
	s, err := cl.c.NewSubscription(channel, centrifugeclient.SubscriptionConfig{Recoverable: true, JoinLeave: true})
	if err != nil {
		cl.t.Fatal(err)
	}
	r := &sub{s: s}
	answered := make(chan struct{}, 1)
	signal := func() {
		select {
		case answered <- struct{}{}:
		default:
		}
	}
	s.OnPublication(func(e centrifugeclient.PublicationEvent) {
		ev, err := wire.Decode(e.Data)
		r.mu.Lock()
		defer r.mu.Unlock()
		if err != nil {
			r.errs = append(r.errs, err)
			return
		}
		r.events = append(r.events, ev)
		if e.Offset > 0 {
			r.offsets = append(r.offsets, e.Offset)
		}
	})
	s.OnSubscribed(func(e centrifugeclient.SubscribedEvent) {
		r.mu.Lock()
		r.subscribed = append(r.subscribed, e)
		r.mu.Unlock()
		signal()
	})
	s.OnUnsubscribed(func(e centrifugeclient.UnsubscribedEvent) {
		r.mu.Lock()
		r.unsubscribed = append(r.unsubscribed, e)
		r.mu.Unlock()
		signal()
	})
	s.OnJoin(func(e centrifugeclient.JoinEvent) {
		r.mu.Lock()
		r.joins = append(r.joins, e.ClientInfo)
		r.mu.Unlock()
	})
	s.OnLeave(func(e centrifugeclient.LeaveEvent) {
		r.mu.Lock()
		r.leaves = append(r.leaves, e.ClientInfo)
		r.mu.Unlock()
	})
	if err := s.Subscribe(); err != nil {
		cl.t.Fatal(err)
	}
	select {
	case <-answered:
	case <-time.After(10 * time.Second):
		cl.t.Fatalf("no answer to subscribing to %s", channel)
	}
	return r
}

func (r *sub) ok() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.subscribed) > 0 && r.s.State() == centrifugeclient.SubStateSubscribed
}

func (r *sub) lastUnsubscribe() (centrifugeclient.UnsubscribedEvent, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.unsubscribed) == 0 {
		return centrifugeclient.UnsubscribedEvent{}, false
	}
	return r.unsubscribed[len(r.unsubscribed)-1], true
}

// entities returns the entity events received so far.
func (r *sub) entities() []activity.Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []activity.Entry
	for _, ev := range r.events {
		if e, ok := ev.(*wire.EntityEvent); ok {
			out = append(out, e.Entry)
		}
	}
	return out
}

// of returns the events of one Go type received so far.
func of[T any](r *sub) []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []T
	for _, ev := range r.events {
		if e, ok := ev.(*T); ok {
			out = append(out, *e)
		}
	}
	return out
}

// eventually polls cond until it holds or the time is up.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// publish sends data into a channel and returns the server's error, if any.
func (cl *client) publish(channel string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		cl.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = cl.c.Publish(ctx, channel, data)
	return err
}

// call makes a remote procedure call and decodes the reply into out.
func (cl *client) call(method string, req, out any) error {
	data, err := json.Marshal(req)
	if err != nil {
		cl.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := cl.c.RPC(ctx, method, data)
	if err != nil {
		return err
	}
	return json.Unmarshal(res.Data, out)
}

// errCode returns the server error code of err, or 0.
func errCode(err error) uint32 {
	var e *centrifugeclient.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// entry makes an activity entry as the store would record it.
func entry(teamID string, seq int64, entityType, id, action string, version int64, changes ...activity.Change) activity.Entry {
	return activity.Entry{Seq: seq, TeamID: teamID, At: time.Now().UTC(), ActorID: "someone",
		EntityType: entityType, EntityID: id, Action: action, Version: version, Changes: changes}
}

func change(field string, after any) activity.Change {
	raw, _ := json.Marshal(after)
	return activity.Change{Field: field, After: raw}
}

func versions(es []activity.Entry) []int64 {
	out := make([]int64, 0, len(es))
	for _, e := range es {
		out = append(out, e.Version)
	}
	return out
}

func isSorted(v []int64) bool { return slices.IsSorted(v) }
