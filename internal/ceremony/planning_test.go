package ceremony_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/pamateam/pama/internal/apptest"
)

type planningRoom struct {
	room
	Planning struct {
		Sprint struct {
			ID    string `json:"id"`
			State string `json:"state"`
			Goal  string `json:"goal"`
		} `json:"sprint"`
		Candidates []planRow `json:"candidates"`
		Items      []planRow `json:"items"`
		Committed  float64   `json:"committed_points"`
		Unest      int       `json:"unestimated"`
		Capacity   []struct {
			AccountID string  `json:"account_id"`
			Points    float64 `json:"points"`
		} `json:"capacity"`
		CapacityPoints float64 `json:"capacity_points"`
		Forecast       struct {
			NoHistory bool      `json:"no_history"`
			Sprints   int       `json:"sprints"`
			History   []float64 `json:"history"`
			Low       float64   `json:"low"`
			High      float64   `json:"high"`
			Mean      float64   `json:"mean"`
		} `json:"forecast"`
		OverForecast bool     `json:"over_forecast"`
		OverCapacity bool     `json:"over_capacity"`
		Pulled       []string `json:"pulled"`
	} `json:"planning"`
}

type planRow struct {
	ID              string   `json:"id"`
	Points          *float64 `json:"points"`
	Estimated       bool     `json:"estimated"`
	NeedsRefinement bool     `json:"needs_refinement"`
}

func ids(rows []planRow) []string {
	out := []string{}
	for _, r := range rows {
		out = append(out, r.ID)
	}
	return out
}

func TestPlanning(t *testing.T) {
	engines(t, func(t *testing.T, env *apptest.Env) {
		s := newSquad(t, env, "member", "scrum_master", "observer")
		ana, li, sm, ob := s.members[0], s.members[1], s.members[2], s.members[3]
		done := s.statusOf(t, "done")

		// A product without sprints: the planning plans one, and has no
		// history to forecast from.
		var v planningRoom
		s.start(t, sm, map[string]any{"kind": "planning", "product_id": s.product}, fresh(&v))
		planned := v.Planning.Sprint.ID
		if planned == "" || v.Planning.Sprint.State != "planned" || !v.Planning.Forecast.NoHistory || v.Planning.Forecast.Sprints != 0 {
			t.Fatalf("first planning = %+v", v.Planning)
		}
		s.do(t, sm, v.ID, map[string]any{"type": "finish"}, nil)
		if sp := s.sprint(t, planned); sp.State != "planned" {
			t.Errorf("finishing a planning started the sprint: %+v", sp)
		}

		// Four completed sprints of 10, 40, 20 and 30 points, each leaving
		// an unfinished item behind.
		for i, pts := range []float64{10, 40, 20, 30} {
			sp := s.newSprint(t, "Past")
			s.newItem(t, map[string]any{"title": "Done work", "sprint_id": sp, "points": pts, "status_id": done})
			s.newItem(t, map[string]any{"title": "Unfinished", "sprint_id": sp, "points": 1})
			s.startSprint(t, sp)
			s.completeSprint(t, sp, "backlog")
			if got := s.sprint(t, sp).CompletedPoints; got != pts {
				t.Fatalf("sprint %d completed %v points, want %v", i, got, pts)
			}
		}
		// The backlog to plan from.
		big := s.newItem(t, map[string]any{"title": "Big", "points": 13})
		mid := s.newItem(t, map[string]any{"title": "Mid", "points": 8})
		vague := s.newItem(t, map[string]any{"title": "Vague"})
		more := s.newItem(t, map[string]any{"title": "More", "points": 8})
		extra := s.newItem(t, map[string]any{"title": "Extra", "points": 5})
		epic := s.newItem(t, map[string]any{"title": "Theme", "kind": "epic"})
		must(t, li.Do(t, "PUT", "/api/v1/teams/"+s.team+"/items/"+vague+"/refinement-request", nil), http.StatusOK, "ask for refinement")
		must(t, s.owner.Do(t, "PUT", "/api/v1/teams/"+s.team+"/sprints/"+planned+"/capacity", map[string]any{"capacity": []map[string]any{
			{"account_id": li.Account.ID, "days": 8, "points": 10}, {"account_id": sm.Account.ID, "days": 9, "points": 15}}}), http.StatusOK, "capacity")

		s.start(t, sm, map[string]any{"kind": "planning", "product_id": s.product}, fresh(&v))
		id := v.ID
		f := v.Planning.Forecast
		if v.Planning.Sprint.ID != planned || f.NoHistory || f.Sprints != 4 || !slices.Equal(f.History, []float64{10, 40, 20, 30}) ||
			f.Low != 17.5 || f.High != 32.5 || f.Mean != 25 {
			t.Fatalf("forecast = %+v (sprint %s, want %s)", f, v.Planning.Sprint.ID, planned)
		}
		if v.Planning.CapacityPoints != 25 || len(v.Planning.Capacity) != 2 {
			t.Errorf("capacity = %v %+v", v.Planning.CapacityPoints, v.Planning.Capacity)
		}
		cands := ids(v.Planning.Candidates)
		if len(cands) != 9 || cands[4] != big || cands[8] != extra || slices.Contains(cands, epic) {
			t.Errorf("candidates = %v (want the four carried-over items, then the new ones in order, no epic)", cands)
		}
		for _, c := range v.Planning.Candidates {
			if c.ID == vague && (c.Estimated || !c.NeedsRefinement) {
				t.Errorf("the vague item shows as %+v", c)
			}
		}
		for _, c := range []*apptest.Client{ana, li} {
			s.do(t, c, id, map[string]any{"type": "join"}, nil)
		}

		// Pulling against capacity (25) and the forecast (17.5–32.5).
		pull := func(c *apptest.Client, item string) {
			t.Helper()
			s.do(t, c, id, map[string]any{"type": "pull", "item_id": item}, fresh(&v))
		}
		pull(li, big)
		pull(li, mid)
		if v.Planning.Committed != 21 || v.Planning.OverCapacity || v.Planning.OverForecast || !slices.Equal(ids(v.Planning.Items), []string{big, mid}) {
			t.Errorf("after pulling 21 points: %+v", v.Planning)
		}
		pull(ana, vague)
		if v.Planning.Unest != 1 || v.Planning.Committed != 21 {
			t.Errorf("an unestimated item: unestimated %d, committed %v", v.Planning.Unest, v.Planning.Committed)
		}
		pull(ana, more)
		if v.Planning.Committed != 29 || !v.Planning.OverCapacity || v.Planning.OverForecast {
			t.Errorf("29 points against 25 of capacity: %+v", v.Planning)
		}
		pull(ana, extra)
		if v.Planning.Committed != 34 || !v.Planning.OverForecast {
			t.Errorf("34 points against a forecast up to 32.5: %+v", v.Planning)
		}
		if it := s.getItem(t, extra); it.SprintID != planned {
			t.Errorf("a pulled item is not in the sprint: %+v", it)
		}
		s.do(t, li, id, map[string]any{"type": "drop", "item_id": extra}, fresh(&v))
		if v.Planning.Committed != 29 || v.Planning.OverForecast || slices.Contains(ids(v.Planning.Items), extra) || !slices.Contains(ids(v.Planning.Candidates), extra) {
			t.Errorf("after dropping: %+v", v.Planning)
		}
		if it := s.getItem(t, extra); it.SprintID != "" {
			t.Errorf("a dropped item stays in the sprint: %+v", it)
		}

		// Bad input.
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "pull"}), http.StatusUnprocessableEntity, "item_id", "pull nothing")
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "pull", "item_id": "0190c0de-0000-7000-8000-000000000000"}), http.StatusUnprocessableEntity, "item_id", "pull a stranger")
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "pull", "item_id": epic}), http.StatusUnprocessableEntity, "item_id", "pull an epic")
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "drop", "item_id": extra}), http.StatusConflict, "", "drop what is not in the sprint")
		other := s.newSprint(t, "Other")
		elsewhere := s.newItem(t, map[string]any{"title": "Elsewhere", "sprint_id": other, "points": 2})
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "pull", "item_id": elsewhere}), http.StatusConflict, "", "pull from another sprint")
		long := make([]rune, 1001)
		for i := range long {
			long[i] = 'g'
		}
		wantStatus(t, s.act(t, sm, id, map[string]any{"type": "goal", "text": string(long)}), http.StatusUnprocessableEntity, "text", "a goal too long")
		wantStatus(t, s.act(t, ob, id, map[string]any{"type": "pull", "item_id": extra}), http.StatusForbidden, "", "an observer pulls")

		// The goal: set by who may plan sprints.
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "goal", "text": "Sign in"}), http.StatusForbidden, "", "a member sets the goal")
		s.do(t, sm, id, map[string]any{"type": "goal", "text": "  Teams can sign in  "}, fresh(&v))
		if v.Planning.Sprint.Goal != "Teams can sign in" || s.sprint(t, planned).Goal != "Teams can sign in" {
			t.Errorf("goal = %q", v.Planning.Sprint.Goal)
		}

		// Leaving, coming back and a restart lose nothing.
		s.do(t, li, id, map[string]any{"type": "leave"}, nil)
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "pull", "item_id": extra}), http.StatusForbidden, "", "pull from outside the room")
		s.do(t, li, id, map[string]any{"type": "join"}, nil)
		env.Restart(t)
		s.view(t, li, id, fresh(&v))
		if v.Planning.Committed != 29 || len(v.Planning.Pulled) != 4 || len(v.active()) != 3 {
			t.Fatalf("after a restart = %+v", v)
		}

		// Starting: a member may steer (facilitation anyone) but not start
		// a sprint; under scrum_master facilitation, not even steer.
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "start_sprint"}), http.StatusForbidden, "", "a member starts the sprint")
		s.setFacilitation(t, "scrum_master")
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "start_sprint"}), http.StatusForbidden, "", "a member starts the sprint under scrum_master")
		s.do(t, sm, id, map[string]any{"type": "start_sprint"}, fresh(&v))
		if v.Status != "finished" || v.Planning.Sprint.State != "active" {
			t.Fatalf("after start_sprint = %+v", v)
		}
		if sp := s.sprint(t, planned); sp.State != "active" || sp.CommittedPoints != 29 || sp.Goal != "Teams can sign in" {
			t.Errorf("the started sprint = %+v", sp)
		}
		wantStatus(t, s.act(t, sm, id, map[string]any{"type": "pull", "item_id": extra}), http.StatusConflict, "", "pull after the start")

		// A planning needs a planned sprint: an active one is refused.
		wantStatus(t, sm.Do(t, "POST", "/api/v1/teams/"+s.team+"/rooms", map[string]any{"kind": "planning", "sprint_id": planned}),
			http.StatusUnprocessableEntity, "sprint_id", "planning an active sprint")
	})
}
