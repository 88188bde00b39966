package ceremony_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/pamateam/pama/internal/apptest"
)

// The helpers below set up sprints and items through the real API for the
// daily, planning and review scenarios.

// statusOf returns the id of the team's first status in a category.
func (s *squad) statusOf(t *testing.T, category string) string {
	t.Helper()
	var list struct {
		Statuses []struct {
			ID       string `json:"id"`
			Category string `json:"category"`
		} `json:"statuses"`
	}
	s.owner.Do(t, "GET", "/api/v1/teams/"+s.team+"/statuses", nil).JSON(t, &list)
	for _, st := range list.Statuses {
		if st.Category == category {
			return st.ID
		}
	}
	t.Fatalf("no %s status in %+v", category, list)
	return ""
}

// sprintRow is what the tests read of a sprint.
type sprintRow struct {
	ID              string  `json:"id"`
	State           string  `json:"state"`
	Goal            string  `json:"goal"`
	Version         int64   `json:"version"`
	CommittedPoints float64 `json:"committed_points"`
	CompletedPoints float64 `json:"completed_points"`
}

// newSprint plans a sprint with dates and returns its id.
func (s *squad) newSprint(t *testing.T, name string) string {
	t.Helper()
	r := s.owner.Do(t, "POST", "/api/v1/teams/"+s.team+"/products/"+s.product+"/sprints",
		map[string]any{"name": name, "start_date": "2026-03-02", "end_date": "2026-03-13"})
	must(t, r, http.StatusCreated, "plan a sprint")
	var sp sprintRow
	r.JSON(t, &sp)
	return sp.ID
}

func (s *squad) sprint(t *testing.T, id string) sprintRow {
	t.Helper()
	var sp sprintRow
	r := s.owner.Do(t, "GET", "/api/v1/teams/"+s.team+"/sprints/"+id, nil)
	must(t, r, http.StatusOK, "get sprint")
	r.JSON(t, &sp)
	return sp
}

func (s *squad) startSprint(t *testing.T, id string) {
	t.Helper()
	must(t, s.owner.Do(t, "POST", "/api/v1/teams/"+s.team+"/sprints/"+id+"/start", map[string]any{"version": s.sprint(t, id).Version}),
		http.StatusOK, "start sprint")
}

func (s *squad) completeSprint(t *testing.T, id, carry string) {
	t.Helper()
	must(t, s.owner.Do(t, "POST", "/api/v1/teams/"+s.team+"/sprints/"+id+"/complete",
		map[string]any{"version": s.sprint(t, id).Version, "carry_over": carry}), http.StatusOK, "complete sprint")
}

// newItem creates an item with the given fields (kind story unless set).
func (s *squad) newItem(t *testing.T, fields map[string]any) string {
	t.Helper()
	if fields["kind"] == nil {
		fields["kind"] = "story"
	}
	r := s.owner.Do(t, "POST", "/api/v1/teams/"+s.team+"/products/"+s.product+"/items", fields)
	must(t, r, http.StatusCreated, "create item")
	var it itemRow
	r.JSON(t, &it)
	return it.ID
}

// itemRow is what the tests read of an item.
type itemRow struct {
	ID             string   `json:"id"`
	Kind           string   `json:"kind"`
	Title          string   `json:"title"`
	StatusID       string   `json:"status_id"`
	StatusCategory string   `json:"status_category"`
	SprintID       string   `json:"sprint_id"`
	Points         *float64 `json:"points"`
	Version        int64    `json:"version"`
	Origin         *struct {
		Ceremony  string `json:"ceremony"`
		SessionID string `json:"session_id"`
	} `json:"origin"`
}

func (s *squad) getItem(t *testing.T, id string) itemRow {
	t.Helper()
	var it itemRow
	r := s.owner.Do(t, "GET", "/api/v1/teams/"+s.team+"/items/"+id, nil)
	must(t, r, http.StatusOK, "get item")
	r.JSON(t, &it)
	return it
}

// setFacilitation changes the team's facilitation setting.
func (s *squad) setFacilitation(t *testing.T, f string) {
	t.Helper()
	var set struct {
		Version int64 `json:"version"`
	}
	s.owner.Do(t, "GET", "/api/v1/teams/"+s.team+"/settings", nil).JSON(t, &set)
	must(t, s.owner.Do(t, "PATCH", "/api/v1/teams/"+s.team+"/settings", map[string]any{"version": set.Version, "facilitation": f}),
		http.StatusOK, "facilitation: "+f)
}

// wantProblem checks that r is status naming body.<field>.
func wantStatus(t *testing.T, r *apptest.Response, status int, field, what string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("%s: status %d, want %d: %s", what, r.Status, status, r.Body)
		return
	}
	if field != "" && !r.Problem(t).Has("body."+field) {
		t.Errorf("%s: the problem does not name body.%s: %s", what, field, r.Body)
	}
}

// fresh zeroes *v and returns it, so that a decoded view keeps nothing of
// the last one (absent fields stay absent).
func fresh[T any](v *T) *T {
	var zero T
	*v = zero
	return v
}

type dailyRoom struct {
	room
	Daily struct {
		Sprint *struct {
			ID   string `json:"id"`
			Goal string `json:"goal"`
		} `json:"sprint"`
		Progress struct {
			DoneItems   int     `json:"done_items"`
			TotalItems  int     `json:"total_items"`
			DonePoints  float64 `json:"done_points"`
			TotalPoints float64 `json:"total_points"`
		} `json:"progress"`
		TimeboxSeconds int    `json:"timebox_seconds"`
		Speaker        string `json:"speaker"`
		Overtime       bool   `json:"overtime"`
		SpeakerItems   []struct {
			ID       string `json:"id"`
			Subtasks []struct {
				ID string `json:"id"`
			} `json:"subtasks"`
		} `json:"speaker_items"`
		Turns []struct {
			AccountID string `json:"account_id"`
			Skipped   bool   `json:"skipped"`
		} `json:"turns"`
		Waiting  []string `json:"waiting"`
		Blockers []struct {
			ID        string `json:"id"`
			AccountID string `json:"account_id"`
			By        string `json:"by"`
			Text      string `json:"text"`
			ItemID    string `json:"item_id"`
			Resolved  bool   `json:"resolved"`
		} `json:"blockers"`
		Summary *struct {
			Spoke        []string `json:"spoke"`
			Skipped      []string `json:"skipped"`
			ItemsCreated []string `json:"items_created"`
			Blockers     []struct {
				ID string `json:"id"`
			} `json:"blockers"`
		} `json:"summary"`
	} `json:"daily"`
}

func TestDaily(t *testing.T) {
	engines(t, func(t *testing.T, env *apptest.Env) {
		s := newSquad(t, env, "member", "member", "member", "observer")
		ana, li, mo, absent, ob := s.members[0], s.members[1], s.members[2], s.members[3], s.members[4]
		done := s.statusOf(t, "done")

		// The sprint: li has a story with a subtask; a done story of 3
		// points and an open one of 5.
		sp := s.newSprint(t, "Sprint 1")
		must(t, s.owner.Do(t, "PATCH", "/api/v1/teams/"+s.team+"/sprints/"+sp, map[string]any{"version": s.sprint(t, sp).Version, "goal": "Sign in works"}),
			http.StatusOK, "set the goal")
		liStory := s.newItem(t, map[string]any{"title": "Sign in", "sprint_id": sp, "assignees": []string{li.Account.ID}})
		liSub := s.newItem(t, map[string]any{"title": "Form", "kind": "subtask", "parent_id": liStory})
		s.newItem(t, map[string]any{"title": "Sign out", "sprint_id": sp, "points": 3, "status_id": done, "assignees": []string{ana.Account.ID}})
		s.newItem(t, map[string]any{"title": "Reset", "sprint_id": sp, "points": 5})
		s.startSprint(t, sp)

		var v dailyRoom
		s.start(t, ana, map[string]any{"kind": "daily", "product_id": s.product}, fresh(&v))
		id := v.ID
		if v.Step != "gathering" || v.Daily.Sprint == nil || v.Daily.Sprint.ID != sp || v.Daily.Sprint.Goal != "Sign in works" {
			t.Fatalf("new daily = %+v", v)
		}
		if p := v.Daily.Progress; p.DoneItems != 1 || p.TotalItems != 3 || p.DonePoints != 3 || p.TotalPoints != 8 {
			t.Errorf("progress = %+v, want 1/3 items and 3/8 points", p)
		}
		s.do(t, li, id, map[string]any{"type": "join"}, nil)
		s.do(t, mo, id, map[string]any{"type": "join"}, nil)
		wantStatus(t, s.act(t, ob, id, map[string]any{"type": "join"}), http.StatusForbidden, "", "observer join")
		wantStatus(t, s.act(t, ob, id, map[string]any{"type": "next"}), http.StatusForbidden, "", "observer next")

		// Bad input names the field.
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "blocker", "text": "   "}), http.StatusUnprocessableEntity, "text", "empty blocker")
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "blocker", "text": "x", "account_id": "nobody"}), http.StatusUnprocessableEntity, "account_id", "blocker about a stranger")
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "blocker_to_item", "target_id": "b99"}), http.StatusUnprocessableEntity, "target_id", "unknown blocker")
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "resolve_blocker"}), http.StatusUnprocessableEntity, "target_id", "resolve nothing")
		wantStatus(t, s.act(t, ana, id, map[string]any{"type": "skip"}), http.StatusUnprocessableEntity, "account_id", "skip nobody")
		wantStatus(t, s.act(t, ana, id, map[string]any{"type": "skip", "account_id": "0190c0de-0000-7000-8000-000000000000"}), http.StatusUnprocessableEntity, "account_id", "skip a stranger")
		wantStatus(t, s.act(t, ana, id, map[string]any{"type": "pull"}), http.StatusUnprocessableEntity, "type", "a planning action")

		// The absent member is skipped and never called.
		s.do(t, ana, id, map[string]any{"type": "skip", "account_id": absent.Account.ID}, fresh(&v))
		wantStatus(t, s.act(t, ana, id, map[string]any{"type": "skip", "account_id": absent.Account.ID}), http.StatusConflict, "", "skip twice")

		byID := map[string]*apptest.Client{ana.Account.ID: ana, li.Account.ID: li, mo.Account.ID: mo}
		var spoke []string
		// next calls someone at random among those present who have not spoken.
		call := func(who *apptest.Client) string {
			t.Helper()
			s.do(t, who, id, map[string]any{"type": "next"}, fresh(&v))
			if v.Step != "speaking" || byID[v.Daily.Speaker] == nil || slices.Contains(spoke, v.Daily.Speaker) {
				t.Fatalf("next called %q (step %s) after %v", v.Daily.Speaker, v.Step, spoke)
			}
			spoke = append(spoke, v.Daily.Speaker)
			return v.Daily.Speaker
		}
		first := call(ana)

		// Everyone sees the speaker's items: li's story with its subtask.
		var seen dailyRoom
		s.view(t, ob, id, &seen)
		if first == li.Account.ID {
			if len(seen.Daily.SpeakerItems) != 1 || seen.Daily.SpeakerItems[0].ID != liStory ||
				len(seen.Daily.SpeakerItems[0].Subtasks) != 1 || seen.Daily.SpeakerItems[0].Subtasks[0].ID != liSub {
				t.Errorf("li's items as the observer sees them = %+v", seen.Daily.SpeakerItems)
			}
		} else if len(seen.Daily.SpeakerItems) > 1 {
			t.Errorf("%s's items = %+v", first, seen.Daily.SpeakerItems)
		}

		// A blocker raised by someone else is about the speaker; it becomes
		// an item born in the daily, in the sprint's ceremonies lane.
		other := li
		if first == li.Account.ID {
			other = mo
		}
		s.do(t, other, id, map[string]any{"type": "blocker", "text": "Waiting for the SSO keys"}, fresh(&v))
		if len(v.Daily.Blockers) != 1 || v.Daily.Blockers[0].AccountID != first || v.Daily.Blockers[0].By != other.Account.ID {
			t.Fatalf("blockers = %+v", v.Daily.Blockers)
		}
		bid := v.Daily.Blockers[0].ID
		s.do(t, other, id, map[string]any{"type": "blocker_to_item", "target_id": bid}, fresh(&v))
		itemID := v.Daily.Blockers[0].ItemID
		if itemID == "" {
			t.Fatalf("the blocker made no item: %+v", v.Daily.Blockers)
		}
		wantStatus(t, s.act(t, other, id, map[string]any{"type": "blocker_to_item", "target_id": bid}), http.StatusConflict, "", "a second item")
		it := s.getItem(t, itemID)
		if it.Origin == nil || it.Origin.Ceremony != "daily" || it.Origin.SessionID != id || it.SprintID != sp {
			t.Errorf("the blocker's item = %+v", it)
		}
		var board struct {
			Lanes []struct {
				ID    string `json:"id"`
				Cells [][]struct {
					ID string `json:"id"`
				} `json:"cells"`
			} `json:"lanes"`
		}
		li.Do(t, "GET", "/api/v1/teams/"+s.team+"/products/"+s.product+"/board", nil).JSON(t, &board)
		inLane := false
		for _, l := range board.Lanes {
			for _, c := range l.Cells {
				for _, x := range c {
					if x.ID == itemID {
						inLane = l.ID == "ceremonies"
					}
				}
			}
		}
		if !inLane {
			t.Errorf("the blocker's item is not in the board's ceremonies lane: %+v", board)
		}

		// A participant who has not spoken leaves: the next speaker is the
		// one left; the speaker ends their own turn.
		var leaver, stayer *apptest.Client
		for _, c := range []*apptest.Client{ana, li, mo} {
			if c.Account.ID == first {
				continue
			}
			if leaver == nil {
				leaver = c
			} else {
				stayer = c
			}
		}
		s.do(t, leaver, id, map[string]any{"type": "leave"}, nil)
		wantStatus(t, s.act(t, leaver, id, map[string]any{"type": "blocker", "text": "x"}), http.StatusForbidden, "", "a blocker from outside the room")
		if got := call(byID[first]); got != stayer.Account.ID {
			t.Fatalf("next called %s, want the only one waiting (%s)", got, stayer.Account.ID)
		}
		// A stale press (about the turn that already ended) changes nothing.
		before := v.Version
		s.do(t, byID[first], id, map[string]any{"type": "next", "account_id": first}, fresh(&v))
		if v.Version != before || v.Daily.Speaker != stayer.Account.ID {
			t.Errorf("a stale next moved the daily: version %d→%d, speaker %s", before, v.Version, v.Daily.Speaker)
		}

		// The leaver comes back, the node restarts: nothing is lost.
		s.do(t, leaver, id, map[string]any{"type": "join"}, nil)
		env.Restart(t)
		s.view(t, leaver, id, fresh(&v))
		if v.Version != before+1 || v.Daily.Speaker != stayer.Account.ID || len(v.Daily.Blockers) != 1 || len(v.Daily.Waiting) != 1 || v.Daily.Waiting[0] != leaver.Account.ID {
			t.Fatalf("after a restart = %+v", v)
		}
		if got := call(ana); got != leaver.Account.ID {
			t.Fatalf("next called %s, want %s who came back", got, leaver.Account.ID)
		}
		s.do(t, li, id, map[string]any{"type": "resolve_blocker", "target_id": bid}, fresh(&v))
		if !v.Daily.Blockers[0].Resolved {
			t.Error("the blocker is not resolved")
		}

		// Everyone has spoken once: the summary.
		s.do(t, ana, id, map[string]any{"type": "next"}, fresh(&v))
		if v.Step != "summary" || v.Daily.Speaker != "" || v.Daily.Summary == nil {
			t.Fatalf("after the last speaker = %+v", v)
		}
		sum := v.Daily.Summary
		slices.Sort(spoke)
		got := slices.Clone(sum.Spoke)
		slices.Sort(got)
		want := []string{ana.Account.ID, li.Account.ID, mo.Account.ID}
		slices.Sort(want)
		if !slices.Equal(got, want) || !slices.Equal(spoke, want) {
			t.Errorf("spoke %v (called %v), want each of %v once", sum.Spoke, spoke, want)
		}
		if !slices.Equal(sum.Skipped, []string{absent.Account.ID}) || !slices.Equal(sum.ItemsCreated, []string{itemID}) || len(sum.Blockers) != 1 {
			t.Errorf("summary = %+v", sum)
		}
		wantStatus(t, s.act(t, ana, id, map[string]any{"type": "next"}), http.StatusConflict, "", "next after everyone spoke")

		// Under scrum_master facilitation a member cannot steer the daily.
		s.setFacilitation(t, "scrum_master")
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "next"}), http.StatusForbidden, "", "member next")
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "skip", "account_id": absent.Account.ID}), http.StatusForbidden, "", "member skip")
		wantStatus(t, s.act(t, li, id, map[string]any{"type": "finish"}), http.StatusForbidden, "", "member finish")
		s.do(t, li, id, map[string]any{"type": "blocker", "text": "Still no keys", "account_id": mo.Account.ID}, fresh(&v))
		s.do(t, ana, id, map[string]any{"type": "finish"}, fresh(&v))
		if v.Status != "finished" || v.Daily.Summary == nil || len(v.Daily.Summary.Blockers) != 2 {
			t.Errorf("finished daily = %+v", v)
		}
	})
}

func TestDailyTimebox(t *testing.T) {
	engines(t, func(t *testing.T, env *apptest.Env) {
		s := newSquad(t, env, "member")
		ana, li := s.members[0], s.members[1]
		wantStatus(t, ana.Do(t, "POST", "/api/v1/teams/"+s.team+"/rooms", map[string]any{"kind": "daily", "product_id": s.product, "timebox_seconds": 99999}),
			http.StatusUnprocessableEntity, "timebox_seconds", "a timebox over an hour")
		wantStatus(t, ana.Do(t, "POST", "/api/v1/teams/"+s.team+"/rooms", map[string]any{"kind": "daily"}),
			http.StatusUnprocessableEntity, "product_id", "a daily of no product")

		// No active sprint: the daily runs without goal and progress.
		var v dailyRoom
		s.start(t, ana, map[string]any{"kind": "daily", "product_id": s.product, "timebox_seconds": 1}, fresh(&v))
		id := v.ID
		if v.Daily.Sprint != nil || v.Daily.TimeboxSeconds != 1 {
			t.Fatalf("daily without a sprint = %+v", v.Daily)
		}
		s.do(t, li, id, map[string]any{"type": "join"}, nil)
		s.do(t, ana, id, map[string]any{"type": "next"}, fresh(&v))
		speaker := v.Daily.Speaker
		if v.Deadline == "" || v.Daily.Overtime {
			t.Fatalf("the speaker's timebox did not start: %+v", v)
		}
		// When the timebox runs out the speaker is flagged, not cut off.
		apptest.Eventually(t, "the speaker's overtime", func() bool {
			s.view(t, li, id, fresh(&v))
			return v.Daily.Overtime
		})
		if v.Daily.Speaker != speaker || v.Step != "speaking" || v.Deadline != "" {
			t.Errorf("after the timebox = %+v", v)
		}
		s.do(t, ana, id, map[string]any{"type": "next"}, fresh(&v))
		if v.Daily.Speaker == speaker || v.Daily.Overtime || v.Deadline == "" {
			t.Errorf("the next speaker = %+v", v)
		}
	})
}
