package ceremony_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pamateam/pama/internal/apptest"
	"github.com/pamateam/pama/internal/realtime/wire"
)

// engines runs fn on SQLite and on PostgreSQL.
func engines(t *testing.T, fn func(t *testing.T, env *apptest.Env)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, apptest.New(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, apptest.New(t, apptest.Postgres(t)))
	})
}

// squad is a team space with its members signed in.
type squad struct {
	env     *apptest.Env
	team    string
	product string
	owner   *apptest.Client
	members []*apptest.Client // the owner first, then the others in the order asked
}

// newSquad makes a team with a product; the owner is owner@…, the others
// join with the given roles as <role><n>@example.com.
func newSquad(t *testing.T, env *apptest.Env, roles ...string) *squad {
	t.Helper()
	owner := env.SignIn(t, "owner@example.com")
	r := owner.Do(t, "POST", "/api/v1/teams", map[string]any{"name": "Whales", "slug": "whales",
		"first_product": map[string]string{"key": "PR", "name": "Product"}})
	must(t, r, http.StatusCreated, "create team")
	var created struct {
		Team struct {
			ID string `json:"id"`
		} `json:"team"`
		FirstProduct struct {
			ID string `json:"id"`
		} `json:"first_product"`
	}
	r.JSON(t, &created)
	s := &squad{env: env, team: created.Team.ID, product: created.FirstProduct.ID, owner: owner, members: []*apptest.Client{owner}}
	for i, role := range roles {
		email := fmt.Sprintf("%s%d@example.com", strings.ReplaceAll(role, "_", ""), i+1)
		must(t, owner.Do(t, "POST", "/api/v1/teams/"+s.team+"/invitations", map[string]string{"email": email, "role": role}),
			http.StatusCreated, "invite "+email)
		c := env.SignIn(t, email)
		var pending struct {
			Invitations []struct {
				ID     string `json:"id"`
				TeamID string `json:"team_id"`
			} `json:"invitations"`
		}
		c.Do(t, "GET", "/api/v1/invitations", nil).JSON(t, &pending)
		for _, inv := range pending.Invitations {
			if inv.TeamID == s.team {
				must(t, c.Do(t, "POST", "/api/v1/invitations/accept", map[string]string{"team_id": inv.TeamID, "invitation_id": inv.ID}),
					http.StatusOK, "accept as "+email)
			}
		}
		s.members = append(s.members, c)
	}
	return s
}

func must(t *testing.T, r *apptest.Response, status int, what string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.Status, status, r.Body)
	}
}

// room is the part of a room's view every test reads.
type room struct {
	ID            string `json:"id"`
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Step          string `json:"step"`
	FacilitatorID string `json:"facilitator_id"`
	Deadline      string `json:"deadline"`
	Version       int64  `json:"version"`
	Me            string `json:"me"`
	CanSteer      bool   `json:"can_steer"`
	Participants  []struct {
		AccountID string `json:"account_id"`
		Active    bool   `json:"active"`
	} `json:"participants"`
}

func (r room) active() []string {
	var out []string
	for _, p := range r.Participants {
		if p.Active {
			out = append(out, p.AccountID)
		}
	}
	return out
}

// start opens a room as c and returns its decoded view into out (which
// may embed room).
func (s *squad) start(t *testing.T, c *apptest.Client, body map[string]any, out any) {
	t.Helper()
	r := c.Do(t, "POST", "/api/v1/teams/"+s.team+"/rooms", body)
	must(t, r, http.StatusCreated, "start a room")
	r.JSON(t, out)
}

// act does one action as c and returns the response.
func (s *squad) act(t *testing.T, c *apptest.Client, roomID string, action map[string]any) *apptest.Response {
	t.Helper()
	return c.Do(t, "POST", "/api/v1/teams/"+s.team+"/rooms/"+roomID+"/actions", action)
}

// do does one action that must succeed and decodes the view into out.
func (s *squad) do(t *testing.T, c *apptest.Client, roomID string, action map[string]any, out any) {
	t.Helper()
	r := s.act(t, c, roomID, action)
	must(t, r, http.StatusOK, fmt.Sprintf("action %v", action))
	if out != nil {
		r.JSON(t, out)
	}
}

// view reads the room as c sees it into out.
func (s *squad) view(t *testing.T, c *apptest.Client, roomID string, out any) {
	t.Helper()
	r := c.Do(t, "GET", "/api/v1/teams/"+s.team+"/rooms/"+roomID, nil)
	must(t, r, http.StatusOK, "get room")
	r.JSON(t, out)
}

// item creates an item in the squad's product and returns its id.
func (s *squad) item(t *testing.T, title string) string {
	t.Helper()
	r := s.owner.Do(t, "POST", "/api/v1/teams/"+s.team+"/products/"+s.product+"/items", map[string]any{"title": title, "kind": "story"})
	must(t, r, http.StatusCreated, "create item")
	var it struct {
		ID string `json:"id"`
	}
	r.JSON(t, &it)
	return it.ID
}

func TestRoomLifecycle(t *testing.T) {
	engines(t, func(t *testing.T, env *apptest.Env) {
		s := newSquad(t, env, "member", "member", "observer")
		ana, li, ob := s.members[0], s.members[1], s.members[3]
		live := env.Live(t, li)
		if !live.Subscribe(wire.Team(s.team)) {
			t.Fatal("li cannot subscribe to the team channel")
		}

		var v room
		s.start(t, ana, map[string]any{"kind": "retro", "product_id": s.product, "invite": true}, &v)
		if v.Status != "active" || v.FacilitatorID != ana.Account.ID || len(v.active()) != 1 || v.Me != ana.Account.ID || !v.CanSteer {
			t.Fatalf("new room = %+v", v)
		}
		apptest.Eventually(t, "the room's start on the team channel", func() bool {
			return len(live.Entities(wire.Team(s.team), "room", v.ID)) > 0
		})

		// The invitation: a notification for everyone not in the room who
		// may participate (not the observer), by email too when not online.
		var inbox struct {
			Notifications []struct {
				Kind     string `json:"kind"`
				RoomID   string `json:"room_id"`
				RoomKind string `json:"room_kind"`
			} `json:"notifications"`
		}
		s.members[2].Do(t, "GET", "/api/v1/teams/"+s.team+"/notifications", nil).JSON(t, &inbox)
		if len(inbox.Notifications) != 1 || inbox.Notifications[0].Kind != "invited" || inbox.Notifications[0].RoomID != v.ID || inbox.Notifications[0].RoomKind != "retro" {
			t.Fatalf("member2's inbox = %+v", inbox)
		}
		mails := env.Mails(t, s.members[2].Account.Email)
		if len(mails) == 0 || !strings.Contains(mails[len(mails)-1].Subject, "waiting for you in retrospective") {
			t.Errorf("member2, not online, got no invitation email: %+v", mails)
		}
		for _, m := range env.Mails(t, li.Account.Email) {
			if strings.Contains(m.Subject, "waiting for you") {
				t.Errorf("li is online, yet was emailed: %q", m.Subject)
			}
		}
		inbox.Notifications = nil
		ob.Do(t, "GET", "/api/v1/teams/"+s.team+"/notifications", nil).JSON(t, &inbox)
		if len(inbox.Notifications) != 0 {
			t.Errorf("the observer was invited: %+v", inbox)
		}

		// Joining: members may, observers may not; joining twice is one participant.
		s.do(t, li, v.ID, map[string]any{"type": "join"}, &v)
		s.do(t, li, v.ID, map[string]any{"type": "join"}, &v)
		if got := v.active(); len(got) != 2 || got[1] != li.Account.ID {
			t.Fatalf("after li joined: %v", got)
		}
		// Joining reaches the team channel too, for the ceremonies screen.
		apptest.Eventually(t, "li's joining on the team channel", func() bool {
			for _, e := range live.Entities(wire.Team(s.team), "room", v.ID) {
				if e.Entry.Action == "joined" {
					return true
				}
			}
			return false
		})
		if r := s.act(t, ob, v.ID, map[string]any{"type": "join"}); r.Status != http.StatusForbidden {
			t.Errorf("observer join = %d %s", r.Status, r.Body)
		}
		var observed room
		s.view(t, ob, v.ID, &observed)
		if observed.CanSteer {
			t.Error("an observer may steer")
		}

		// Bad input names the field; an unknown room is 404.
		r := s.act(t, li, v.ID, map[string]any{"type": "dance"})
		if r.Status != http.StatusUnprocessableEntity || !r.Problem(t).Has("body.type") {
			t.Errorf("unknown action = %d %s", r.Status, r.Body)
		}
		if r := s.act(t, li, v.ID, map[string]any{"type": "timer", "seconds": -5}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("negative timer = %d %s", r.Status, r.Body)
		}
		if r := s.act(t, li, "0190c0de-0000-7000-8000-000000000000", map[string]any{"type": "join"}); r.Status != http.StatusNotFound {
			t.Errorf("unknown room = %d", r.Status)
		}

		// Timer and facilitation.
		s.do(t, li, v.ID, map[string]any{"type": "timer", "seconds": 300}, &v)
		if v.Deadline == "" {
			t.Error("the timer set no deadline")
		}
		s.do(t, li, v.ID, map[string]any{"type": "facilitate"}, &v)
		if v.FacilitatorID != li.Account.ID {
			t.Errorf("facilitator = %s, want li", v.FacilitatorID)
		}

		// Leaving and coming back keeps one participant; a restart loses nothing.
		s.do(t, li, v.ID, map[string]any{"type": "leave"}, &v)
		if len(v.active()) != 1 || len(v.Participants) != 2 {
			t.Fatalf("after li left: %+v", v.Participants)
		}
		before := v.Version
		env.Restart(t)
		s.view(t, li, v.ID, &v)
		if v.Version != before || v.FacilitatorID != li.Account.ID || v.Deadline == "" {
			t.Fatalf("after a restart: %+v", v)
		}
		s.do(t, li, v.ID, map[string]any{"type": "join"}, &v)
		if len(v.active()) != 2 || len(v.Participants) != 2 {
			t.Fatalf("after li came back: %+v", v.Participants)
		}

		// Finishing ends it for everyone; the overview moves it to recent.
		s.do(t, ana, v.ID, map[string]any{"type": "finish"}, &v)
		if v.Status != "finished" {
			t.Fatalf("status after finish = %s", v.Status)
		}
		if r := s.act(t, li, v.ID, map[string]any{"type": "join"}); r.Status != http.StatusConflict {
			t.Errorf("acting in a finished room = %d", r.Status)
		}
		var o struct {
			Active []room `json:"active"`
			Recent []room `json:"recent"`
		}
		ana.Do(t, "GET", "/api/v1/teams/"+s.team+"/ceremonies", nil).JSON(t, &o)
		if len(o.Active) != 0 || len(o.Recent) != 1 || o.Recent[0].ID != v.ID {
			t.Errorf("overview = %+v", o)
		}
	})
}

func TestFacilitationSetting(t *testing.T) {
	engines(t, func(t *testing.T, env *apptest.Env) {
		s := newSquad(t, env, "member", "scrum_master")
		member, sm := s.members[1], s.members[2]
		var set struct {
			Version int64 `json:"version"`
		}
		s.owner.Do(t, "GET", "/api/v1/teams/"+s.team+"/settings", nil).JSON(t, &set)
		must(t, s.owner.Do(t, "PATCH", "/api/v1/teams/"+s.team+"/settings", map[string]any{"version": set.Version, "facilitation": "scrum_master"}),
			http.StatusOK, "facilitation: scrum_master")
		if r := member.Do(t, "POST", "/api/v1/teams/"+s.team+"/rooms", map[string]any{"kind": "daily"}); r.Status != http.StatusForbidden {
			t.Errorf("a member started a room under scrum_master facilitation: %d", r.Status)
		}
		var v room
		s.start(t, sm, map[string]any{"kind": "retro"}, &v)
		s.do(t, member, v.ID, map[string]any{"type": "join"}, &v)
		if v.CanSteer {
			t.Error("a member may steer under scrum_master facilitation")
		}
		if r := s.act(t, member, v.ID, map[string]any{"type": "finish"}); r.Status != http.StatusForbidden {
			t.Errorf("member finish = %d", r.Status)
		}
		s.do(t, sm, v.ID, map[string]any{"type": "finish"}, &v)
	})
}

func TestRefinementRequestsAndReference(t *testing.T) {
	engines(t, func(t *testing.T, env *apptest.Env) {
		s := newSquad(t, env, "member")
		li := s.members[1]
		a, b := s.item(t, "Sign in"), s.item(t, "Sign out")
		base := "/api/v1/teams/" + s.team
		must(t, li.Do(t, "PUT", base+"/items/"+a+"/refinement-request", map[string]any{"note": "unclear scope"}), http.StatusOK, "ask")
		if r := li.Do(t, "PUT", base+"/items/"+a+"/refinement-request", nil); r.Status != http.StatusConflict {
			t.Errorf("asking twice = %d", r.Status)
		}
		must(t, li.Do(t, "PUT", base+"/items/PR-2/refinement-request", nil), http.StatusOK, "ask by key")
		var list struct {
			Requests []struct {
				ItemID  string `json:"item_id"`
				ItemKey string `json:"item_key"`
				Note    string `json:"note"`
			} `json:"requests"`
		}
		li.Do(t, "GET", base+"/refinement-requests", nil).JSON(t, &list)
		if len(list.Requests) != 2 || list.Requests[0].ItemID != a || list.Requests[0].Note != "unclear scope" || list.Requests[1].ItemKey != "PR-2" {
			t.Fatalf("requests = %+v", list)
		}
		must(t, li.Do(t, "DELETE", base+"/items/"+b+"/refinement-request", nil), http.StatusNoContent, "withdraw")
		if r := li.Do(t, "DELETE", base+"/items/"+b+"/refinement-request", nil); r.Status != http.StatusNotFound {
			t.Errorf("withdrawing twice = %d", r.Status)
		}
		var o struct {
			OpenRequests int `json:"open_requests"`
		}
		li.Do(t, "GET", base+"/ceremonies", nil).JSON(t, &o)
		if o.OpenRequests != 1 {
			t.Errorf("open requests = %d, want 1", o.OpenRequests)
		}

		var ref struct {
			ItemID  string `json:"item_id"`
			ItemKey string `json:"item_key"`
		}
		li.Do(t, "GET", base+"/estimation-reference", nil).JSON(t, &ref)
		if ref.ItemID != "" {
			t.Errorf("a new team has a reference: %+v", ref)
		}
		must(t, li.Do(t, "PUT", base+"/estimation-reference", map[string]any{"item_id": "PR-1"}), http.StatusOK, "set reference")
		s.owner.Do(t, "GET", base+"/estimation-reference", nil).JSON(t, &ref)
		if ref.ItemID != a || ref.ItemKey != "PR-1" {
			t.Errorf("reference = %+v", ref)
		}
	})
}

// A participant whose connection drops mid-round misses nothing: on
// reconnecting, the room channel's history brings every event it missed,
// in order, and the room it then reads is the one the others see.
func TestDroppedConnectionCatchesUp(t *testing.T) {
	engines(t, func(t *testing.T, env *apptest.Env) {
		s := newSquad(t, env, "member", "member")
		ana, li, mo := s.members[0], s.members[1], s.members[2]
		item := s.item(t, "Export to CSV")
		var v pokerRoom
		s.start(t, ana, map[string]any{"kind": "poker", "product_id": s.product, "item_id": item}, &v)
		s.do(t, li, v.ID, map[string]any{"type": "join"}, nil)
		s.do(t, mo, v.ID, map[string]any{"type": "join"}, nil)
		live := env.Live(t, li)
		ch := wire.Room(s.team, v.ID)
		if !live.Subscribe(ch) {
			t.Fatal("li cannot subscribe to the room")
		}
		s.do(t, li, v.ID, map[string]any{"type": "vote", "value": "5"}, &v)
		apptest.Eventually(t, "li's own vote event", func() bool {
			es := live.Entities(ch, "room", v.ID)
			return len(es) > 0 && es[len(es)-1].Entry.Version == v.Version
		})

		live.Drop()
		if live.Connected() {
			t.Fatal("li is still connected after dropping")
		}
		s.do(t, ana, v.ID, map[string]any{"type": "vote", "value": "3"}, nil)
		s.do(t, mo, v.ID, map[string]any{"type": "vote", "value": "8"}, &v) // the last vote reveals
		live.Reconnect()
		apptest.Eventually(t, "the events li missed", func() bool {
			es := live.Entities(ch, "room", v.ID)
			return len(es) > 0 && es[len(es)-1].Entry.Version == v.Version
		})
		var versions []int64
		for _, e := range live.Entities(ch, "room", v.ID) {
			versions = append(versions, e.Entry.Version)
		}
		for i := 1; i < len(versions); i++ {
			if versions[i] != versions[i-1]+1 {
				t.Fatalf("li's room events after the drop are not every version in order: %v", versions)
			}
		}
		seen := s.pokerView(t, li, v.ID)
		if seen.Poker == nil || seen.Poker.Round == nil || !seen.Poker.Round.Revealed || len(seen.Poker.Round.Votes) != 3 {
			t.Fatalf("li's view after catching up: %+v", seen.Poker)
		}
	})
}
