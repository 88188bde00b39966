package ceremony_test

import (
	"net/http"
	"testing"

	"github.com/pamateam/pama/internal/apptest"
)

// refinementRoom is a refinement room's view.
type refinementRoom struct {
	room
	Refinement *struct {
		Current *struct {
			ItemID    string `json:"item_id"`
			ItemKey   string `json:"item_key"`
			Requested bool   `json:"requested"`
			Note      string `json:"note"`
		} `json:"current"`
		Queue []struct {
			ItemID string `json:"item_id"`
		} `json:"queue"`
		Form *struct {
			Name     string `json:"name"`
			OpenedBy string `json:"opened_by"`
		} `json:"form"`
		Subtasks []struct {
			ItemID   string `json:"item_id"`
			Title    string `json:"title"`
			ParentID string `json:"parent_id"`
		} `json:"subtasks"`
		Done []struct {
			ItemID   string   `json:"item_id"`
			Estimate string   `json:"estimate"`
			Points   *float64 `json:"points"`
		} `json:"done"`
		Estimation *struct {
			Cards []string        `json:"cards"`
			Round *pokerRoundView `json:"round"`
		} `json:"estimation"`
	} `json:"refinement"`
}

func (v refinementRoom) queue() []string {
	out := []string{}
	for _, q := range v.Refinement.Queue {
		out = append(out, q.ItemID)
	}
	return out
}

func (v refinementRoom) current() string {
	if v.Refinement.Current == nil {
		return ""
	}
	return v.Refinement.Current.ItemID
}

// refinementView reads the room as c sees it.
func (s *squad) refinementView(t *testing.T, c *apptest.Client, id string) refinementRoom {
	t.Helper()
	var v refinementRoom
	s.view(t, c, id, &v)
	if v.Refinement == nil || v.Refinement.Estimation == nil {
		t.Fatalf("no refinement in %+v", v)
	}
	return v
}

func TestRefinement(t *testing.T) {
	engines(t, func(t *testing.T, env *apptest.Env) {
		s := newSquad(t, env, "member", "observer")
		ana, li, ob := s.members[0], s.members[1], s.members[2]
		base := "/api/v1/teams/" + s.team
		a, b, c := s.item(t, "Sign in"), s.item(t, "Sign out"), s.item(t, "Profile")
		// Requested b first, then a; c is not requested.
		must(t, li.Do(t, "PUT", base+"/items/"+b+"/refinement-request", map[string]any{"note": "what about SSO?"}), http.StatusOK, "ask b")
		must(t, li.Do(t, "PUT", base+"/items/"+a+"/refinement-request", nil), http.StatusOK, "ask a")

		var v refinementRoom
		s.start(t, ana, map[string]any{"kind": "refinement", "product_id": s.product}, &v)
		id := v.ID
		if v.Step != "discussion" || v.current() != b || !v.Refinement.Current.Requested || v.Refinement.Current.Note != "what about SSO?" {
			t.Fatalf("new room: step %s, current %+v", v.Step, v.Refinement.Current)
		}
		if got := v.queue(); len(got) != 2 || got[0] != b || got[1] != a {
			t.Fatalf("queue = %v, want b then a", got)
		}
		s.do(t, li, id, map[string]any{"type": "join"}, nil)

		// Observers watch but do nothing.
		s.refinementView(t, ob, id)
		for _, act := range []map[string]any{{"type": "join"}, {"type": "open_form", "value": "create-subtask"},
			{"type": "add_subtask", "text": "Sneaky"}, {"type": "done"}} {
			if r := s.act(t, ob, id, act); r.Status != http.StatusForbidden {
				t.Errorf("observer %v = %d", act["type"], r.Status)
			}
		}
		// Voting waits for the estimation step.
		if r := s.act(t, li, id, map[string]any{"type": "vote", "value": "5"}); r.Status != http.StatusConflict {
			t.Errorf("vote in the discussion = %d", r.Status)
		}

		// Li opens the create-subtask form: it is open for everyone.
		s.do(t, li, id, map[string]any{"type": "open_form", "value": "create-subtask"}, nil)
		if f := s.refinementView(t, ana, id).Refinement.Form; f == nil || f.Name != "create-subtask" || f.OpenedBy != li.Account.ID {
			t.Fatalf("ana sees form %+v", f)
		}
		if r := s.act(t, li, id, map[string]any{"type": "open_form", "value": "dance"}); r.Status != http.StatusUnprocessableEntity || !r.Problem(t).Has("body.value") {
			t.Errorf("unknown form = %d %s", r.Status, r.Body)
		}
		if r := s.act(t, li, id, map[string]any{"type": "add_subtask", "text": "  "}); r.Status != http.StatusUnprocessableEntity || !r.Problem(t).Has("body.text") {
			t.Errorf("empty subtask = %d %s", r.Status, r.Body)
		}
		s.do(t, ana, id, map[string]any{"type": "add_subtask", "text": "SSO spike"}, nil)
		v = s.refinementView(t, li, id)
		if len(v.Refinement.Subtasks) != 1 || v.Refinement.Subtasks[0].ParentID != b || v.Refinement.Form != nil {
			t.Fatalf("after adding a subtask: subtasks %+v, form %+v", v.Refinement.Subtasks, v.Refinement.Form)
		}
		var sub struct {
			Kind     string `json:"kind"`
			ParentID string `json:"parent_id"`
			Title    string `json:"title"`
			Origin   *struct {
				Ceremony  string `json:"ceremony"`
				SessionID string `json:"session_id"`
			} `json:"origin"`
		}
		li.Do(t, "GET", base+"/items/"+v.Refinement.Subtasks[0].ItemID, nil).JSON(t, &sub)
		if sub.Kind != "subtask" || sub.ParentID != b || sub.Title != "SSO spike" || sub.Origin == nil || sub.Origin.Ceremony != "refinement" || sub.Origin.SessionID != id {
			t.Errorf("subtask = %+v origin %+v", sub, sub.Origin)
		}

		// Into estimation of the current item and back.
		s.do(t, ana, id, map[string]any{"type": "estimate"}, nil)
		v = s.refinementView(t, li, id)
		if v.Step != "estimation" || v.Refinement.Estimation.Round == nil || v.Refinement.Estimation.Round.ItemID != b {
			t.Fatalf("estimation: step %s, round %+v", v.Step, v.Refinement.Estimation.Round)
		}
		s.do(t, li, id, map[string]any{"type": "vote", "value": "5"}, nil)
		s.hiddenRefinement(t, ana, id, "")

		// A restart mid-refinement loses nothing.
		env.Restart(t)
		v = s.refinementView(t, li, id)
		if v.Step != "estimation" || v.current() != b || len(v.Refinement.Subtasks) != 1 || v.Refinement.Estimation.Round.MyVote != "5" {
			t.Fatalf("after a restart: step %s, current %s, %+v", v.Step, v.current(), v.Refinement.Estimation.Round)
		}
		s.hiddenRefinement(t, ana, id, "")

		s.do(t, ana, id, map[string]any{"type": "vote", "value": "8"}, nil)
		v = s.refinementView(t, ob, id)
		if rd := v.Refinement.Estimation.Round; !rd.Revealed || len(rd.Votes) != 2 {
			t.Fatalf("after both voted: %+v", rd)
		}
		s.do(t, li, id, map[string]any{"type": "accept", "value": "8"}, nil)
		var it struct {
			Points *float64 `json:"points"`
		}
		ana.Do(t, "GET", base+"/items/"+b, nil).JSON(t, &it)
		if it.Points == nil || *it.Points != 8 {
			t.Fatalf("points of the refined item = %v", it.Points)
		}
		s.do(t, ana, id, map[string]any{"type": "back"}, nil)
		v = s.refinementView(t, li, id)
		if v.Step != "discussion" {
			t.Errorf("step after back = %s", v.Step)
		}

		// Done closes b's request and brings up a, the next in the queue.
		s.do(t, ana, id, map[string]any{"type": "done"}, nil)
		v = s.refinementView(t, li, id)
		if v.current() != a || len(v.Refinement.Done) != 1 || v.Refinement.Done[0].ItemID != b || v.Refinement.Done[0].Estimate != "8" {
			t.Fatalf("after done: current %s, done %+v", v.current(), v.Refinement.Done)
		}
		if got := v.queue(); len(got) != 1 || got[0] != a {
			t.Errorf("queue after done = %v", got)
		}
		if len(v.Refinement.Subtasks) != 0 {
			t.Errorf("a's subtasks show b's: %+v", v.Refinement.Subtasks)
		}
		var reqs struct {
			Requests []struct {
				ItemID string `json:"item_id"`
			} `json:"requests"`
		}
		li.Do(t, "GET", base+"/refinement-requests", nil).JSON(t, &reqs)
		if len(reqs.Requests) != 1 || reqs.Requests[0].ItemID != a {
			t.Errorf("open requests after done = %+v", reqs)
		}

		// Pick any item; finishing it and the last request empties the room.
		s.do(t, ana, id, map[string]any{"type": "pick", "item_id": "PR-3"}, nil)
		v = s.refinementView(t, li, id)
		if v.current() != c || v.Refinement.Current.Requested {
			t.Fatalf("after pick: %+v", v.Refinement.Current)
		}
		if r := s.act(t, li, id, map[string]any{"type": "pick", "item_id": a}); r.Status != http.StatusOK {
			t.Errorf("member pick under anyone facilitation = %d", r.Status)
		}
		s.do(t, ana, id, map[string]any{"type": "done"}, nil)
		v = s.refinementView(t, li, id)
		if v.current() != "" || len(v.Refinement.Done) != 2 || len(v.queue()) != 0 {
			t.Errorf("after the last done: current %s, done %+v, queue %v", v.current(), v.Refinement.Done, v.queue())
		}
		if r := s.act(t, ana, id, map[string]any{"type": "estimate"}); r.Status != http.StatusConflict {
			t.Errorf("estimate with nothing current = %d", r.Status)
		}
	})
}

// hiddenRefinement fails if c sees a card other than its own in the open round.
func (s *squad) hiddenRefinement(t *testing.T, c *apptest.Client, id, mine string) {
	t.Helper()
	rd := s.refinementView(t, c, id).Refinement.Estimation.Round
	if rd == nil || rd.Revealed || len(rd.Votes) != 0 || rd.Stats != nil || rd.MyVote != mine {
		t.Fatalf("%s sees %+v", c.Account.Email, rd)
	}
}

func TestRefinementStartsWithAnItem(t *testing.T) {
	engines(t, func(t *testing.T, env *apptest.Env) {
		s := newSquad(t, env)
		epic := s.owner.Do(t, "POST", "/api/v1/teams/"+s.team+"/products/"+s.product+"/items", map[string]any{"title": "Accounts", "kind": "epic"})
		must(t, epic, http.StatusCreated, "epic")
		var e struct {
			ID string `json:"id"`
		}
		epic.JSON(t, &e)
		var v refinementRoom
		s.start(t, s.owner, map[string]any{"kind": "refinement", "item_id": e.ID, "deck": "tshirt"}, &v)
		if v.current() != e.ID || v.Refinement.Current.Requested || len(v.queue()) != 0 || v.Refinement.Estimation.Cards[0] != "XS" {
			t.Fatalf("room = %+v", v.Refinement)
		}
		// Epics have no subtasks: a conflict, and no item is created.
		if r := s.act(t, s.owner, v.ID, map[string]any{"type": "add_subtask", "text": "Nope"}); r.Status != http.StatusConflict {
			t.Errorf("subtask of an epic = %d %s", r.Status, r.Body)
		}
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		s.owner.Do(t, "GET", "/api/v1/teams/"+s.team+"/products/"+s.product+"/items", nil).JSON(t, &page)
		if len(page.Items) != 1 {
			t.Errorf("items after a refused subtask = %d", len(page.Items))
		}
	})
}
