package ceremony_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/pamateam/pama/internal/apptest"
)

type reviewRoom struct {
	room
	Review struct {
		Sprint struct {
			ID    string `json:"id"`
			State string `json:"state"`
		} `json:"sprint"`
		Done       []reviewRow `json:"done"`
		Unfinished []reviewRow `json:"unfinished"`
		Current    *reviewRow  `json:"current"`
		Accepted   int         `json:"accepted"`
		SentBack   int         `json:"sent_back"`
		Pending    int         `json:"pending"`
		Closed     bool        `json:"closed"`
		CarriedTo  string      `json:"carried_to"`
		Carried    []string    `json:"carried"`
		NextRoomID string      `json:"next_room_id"`
	} `json:"review"`
}

type reviewRow struct {
	ID      string `json:"id"`
	Verdict string `json:"verdict"`
	Reason  string `json:"reason"`
}

func reviewIDs(rows []reviewRow) []string {
	out := []string{}
	for _, r := range rows {
		out = append(out, r.ID)
	}
	slices.Sort(out)
	return out
}

func TestReview(t *testing.T) {
	engines(t, func(t *testing.T, env *apptest.Env) {
		s := newSquad(t, env, "member", "member", "observer")
		ana, li, mo, ob := s.members[0], s.members[1], s.members[2], s.members[3]
		done, todo, doing := s.statusOf(t, "done"), s.statusOf(t, "todo"), s.statusOf(t, "in_progress")

		wantStatus(t, ana.Do(t, "POST", "/api/v1/teams/"+s.team+"/rooms", map[string]any{"kind": "review", "product_id": s.product}),
			http.StatusConflict, "", "a review without an active sprint")

		sp := s.newSprint(t, "Sprint 1")
		shipped := s.newItem(t, map[string]any{"title": "Shipped", "sprint_id": sp, "points": 3, "status_id": done})
		flawed := s.newItem(t, map[string]any{"title": "Flawed", "sprint_id": sp, "points": 5, "status_id": done})
		started := s.newItem(t, map[string]any{"title": "Started", "sprint_id": sp, "points": 2, "status_id": doing})
		untouched := s.newItem(t, map[string]any{"title": "Untouched", "sprint_id": sp, "points": 1})
		s.startSprint(t, sp)

		var v reviewRoom
		s.start(t, ana, map[string]any{"kind": "review", "product_id": s.product}, fresh(&v))
		id := v.ID
		if v.Review.Sprint.ID != sp || !slices.Equal(reviewIDs(v.Review.Done), sorted(shipped, flawed)) ||
			!slices.Equal(reviewIDs(v.Review.Unfinished), sorted(started, untouched)) || v.Review.Pending != 2 {
			t.Fatalf("new review = %+v", v.Review)
		}
		s.do(t, li, id, map[string]any{"type": "join"}, nil)
		s.do(t, mo, id, map[string]any{"type": "join"}, nil)
		wantStatus(t, s.act(t, ob, id, map[string]any{"type": "accept", "item_id": shipped}), http.StatusForbidden, "", "an observer accepts")

		// The facilitator shows an item to everyone.
		s.do(t, ana, id, map[string]any{"type": "show", "item_id": shipped}, nil)
		var seen reviewRoom
		s.view(t, mo, id, &seen)
		if seen.Review.Current == nil || seen.Review.Current.ID != shipped {
			t.Errorf("current item as mo sees it = %+v", seen.Review.Current)
		}

		// Bad input.
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "accept"}), http.StatusUnprocessableEntity, "item_id", "accept nothing")
		outside := s.newItem(t, map[string]any{"title": "Outside", "points": 1})
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "accept", "item_id": outside}), http.StatusUnprocessableEntity, "item_id", "accept an item of no sprint")
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "accept", "item_id": started}), http.StatusConflict, "", "accept unfinished work")
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "send_back", "item_id": flawed}), http.StatusUnprocessableEntity, "text", "send back without a reason")
		wantStatus(t, s.act(t, ana, id, map[string]any{"type": "close_sprint"}), http.StatusUnprocessableEntity, "value", "close without a destination")
		wantStatus(t, s.act(t, ana, id, map[string]any{"type": "close_sprint", "value": "nowhere"}), http.StatusUnprocessableEntity, "value", "close to nowhere")
		wantStatus(t, s.act(t, ana, id, map[string]any{"type": "close_sprint", "value": sp}), http.StatusUnprocessableEntity, "value", "carry into the sprint itself")
		if it := s.getItem(t, flawed); it.StatusID != done {
			t.Errorf("a refused send back moved the item: %+v", it)
		}

		// Accept one, send the other back: it leaves done for the first
		// status of the workflow, with the reason shown.
		s.do(t, li, id, map[string]any{"type": "accept", "item_id": shipped}, nil)
		s.do(t, mo, id, map[string]any{"type": "send_back", "item_id": flawed, "text": "Fails on Safari"}, fresh(&v))
		if it := s.getItem(t, flawed); it.StatusID != todo || it.StatusCategory != "todo" {
			t.Errorf("sent back item = %+v", it)
		}
		if it := s.getItem(t, shipped); it.StatusID != done {
			t.Errorf("accepted item = %+v", it)
		}
		if v.Review.Accepted != 1 || v.Review.SentBack != 1 || v.Review.Pending != 0 || !slices.Equal(reviewIDs(v.Review.Done), []string{shipped}) {
			t.Errorf("after the verdicts = %+v", v.Review)
		}
		for _, r := range v.Review.Unfinished {
			if r.ID == flawed && (r.Verdict != "sent_back" || r.Reason != "Fails on Safari") {
				t.Errorf("the sent back item shows as %+v", r)
			}
		}
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "accept", "item_id": flawed}), http.StatusConflict, "", "accept what went back")

		// Leaving, coming back and a restart lose nothing.
		s.do(t, mo, id, map[string]any{"type": "leave"}, nil)
		s.do(t, mo, id, map[string]any{"type": "join"}, nil)
		env.Restart(t)
		s.view(t, mo, id, fresh(&v))
		if v.Review.Accepted != 1 || v.Review.SentBack != 1 || v.Review.Current == nil || v.Review.Current.ID != shipped || len(v.active()) != 3 {
			t.Fatalf("after a restart = %+v", v)
		}

		// Under scrum_master facilitation members neither show nor close.
		s.setFacilitation(t, "scrum_master")
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "show", "item_id": flawed}), http.StatusForbidden, "", "a member shows")
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "close_sprint", "value": "next"}), http.StatusForbidden, "", "a member closes")
		wantStatus(t, s.act(t, ob, id, map[string]any{"type": "close_sprint", "value": "next"}), http.StatusForbidden, "", "an observer closes")

		// Closing carries the unfinished items to the next sprint (made
		// for them) and leads to a retrospective.
		s.do(t, ana, id, map[string]any{"type": "close_sprint", "value": "next"}, fresh(&v))
		if v.Status != "finished" || !v.Review.Closed || v.Review.NextRoomID == "" || v.Review.CarriedTo == "" || v.Review.CarriedTo == "next" {
			t.Fatalf("after close_sprint = %+v", v)
		}
		if !slices.Equal(sorted(v.Review.Carried...), sorted(flawed, started, untouched)) {
			t.Errorf("carried = %v", v.Review.Carried)
		}
		if got := s.sprint(t, sp); got.State != "completed" || got.CompletedPoints != 3 {
			t.Errorf("the closed sprint = %+v", got)
		}
		next := s.sprint(t, v.Review.CarriedTo)
		if next.State != "planned" {
			t.Errorf("the next sprint = %+v", next)
		}
		for _, item := range []string{flawed, started, untouched} {
			if it := s.getItem(t, item); it.SprintID != next.ID {
				t.Errorf("%s was not carried to the next sprint: %+v", it.Title, it)
			}
		}
		if it := s.getItem(t, shipped); it.SprintID != sp {
			t.Errorf("the accepted item left its sprint: %+v", it)
		}
		var retro room
		s.view(t, li, v.Review.NextRoomID, &retro)
		if retro.Kind != "retro" || retro.Status != "active" {
			t.Errorf("the next room = %+v", retro)
		}
		wantStatus(t, s.act(t, ana, id, map[string]any{"type": "accept", "item_id": shipped}), http.StatusConflict, "", "acting after the close")
	})
}
