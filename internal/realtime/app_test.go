package realtime_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	centrifugeclient "github.com/centrifugal/centrifuge-go"

	"github.com/pamateam/pama/internal/apptest"
	"github.com/pamateam/pama/internal/realtime/wire"
)

// outcome is how a connection attempt ended.
type outcome struct {
	connected  bool
	disconnect uint32
	client     *centrifugeclient.Client
}

func connect(t *testing.T, env *apptest.Env, cfg centrifugeclient.Config) outcome {
	t.Helper()
	u := "ws" + strings.TrimPrefix(env.URL, "http") + wire.Path
	c := centrifugeclient.NewJsonClient(u, cfg)
	t.Cleanup(c.Close)
	res := make(chan outcome, 1)
	c.OnConnected(func(centrifugeclient.ConnectedEvent) {
		select {
		case res <- outcome{connected: true}:
		default:
		}
	})
	c.OnDisconnected(func(e centrifugeclient.DisconnectedEvent) {
		select {
		case res <- outcome{disconnect: e.Code}:
		default:
		}
	})
	c.OnError(func(e centrifugeclient.ErrorEvent) {
		if strings.Contains(e.Error.Error(), "bad handshake") {
			select {
			case res <- outcome{disconnect: 1}:
			default:
			}
		}
	})
	if err := c.Connect(); err != nil {
		// The upgrade itself was refused (401).
		return outcome{disconnect: 1}
	}
	select {
	case o := <-res:
		o.client = c
		return o
	case <-time.After(10 * time.Second):
		t.Fatal("no outcome of connecting")
		return outcome{}
	}
}

func subscribeResult(t *testing.T, c *centrifugeclient.Client, ch string) bool {
	t.Helper()
	s, err := c.NewSubscription(ch)
	if err != nil {
		t.Fatal(err)
	}
	res := make(chan bool, 1)
	s.OnSubscribed(func(centrifugeclient.SubscribedEvent) { res <- true })
	s.OnUnsubscribed(func(centrifugeclient.UnsubscribedEvent) { res <- false })
	if err := s.Subscribe(); err != nil {
		t.Fatal(err)
	}
	select {
	case ok := <-res:
		return ok
	case <-time.After(10 * time.Second):
		t.Fatalf("no answer subscribing to %s", ch)
		return false
	}
}

func TestConnectWithSessionCookieOrToken(t *testing.T) {
	env := apptest.New(t)
	ann := env.SignIn(t, "ann@example.com")
	base, _ := url.Parse(env.URL)
	var cookie string
	for _, ck := range ann.HTTP.Jar.Cookies(base) {
		cookie += ck.Name + "=" + ck.Value
	}
	if cookie == "" {
		t.Fatal("signing in set no cookie")
	}

	// The browser's session cookie, from the app's own origin.
	own := connect(t, env, centrifugeclient.Config{Header: http.Header{"Cookie": {cookie}, "Origin": {env.URL}}})
	if !own.connected {
		t.Fatalf("cookie from the same origin: disconnect %d", own.disconnect)
	}
	if !subscribeResult(t, own.client, wire.Member(ann.Account.ID)) {
		t.Error("could not subscribe to one's own member channel")
	}
	if subscribeResult(t, own.client, wire.Member("someone-else")) {
		t.Error("subscribed to another account's member channel")
	}

	// The same cookie sent by a page on another site does not authenticate.
	evil := connect(t, env, centrifugeclient.Config{Header: http.Header{"Cookie": {cookie}, "Origin": {"https://evil.example"}}})
	if evil.connected || evil.disconnect != 3500 {
		t.Errorf("cookie from another origin: connected=%v code=%d, want refused with 3500", evil.connected, evil.disconnect)
	}

	// A personal API token, in the connect command or as a bearer header.
	r := ann.Do(t, "POST", "/api/v1/me/tokens", map[string]any{"name": "sync", "scopes": []string{"read", "write"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create token: %d %s", r.Status, r.Body)
	}
	var tok struct {
		Secret string `json:"secret"`
	}
	r.JSON(t, &tok)
	for name, cfg := range map[string]centrifugeclient.Config{
		"connect token": {Token: tok.Secret},
		"bearer header": {Header: http.Header{"Authorization": {"Bearer " + tok.Secret}}},
	} {
		o := connect(t, env, cfg)
		if !o.connected {
			t.Errorf("%s: disconnect %d", name, o.disconnect)
			continue
		}
		if !subscribeResult(t, o.client, wire.Member(ann.Account.ID)) {
			t.Errorf("%s: could not subscribe to one's own member channel", name)
		}
	}

	// Nothing, a wrong token, or a signed-out session: refused.
	if o := connect(t, env, centrifugeclient.Config{}); o.connected {
		t.Error("connected without credentials")
	}
	if o := connect(t, env, centrifugeclient.Config{Token: "pama_wrong"}); o.connected {
		t.Error("connected with a wrong token")
	}
	if o := connect(t, env, centrifugeclient.Config{Header: http.Header{"Authorization": {"Bearer pama_wrong"}}}); o.connected {
		t.Error("connected with a wrong bearer header")
	}
	if r := ann.Do(t, "POST", "/api/v1/auth/sign-out", nil); r.Status >= 300 {
		t.Fatalf("sign out: %d %s", r.Status, r.Body)
	}
	if o := connect(t, env, centrifugeclient.Config{Header: http.Header{"Cookie": {cookie}}}); o.connected {
		t.Error("connected with a signed-out session")
	}
}
