package realtime

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/realtime/wire"
	"github.com/pamateam/pama/internal/team"
)

// smallBuffers makes every accepted connection's kernel send buffer small, so
// a client that stops reading fills the server's queue quickly.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}

func TestSlowClientIsDroppedWithoutSlowingOthers(t *testing.T) {
	a := newAuthz()
	cfg := testConfig(a)
	cfg.QueueMaxBytes = 128 << 10
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(wire.Path, h.Handler())
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener = smallBuffers{srv.Listener}
	srv.Start()
	n := &node{hub: h, srv: srv, url: "ws" + strings.TrimPrefix(srv.URL, "http") + wire.Path}
	t.Cleanup(n.stop)

	a.join(teamA, "fast", team.RoleMember)
	a.join(teamA, "slow", team.RoleMember)
	item := wire.Item(teamA, "item-1")
	fast := dial(t, n.url, a.account("fast"))
	fastSub := fast.subscribe(item)

	// The slow client speaks the protocol by hand, then stops reading.
	d := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetReadBuffer(4096)
		}
		return c, err
	}}
	ws, _, err := d.Dial(n.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	for _, cmd := range []string{
		`{"id":1,"connect":{"token":"` + a.account("slow") + `"}}`,
		`{"id":2,"subscribe":{"channel":"` + item + `"}}`,
	} {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(cmd)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the slow client to subscribe", func() bool {
		return h.Node().Hub().NumSubscribers(item) == 2
	})

	const total = 400
	big := strings.Repeat("x", 8<<10)
	for i := int64(1); i <= total; i++ {
		h.OnCommit(teamA, []activity.Entry{entry(teamA, i, EntityItem, "item-1", "updated", i, change("description", big))})
	}
	start := time.Now()
	eventually(t, "the fast client to get everything", func() bool { return len(fastSub.entities()) == total })
	if !isSorted(versions(fastSub.entities())) {
		t.Error("the fast client's entries are out of order")
	}
	t.Logf("fast client got everything after %s", time.Since(start))
	eventually(t, "the slow client to be dropped", func() bool { return len(h.userConns("slow")) == 0 })
	t.Logf("slow client dropped after %s", time.Since(start))

	// Reading now drains what was in flight and then finds the connection closed.
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := ws.ReadMessage()
		if err == nil {
			continue
		}
		// Centrifuge sends close code 3008 when it can; a socket too full for
		// the close frame just ends (1006).
		if ce, ok := err.(*websocket.CloseError); ok && ce.Code != 3008 && ce.Code != websocket.CloseAbnormalClosure {
			t.Errorf("slow client closed with %d %q, want 3008 (slow)", ce.Code, ce.Text)
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Error("the slow client's connection was still open")
		}
		break
	}
}
