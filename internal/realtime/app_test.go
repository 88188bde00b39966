package realtime_test

import (
	"encoding/json"
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

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	apptest.Eventually(t, what, cond)
}

// makeTeam has owner create a team with a first product and bring in members
// as product owners (who may edit products).
func makeTeam(t *testing.T, env *apptest.Env, owner *apptest.Client, slug string, members ...*apptest.Client) (teamID, productID string) {
	t.Helper()
	r := owner.Do(t, "POST", "/api/v1/teams", map[string]any{"name": "Team " + slug, "slug": slug,
		"first_product": map[string]string{"key": "PR", "name": "Product"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create team: %d %s", r.Status, r.Body)
	}
	var created struct {
		Team struct {
			ID string `json:"id"`
		} `json:"team"`
		FirstProduct struct {
			ID string `json:"id"`
		} `json:"first_product"`
	}
	r.JSON(t, &created)
	for _, m := range members {
		if r := owner.Do(t, "POST", "/api/v1/teams/"+created.Team.ID+"/invitations", map[string]string{"email": m.Account.Email, "role": "product_owner"}); r.Status >= 300 {
			t.Fatalf("invite: %d %s", r.Status, r.Body)
		}
		var pending struct {
			Invitations []struct {
				ID     string `json:"id"`
				TeamID string `json:"team_id"`
			} `json:"invitations"`
		}
		m.Do(t, "GET", "/api/v1/invitations", nil).JSON(t, &pending)
		for _, inv := range pending.Invitations {
			if inv.TeamID == created.Team.ID {
				if r := m.Do(t, "POST", "/api/v1/invitations/accept", map[string]string{"team_id": inv.TeamID, "invitation_id": inv.ID}); r.Status >= 300 {
					t.Fatalf("accept: %d %s", r.Status, r.Body)
				}
			}
		}
	}
	return created.Team.ID, created.FirstProduct.ID
}

func TestEditsThroughTheAPIReachMembersAndRemovalCutsThemOff(t *testing.T) {
	for _, engine := range []struct {
		name string
		opts func(t *testing.T) []apptest.Option
	}{
		{"sqlite", func(*testing.T) []apptest.Option { return nil }},
		{"postgres", func(t *testing.T) []apptest.Option { return []apptest.Option{apptest.Postgres(t)} }},
	} {
		t.Run(engine.name, func(t *testing.T) {
			env := apptest.New(t, engine.opts(t)...)
			ann, bob, eve := env.SignIn(t, "ann@example.com"), env.SignIn(t, "bob@example.com"), env.SignIn(t, "eve@example.com")
			teamID, productID := makeTeam(t, env, ann, "blue-whales", bob)
			backlog := wire.Backlog(teamID, productID)

			bobRT, eveRT := env.Live(t, bob), env.Live(t, eve)
			if !bobRT.Subscribe(wire.Team(teamID)) || !bobRT.Subscribe(backlog) {
				t.Fatal("a member could not subscribe to the team's channels")
			}
			if eveRT.Subscribe(wire.Team(teamID)) || eveRT.Subscribe(backlog) {
				t.Error("a non-member subscribed to the team's channels")
			}

			// Two members commit the same field from the same version: one
			// wins, the other gets 409 with the winner's text, and everyone
			// sees the winner's version.
			path := "/api/v1/teams/" + teamID + "/products/" + productID
			first := ann.Do(t, "PATCH", path, map[string]any{"version": 1, "description": "Ann's words"})
			second := bob.Do(t, "PATCH", path, map[string]any{"version": 1, "description": "Bob's words"})
			if first.Status != http.StatusOK || second.Status != http.StatusConflict {
				t.Fatalf("commits from version 1: %d and %d, want 200 and 409", first.Status, second.Status)
			}
			p := second.Problem(t)
			if !strings.Contains(string(p.Current), "Ann's words") || p.Version != 2 {
				t.Errorf("the loser's conflict = version %d, current %s; want version 2 with ann's text", p.Version, p.Current)
			}
			waitFor(t, "the winning commit on the backlog channel", func() bool { return len(bobRT.Entities(backlog, "product", productID)) == 1 })
			e := bobRT.Entities(backlog, "product", productID)[0].Entry
			if e.Version != 2 || e.ActorID != ann.Account.ID {
				t.Errorf("entry = version %d by %s, want version 2 by ann", e.Version, e.ActorID)
			}
			var sawText bool
			for _, c := range e.Changes {
				if c.Field == "description" && strings.Contains(string(c.After), "Ann's words") {
					sawText = true
				}
			}
			if !sawText {
				t.Errorf("entry changes %+v do not carry the new description", e.Changes)
			}
			if got := bobRT.Entities(wire.Team(teamID), "product", productID); len(got) != 1 {
				waitFor(t, "the commit on the team channel", func() bool { return len(bobRT.Entities(wire.Team(teamID), "product", productID)) == 1 })
			}

			// Ann removes bob: he is cut off at once and cannot come back.
			if r := ann.Do(t, "DELETE", "/api/v1/teams/"+teamID+"/members/"+bob.Account.ID, nil); r.Status >= 300 {
				t.Fatalf("remove bob: %d %s", r.Status, r.Body)
			}
			waitFor(t, "bob cut off the team channel", func() bool { return bobRT.UnsubscribedWith(wire.Team(teamID)) == wire.UnsubscribeRevoked })
			waitFor(t, "bob cut off the backlog channel", func() bool { return bobRT.UnsubscribedWith(backlog) == wire.UnsubscribeRevoked })
			if bobRT.Subscribe(wire.Item(teamID, "any-item")) {
				t.Error("bob subscribed to the team again after his removal")
			}
		})
	}
}

func TestCoEditingAnItemThroughTheRealApp(t *testing.T) {
	env := apptest.New(t)
	ann, bob := env.SignIn(t, "ann@example.com"), env.SignIn(t, "bob@example.com")
	teamID, productID := makeTeam(t, env, ann, "co-editors", bob)
	r := ann.Do(t, "POST", "/api/v1/teams/"+teamID+"/products/"+productID+"/items", map[string]string{"kind": "story", "title": "Refine me"})
	if r.Status != http.StatusCreated && r.Status != http.StatusOK {
		t.Fatalf("create item: %d %s", r.Status, r.Body)
	}
	var item struct {
		ID      string `json:"id"`
		Version int64  `json:"version"`
	}
	r.JSON(t, &item)
	itemCh, backlog := wire.Item(teamID, item.ID), wire.Backlog(teamID, productID)
	annRT, bobRT := env.Live(t, ann), env.Live(t, bob)
	for _, rt := range []*apptest.Live{annRT, bobRT} {
		if !rt.Subscribe(itemCh) || !rt.Subscribe(backlog) {
			t.Fatal("a member could not subscribe to the item and its backlog")
		}
	}

	// Bob types; ann sees his text and that he holds the field.
	data, _ := json.Marshal(wire.DraftMessage{Type: wire.TypeDraft, Field: "description", Text: "Bob is typ", BaseVersion: item.Version})
	if err := bobRT.Publish(itemCh, data); err != nil {
		t.Fatalf("bob's draft: %v", err)
	}
	waitFor(t, "ann sees bob's draft", func() bool {
		for _, ev := range annRT.Raw(itemCh) {
			if d, ok := ev.(*wire.DraftEvent); ok && d.By == bob.Account.ID && d.Text == "Bob is typ" {
				return true
			}
		}
		return false
	})

	// Both commit from the same version: one wins, the other gets 409 with
	// the winner's text; everyone sees the winner's version on both channels.
	path := "/api/v1/teams/" + teamID + "/items/" + item.ID
	first := bob.Do(t, "PATCH", path, map[string]any{"version": item.Version, "description": "Bob is typing"})
	second := ann.Do(t, "PATCH", path, map[string]any{"version": item.Version, "description": "Ann's take"})
	if first.Status != http.StatusOK || second.Status != http.StatusConflict {
		t.Fatalf("commits from version %d: %d and %d, want 200 and 409", item.Version, first.Status, second.Status)
	}
	if p := second.Problem(t); !strings.Contains(string(p.Current), "Bob is typing") {
		t.Errorf("the loser's conflict carries %s, want the winner's text", p.Current)
	}
	for _, ch := range []string{itemCh, backlog} {
		waitFor(t, "the winning commit on "+ch, func() bool {
			for _, e := range annRT.Entities(ch, "item", item.ID) {
				if e.Entry.Version == item.Version+1 {
					return true
				}
			}
			return false
		})
	}
}
