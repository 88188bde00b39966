package apptest

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	centrifugeclient "github.com/centrifugal/centrifuge-go"

	"github.com/pamateam/pama/internal/realtime/wire"
)

// Live is a member's real-time connection to the app, as the web app opens
// it: a WebSocket carrying the session cookie. It reconnects and
// resubscribes by itself, as a browser does after a drop or a restart.
type Live struct {
	t      testing.TB
	c      *centrifugeclient.Client
	mu     sync.Mutex
	events map[string][]any
	unsub  map[string]uint32 // the last unsubscribe code per channel
}

// Live connects who's real-time connection and waits until it is up.
func (e *Env) Live(t testing.TB, who *Client) *Live {
	t.Helper()
	base, _ := url.Parse(e.URL)
	var cookie []string
	for _, ck := range who.HTTP.Jar.Cookies(base) {
		cookie = append(cookie, ck.Name+"="+ck.Value)
	}
	u := "ws" + strings.TrimPrefix(e.URL, "http") + wire.Path
	c := centrifugeclient.NewJsonClient(u, centrifugeclient.Config{
		Header:            http.Header{"Cookie": {strings.Join(cookie, "; ")}},
		MinReconnectDelay: 50 * time.Millisecond,
		MaxReconnectDelay: 500 * time.Millisecond,
	})
	t.Cleanup(c.Close)
	up := make(chan struct{}, 1)
	c.OnConnected(func(centrifugeclient.ConnectedEvent) {
		select {
		case up <- struct{}{}:
		default:
		}
	})
	if err := c.Connect(); err != nil {
		t.Fatalf("apptest: %s could not connect: %v", who.Account.Email, err)
	}
	select {
	case <-up:
	case <-time.After(15 * time.Second):
		t.Fatalf("apptest: %s did not connect", who.Account.Email)
	}
	return &Live{t: t, c: c, events: map[string][]any{}, unsub: map[string]uint32{}}
}

// Subscribe subscribes to ch and reports whether the server accepted.
func (l *Live) Subscribe(ch string) bool {
	l.t.Helper()
	s, err := l.c.NewSubscription(ch, centrifugeclient.SubscriptionConfig{Recoverable: true})
	if err != nil {
		l.t.Fatal(err)
	}
	res := make(chan bool, 1)
	s.OnSubscribed(func(centrifugeclient.SubscribedEvent) {
		select {
		case res <- true:
		default:
		}
	})
	s.OnUnsubscribed(func(e centrifugeclient.UnsubscribedEvent) {
		l.mu.Lock()
		l.unsub[ch] = e.Code
		l.mu.Unlock()
		select {
		case res <- false:
		default:
		}
	})
	s.OnPublication(func(e centrifugeclient.PublicationEvent) {
		ev, err := wire.Decode(e.Data)
		if err != nil {
			l.t.Errorf("apptest: undecodable publication on %s: %v", ch, err)
			return
		}
		l.mu.Lock()
		l.events[ch] = append(l.events[ch], ev)
		l.mu.Unlock()
	})
	if err := s.Subscribe(); err != nil {
		l.t.Fatal(err)
	}
	select {
	case ok := <-res:
		return ok
	case <-time.After(15 * time.Second):
		l.t.Fatalf("apptest: no answer subscribing to %s", ch)
		return false
	}
}

// Entities returns the entity events received on ch about entityType/id
// (id "" for any), oldest first.
func (l *Live) Entities(ch, entityType, id string) []wire.EntityEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []wire.EntityEvent
	for _, ev := range l.events[ch] {
		if e, ok := ev.(*wire.EntityEvent); ok && e.Entry.EntityType == entityType && (id == "" || e.Entry.EntityID == id) {
			out = append(out, *e)
		}
	}
	return out
}

// Raw returns the raw publications received on ch (entity events, follow
// messages, signals), oldest first.
func (l *Live) Raw(ch string) []any {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]any(nil), l.events[ch]...)
}

// UnsubscribedWith returns the code the server last unsubscribed ch with
// (0: never).
func (l *Live) UnsubscribedWith(ch string) uint32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.unsub[ch]
}

// Publish sends data into ch, as the web app sends drafts and signals.
func (l *Live) Publish(ch string, data []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := l.c.Publish(ctx, ch, data)
	return err
}

// Drop closes the connection, as a phone losing its network does.
func (l *Live) Drop() { l.c.Disconnect() }

// Reconnect opens a dropped connection again; subscriptions come back.
func (l *Live) Reconnect() {
	l.t.Helper()
	if err := l.c.Connect(); err != nil {
		l.t.Fatal(err)
	}
}

// Eventually waits until cond holds, failing the test after 45 s.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Connected reports whether the connection is up.
func (l *Live) Connected() bool { return l.c.State() == centrifugeclient.StateConnected }
