package ceremony_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pamateam/pama/internal/apptest"
	"github.com/pamateam/pama/internal/realtime/wire"
)

// retroRoom is a retrospective's view as the tests read it.
type retroRoom struct {
	room
	Retro struct {
		Template    string `json:"template"`
		Anonymous   bool   `json:"anonymous"`
		Writing     bool   `json:"writing"`
		Done        []string
		Notes       []retroNote `json:"notes"`
		HiddenNotes int         `json:"hidden_notes"`
		Writers     []struct {
			AccountID string `json:"account_id"`
			Notes     int    `json:"notes"`
		} `json:"writers"`
		Groups []struct {
			ID      string   `json:"id"`
			Title   string   `json:"title"`
			NoteIDs []string `json:"note_ids"`
		} `json:"groups"`
		MyVotes   []string `json:"my_votes"`
		VotesLeft int      `json:"votes_left"`
		Results   []struct {
			TargetID string `json:"target_id"`
			Kind     string `json:"kind"`
			Text     string `json:"text"`
			Votes    int    `json:"votes"`
			Solved   bool   `json:"solved"`
		} `json:"results"`
		Picked    string `json:"picked"`
		Solutions []struct {
			ID          string `json:"id"`
			ProblemID   string `json:"problem_id"`
			Text        string `json:"text"`
			PerformerID string `json:"performer_id"`
			ItemID      string `json:"item_id"`
			ItemKey     string `json:"item_key"`
			SprintID    string `json:"sprint_id"`
		} `json:"solutions"`
		ReviewOf string `json:"review_of"`
		Review   []struct {
			ID       string `json:"id"`
			Text     string `json:"text"`
			ItemID   string `json:"item_id"`
			Status   string `json:"status"`
			ItemDone bool   `json:"item_done"`
			Reviewed string `json:"reviewed"`
		} `json:"review"`
	} `json:"retro"`
}

type retroNote struct {
	ID       string `json:"id"`
	Column   string `json:"column"`
	Text     string `json:"text"`
	AuthorID string `json:"author_id"`
	Mine     bool   `json:"mine"`
	Hidden   bool   `json:"hidden"`
	GroupID  string `json:"group_id"`
}

func (v retroRoom) texts() []string {
	var out []string
	for _, n := range v.Retro.Notes {
		out = append(out, n.Text)
	}
	slices.Sort(out)
	return out
}

func (v retroRoom) noteID(t *testing.T, text string) string {
	t.Helper()
	for _, n := range v.Retro.Notes {
		if n.Text == text {
			return n.ID
		}
	}
	t.Fatalf("no note %q in %+v", text, v.Retro.Notes)
	return ""
}

func sorted(s ...string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// rawView is a room's view as c sees it, as sent.
func (s *squad) rawView(t *testing.T, c *apptest.Client, roomID string) string {
	t.Helper()
	r := c.Do(t, "GET", "/api/v1/teams/"+s.team+"/rooms/"+roomID, nil)
	must(t, r, http.StatusOK, "get room")
	return string(r.Body)
}

// wantProblem checks that r is a 422 naming body.field.
func wantProblem(t *testing.T, r *apptest.Response, field, what string) {
	t.Helper()
	if r.Status != http.StatusUnprocessableEntity || !r.Problem(t).Has("body."+field) {
		t.Errorf("%s = %d %s, want 422 on %s", what, r.Status, r.Body, field)
	}
}

// activityText is the team's whole activity feed as sent.
func (s *squad) activityText(t *testing.T) string {
	t.Helper()
	r := s.owner.Do(t, "GET", "/api/v1/teams/"+s.team+"/activity?limit=200", nil)
	must(t, r, http.StatusOK, "activity")
	return string(r.Body)
}

// roomEvents waits until the live connection has seen a room event that sets
// step, and returns everything received on the room's channel as JSON.
func roomEvents(t *testing.T, live *apptest.Live, team, roomID, step string) string {
	t.Helper()
	ch := wire.Room(team, roomID)
	apptest.Eventually(t, "the room's move to "+step+" on its channel", func() bool {
		for _, e := range live.Entities(ch, "room", roomID) {
			for _, c := range e.Entry.Changes {
				if c.Field == "step" && string(c.After) == `"`+step+`"` {
					return true
				}
			}
		}
		return false
	})
	raw, err := json.Marshal(live.Raw(ch))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// board returns the items of a product's board lane, by sprint ("none" for
// the product backlog).
func (s *squad) boardLane(t *testing.T, sprint, lane string) []struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Assignees []string `json:"assignees"`
	Origin    struct {
		Ceremony  string `json:"ceremony"`
		SessionID string `json:"session_id"`
	} `json:"origin"`
} {
	t.Helper()
	var b struct {
		Lanes []struct {
			ID    string `json:"id"`
			Cells [][]struct {
				ID        string   `json:"id"`
				Title     string   `json:"title"`
				Assignees []string `json:"assignees"`
				Origin    struct {
					Ceremony  string `json:"ceremony"`
					SessionID string `json:"session_id"`
				} `json:"origin"`
			} `json:"cells"`
		} `json:"lanes"`
	}
	r := s.owner.Do(t, "GET", "/api/v1/teams/"+s.team+"/products/"+s.product+"/board?sprint="+sprint, nil)
	must(t, r, http.StatusOK, "board")
	r.JSON(t, &b)
	var out []struct {
		ID        string   `json:"id"`
		Title     string   `json:"title"`
		Assignees []string `json:"assignees"`
		Origin    struct {
			Ceremony  string `json:"ceremony"`
			SessionID string `json:"session_id"`
		} `json:"origin"`
	}
	for _, l := range b.Lanes {
		if l.ID == lane {
			for _, cell := range l.Cells {
				out = append(out, cell...)
			}
		}
	}
	return out
}

// retroSquad is three members in a retrospective: ana (owner, facilitator), li and bo.
func retroSquad(t *testing.T, env *apptest.Env, body map[string]any) (*squad, retroRoom) {
	t.Helper()
	s := newSquad(t, env, "member", "member")
	var v retroRoom
	body["kind"] = "retro"
	body["product_id"] = s.product
	s.start(t, s.members[0], body, &v)
	for _, c := range s.members[1:] {
		s.do(t, c, v.ID, map[string]any{"type": "join"}, nil)
	}
	return s, v
}

func TestRetroTenSteps(t *testing.T) {
	engines(t, func(t *testing.T, env *apptest.Env) {
		s, v := retroSquad(t, env, map[string]any{})
		ana, li, bo := s.members[0], s.members[1], s.members[2]
		id := v.ID
		r := s.owner.Do(t, "POST", "/api/v1/teams/"+s.team+"/products/"+s.product+"/sprints", map[string]any{"name": "Next"})
		must(t, r, http.StatusCreated, "plan a sprint")
		var next struct {
			ID string `json:"id"`
		}
		r.JSON(t, &next)
		live := env.Live(t, bo)
		if !live.Subscribe(wire.Room(s.team, id)) {
			t.Fatal("bo cannot subscribe to the room's channel")
		}
		if v.Step != "tune_in_positive" || v.Retro.Template != "ten_steps" || len(v.Retro.Review) != 0 {
			t.Fatalf("new retro: step %s, template %s, review %+v", v.Step, v.Retro.Template, v.Retro.Review)
		}
		if r := s.act(t, li, id, map[string]any{"type": "note", "text": "too early"}); r.Status != http.StatusConflict {
			t.Errorf("a note while tuning in = %d %s", r.Status, r.Body)
		}
		s.do(t, ana, id, map[string]any{"type": "next"}, &v)
		if v.Step != "write_positive" || !v.Retro.Writing {
			t.Fatalf("after next: step %s", v.Step)
		}

		// Everyone writes; nobody sees another's notes, only how many.
		s.do(t, ana, id, map[string]any{"type": "note", "text": "Pairing on the importer"}, nil)
		s.do(t, li, id, map[string]any{"type": "note", "text": "Quick code reviews"}, nil)
		s.do(t, li, id, map[string]any{"type": "note", "text": "Typo reviewz"}, &v)
		s.do(t, li, id, map[string]any{"type": "edit_note", "target_id": v.noteID(t, "Typo reviewz"), "text": "Friendly reviews"}, &v)
		s.do(t, bo, id, map[string]any{"type": "note", "text": "Smooth demo day"}, nil)
		s.do(t, bo, id, map[string]any{"type": "note", "text": "Deleted thought"}, &v)
		s.do(t, bo, id, map[string]any{"type": "delete_note", "target_id": v.noteID(t, "Deleted thought")}, &v)
		if r := s.act(t, ana, id, map[string]any{"type": "edit_note", "target_id": v.noteID(t, "Smooth demo day"), "text": "mine now"}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("editing another's note = %d %s", r.Status, r.Body)
		}
		s.view(t, li, id, &v)
		if got := v.texts(); !slices.Equal(got, sorted("Quick code reviews", "Friendly reviews")) || v.Retro.HiddenNotes != 2 {
			t.Fatalf("li sees %v and %d hidden", got, v.Retro.HiddenNotes)
		}
		if len(v.Retro.Writers) != 2 {
			t.Errorf("li sees writers %+v, want ana and bo with one hidden note each", v.Retro.Writers)
		}
		s.do(t, ana, id, map[string]any{"type": "done"}, nil)
		s.do(t, li, id, map[string]any{"type": "done"}, nil)
		s.view(t, bo, id, &v)
		if v.Step != "write_positive" || !slices.Equal(v.texts(), []string{"Smooth demo day"}) || v.Retro.HiddenNotes != 3 {
			t.Fatalf("before bo is done bo sees step %s, notes %v, %d hidden", v.Step, v.texts(), v.Retro.HiddenNotes)
		}
		if raw := s.rawView(t, bo, id); strings.Contains(raw, "Pairing") || strings.Contains(raw, "reviews") {
			t.Fatalf("bo's view leaks others' notes: %s", raw)
		}
		s.do(t, bo, id, map[string]any{"type": "done"}, &v)
		if v.Step != "tune_in_problems" {
			t.Fatalf("after everyone was done: step %s", v.Step)
		}
		s.view(t, ana, id, &v)
		if got := v.texts(); !slices.Equal(got, sorted("Pairing on the importer", "Quick code reviews", "Friendly reviews", "Smooth demo day")) {
			t.Fatalf("after the reveal ana sees %v", got)
		}
		for _, n := range v.Retro.Notes {
			if n.AuthorID == "" || n.Hidden {
				t.Errorf("a shown note of a named retro: %+v", n)
			}
		}
		// Nothing hidden went out on the room's channel or into the record.
		events := roomEvents(t, live, s.team, id, "tune_in_problems")
		feed := s.activityText(t)
		for _, secret := range []string{"Pairing", "Quick code", "Friendly", "Typo", "Smooth", "Deleted thought"} {
			if strings.Contains(events, secret) {
				t.Errorf("the room's channel carried %q: %s", secret, events)
			}
			if strings.Contains(feed, secret) {
				t.Errorf("the activity record holds %q", secret)
			}
		}

		// Problems: the facilitator moves on before everyone is done.
		s.do(t, ana, id, map[string]any{"type": "next"}, nil)
		s.do(t, ana, id, map[string]any{"type": "note", "text": "Flaky CI pipeline"}, nil)
		s.do(t, ana, id, map[string]any{"type": "note", "text": "Too many meetings"}, nil)
		s.do(t, li, id, map[string]any{"type": "note", "text": "CI is red on main"}, nil)
		s.do(t, bo, id, map[string]any{"type": "note", "text": "Unclear acceptance criteria"}, nil)
		s.view(t, li, id, &v)
		if v.Retro.HiddenNotes != 3 || slices.Contains(v.texts(), "Unclear acceptance criteria") {
			t.Fatalf("li sees problems %v, %d hidden", v.texts(), v.Retro.HiddenNotes)
		}
		s.do(t, ana, id, map[string]any{"type": "next"}, &v)
		if v.Step != "list" {
			t.Fatalf("after the facilitator moved on: step %s", v.Step)
		}
		s.view(t, li, id, &v)
		if v.Retro.HiddenNotes != 0 || len(v.Retro.Notes) != 8 {
			t.Fatalf("the combined list li sees: %v, %d hidden", v.texts(), v.Retro.HiddenNotes)
		}

		// Grouping similar notes.
		ci := []string{v.noteID(t, "Flaky CI pipeline"), v.noteID(t, "CI is red on main")}
		unclear, meetings, positive := v.noteID(t, "Unclear acceptance criteria"), v.noteID(t, "Too many meetings"), v.noteID(t, "Smooth demo day")
		wantProblem(t, s.act(t, li, id, map[string]any{"type": "group", "ids": []string{ci[0], positive}, "text": "Mixed"}), "ids", "grouping across columns")
		s.do(t, li, id, map[string]any{"type": "group", "ids": ci, "text": "Flaky CI"}, &v)
		if len(v.Retro.Groups) != 1 || !slices.Equal(sorted(v.Retro.Groups[0].NoteIDs...), sorted(ci...)) {
			t.Fatalf("groups = %+v", v.Retro.Groups)
		}
		group := v.Retro.Groups[0].ID

		// Three votes each, several on one note allowed, hidden until the results.
		if r := s.act(t, li, id, map[string]any{"type": "vote", "target_id": unclear}); r.Status != http.StatusConflict {
			t.Errorf("a vote before the vote step = %d", r.Status)
		}
		s.do(t, ana, id, map[string]any{"type": "next"}, nil)
		wantProblem(t, s.act(t, li, id, map[string]any{"type": "vote", "target_id": positive}), "target_id", "a vote on what went well")
		wantProblem(t, s.act(t, li, id, map[string]any{"type": "vote", "target_id": ci[0]}), "target_id", "a vote on a grouped note")
		for _, vote := range []struct {
			who    *apptest.Client
			target string
		}{{ana, group}, {ana, group}, {ana, unclear}, {li, group}, {li, meetings}, {li, unclear}, {bo, unclear}, {bo, unclear}, {bo, unclear}} {
			s.do(t, vote.who, id, map[string]any{"type": "vote", "target_id": vote.target}, nil)
		}
		wantProblem(t, s.act(t, bo, id, map[string]any{"type": "vote", "target_id": meetings}), "target_id", "a fourth vote")
		s.do(t, li, id, map[string]any{"type": "unvote", "target_id": meetings}, &v)
		if v.Retro.VotesLeft != 1 || len(v.Retro.MyVotes) != 2 {
			t.Errorf("li after taking a vote back: %d left, %v", v.Retro.VotesLeft, v.Retro.MyVotes)
		}
		s.do(t, li, id, map[string]any{"type": "vote", "target_id": meetings}, nil)
		s.view(t, li, id, &v)
		if v.Retro.Results != nil || !slices.Equal(sorted(v.Retro.MyVotes...), sorted(group, meetings, unclear)) || v.Retro.VotesLeft != 0 {
			t.Fatalf("li before the results: results %+v, my votes %v, left %d", v.Retro.Results, v.Retro.MyVotes, v.Retro.VotesLeft)
		}
		if raw := s.rawView(t, li, id); strings.Count(raw, unclear) != 2 { // the note and li's own vote
			t.Errorf("li's view shows others' votes on %s: %s", unclear, raw)
		}
		if strings.Contains(s.activityText(t), unclear) {
			t.Error("the activity record tells what was voted on")
		}

		s.do(t, ana, id, map[string]any{"type": "next"}, &v)
		if v.Step != "results" {
			t.Fatalf("step %s, want results", v.Step)
		}
		got := []string{}
		for _, res := range v.Retro.Results {
			got = append(got, res.Text+":"+string(rune('0'+res.Votes)))
		}
		if want := []string{"Unclear acceptance criteria:5", "Flaky CI:3", "Too many meetings:1"}; !slices.Equal(got, want) {
			t.Fatalf("results = %v, want %v", got, want)
		}

		// The most serious problem gets a solution with a performer.
		s.do(t, ana, id, map[string]any{"type": "next"}, nil)
		s.do(t, ana, id, map[string]any{"type": "pick", "target_id": unclear}, &v)
		if v.Step != "solution" || v.Retro.Picked != unclear {
			t.Fatalf("after the pick: step %s, picked %s", v.Step, v.Retro.Picked)
		}
		wantProblem(t, s.act(t, ana, id, map[string]any{"type": "solution", "text": "Write criteria first"}), "account_id", "a solution without a performer")
		wantProblem(t, s.act(t, ana, id, map[string]any{"type": "solution", "text": "Write criteria first", "account_id": "0190c0de-0000-7000-8000-000000000000"}),
			"account_id", "a solution by a stranger")
		wantProblem(t, s.act(t, ana, id, map[string]any{"type": "solution", "text": " ", "account_id": bo.Account.ID}), "text", "a solution without text")
		s.do(t, ana, id, map[string]any{"type": "solution", "text": "Write acceptance criteria before refinement", "account_id": bo.Account.ID}, &v)
		if v.Step != "pick" || len(v.Retro.Solutions) != 1 {
			t.Fatalf("after the solution: step %s, solutions %+v", v.Step, v.Retro.Solutions)
		}
		sol := v.Retro.Solutions[0]
		if sol.ProblemID != unclear || sol.PerformerID != bo.Account.ID || sol.SprintID != next.ID || sol.ItemKey == "" {
			t.Errorf("solution = %+v", sol)
		}
		lane := s.boardLane(t, next.ID, "ceremonies")
		if len(lane) != 1 || lane[0].ID != sol.ItemID || !slices.Equal(lane[0].Assignees, []string{bo.Account.ID}) ||
			lane[0].Origin.Ceremony != "retrospective" || lane[0].Origin.SessionID != id || lane[0].Title != "Write acceptance criteria before refinement" {
			t.Fatalf("the next sprint's ceremonies lane = %+v", lane)
		}
		for _, res := range v.Retro.Results {
			if res.Solved != (res.TargetID == unclear) {
				t.Errorf("result %+v solved = %v", res, res.Solved)
			}
		}
		s.do(t, ana, id, map[string]any{"type": "next"}, &v)
		if v.Step != "close" {
			t.Fatalf("step %s, want close", v.Step)
		}
		if r := s.act(t, ana, id, map[string]any{"type": "next"}); r.Status != http.StatusConflict {
			t.Errorf("next after the last step = %d", r.Status)
		}
		s.do(t, ana, id, map[string]any{"type": "finish"}, nil)

		// The next retrospective opens by reviewing the solution.
		var w retroRoom
		s.start(t, li, map[string]any{"kind": "retro", "product_id": s.product}, &w)
		if w.Step != "review" || w.Retro.ReviewOf != id || len(w.Retro.Review) != 1 {
			t.Fatalf("the next retro: step %s, review of %s: %+v", w.Step, w.Retro.ReviewOf, w.Retro.Review)
		}
		if rv := w.Retro.Review[0]; rv.ID != sol.ID || rv.ItemID != sol.ItemID || rv.ItemDone || rv.Status != "To do" || rv.Reviewed != "" {
			t.Errorf("under review: %+v", rv)
		}
		var item struct {
			Version int64 `json:"version"`
		}
		s.owner.Do(t, "GET", "/api/v1/teams/"+s.team+"/items/"+sol.ItemID, nil).JSON(t, &item)
		var statuses struct {
			Statuses []struct {
				ID       string `json:"id"`
				Category string `json:"category"`
			} `json:"statuses"`
		}
		s.owner.Do(t, "GET", "/api/v1/teams/"+s.team+"/statuses", nil).JSON(t, &statuses)
		done := ""
		for _, st := range statuses.Statuses {
			if st.Category == "done" {
				done = st.ID
			}
		}
		must(t, bo.Do(t, "POST", "/api/v1/teams/"+s.team+"/items/"+sol.ItemID+"/move", map[string]any{"version": item.Version, "status_id": done}),
			http.StatusOK, "bo finishes the solution's item")
		s.view(t, li, w.ID, &w)
		if rv := w.Retro.Review[0]; !rv.ItemDone || rv.Status != "Done" {
			t.Errorf("after the item was done: %+v", rv)
		}
		wantProblem(t, s.act(t, li, w.ID, map[string]any{"type": "reviewed", "target_id": sol.ID, "value": "maybe"}), "value", "a review verdict of maybe")
		wantProblem(t, s.act(t, li, w.ID, map[string]any{"type": "reviewed", "target_id": "nope", "value": "done"}), "target_id", "reviewing an unknown solution")
		s.do(t, li, w.ID, map[string]any{"type": "reviewed", "target_id": sol.ID, "value": "done"}, &w)
		if w.Retro.Review[0].Reviewed != "done" {
			t.Errorf("reviewed = %q", w.Retro.Review[0].Reviewed)
		}
		s.do(t, li, w.ID, map[string]any{"type": "next"}, &w)
		if w.Step != "tune_in_positive" {
			t.Errorf("after the review: step %s", w.Step)
		}
	})
}

func TestRetroAnonymous(t *testing.T) {
	engines(t, func(t *testing.T, env *apptest.Env) {
		s, v := retroSquad(t, env, map[string]any{"anonymous": true})
		ana, li, bo := s.members[0], s.members[1], s.members[2]
		id := v.ID
		live := env.Live(t, ana)
		if !live.Subscribe(wire.Room(s.team, id)) {
			t.Fatal("ana cannot subscribe to the room's channel")
		}
		s.do(t, ana, id, map[string]any{"type": "next"}, nil)
		texts := map[*apptest.Client]string{ana: "Ana liked the offsite", li: "Li liked the new laptop", bo: "Bo liked the pizza"}
		for _, c := range s.members {
			s.do(t, c, id, map[string]any{"type": "note", "text": texts[c]}, &v)
			if len(v.Retro.Notes) != 1 || !v.Retro.Notes[0].Mine || v.Retro.Notes[0].AuthorID != "" {
				t.Fatalf("the writer's own anonymous note: %+v", v.Retro.Notes)
			}
			s.do(t, c, id, map[string]any{"type": "edit_note", "target_id": v.Retro.Notes[0].ID, "text": texts[c] + "!"}, nil)
		}
		s.view(t, li, id, &v)
		if v.Retro.HiddenNotes != 2 || len(v.Retro.Writers) != 0 {
			t.Fatalf("li in an anonymous room sees %d hidden, writers %+v", v.Retro.HiddenNotes, v.Retro.Writers)
		}
		for _, c := range s.members {
			s.do(t, c, id, map[string]any{"type": "done"}, nil)
		}
		for _, c := range s.members {
			var seen retroRoom
			s.view(t, c, id, &seen)
			if len(seen.Retro.Notes) != 3 {
				t.Fatalf("after the reveal %s sees %v", c.Account.Email, seen.texts())
			}
			if raw := s.rawView(t, c, id); strings.Contains(raw, `"author_id"`) {
				t.Errorf("%s's view of an anonymous room has authors: %s", c.Account.Email, raw)
			}
		}

		// Neither the record nor the room's channel tells who wrote.
		events := roomEvents(t, live, s.team, id, "tune_in_problems")
		var feed struct {
			Entries []struct {
				ActorID    string `json:"actor_id"`
				EntityType string `json:"entity_type"`
				EntityID   string `json:"entity_id"`
				Action     string `json:"action"`
			} `json:"entries"`
		}
		s.owner.Do(t, "GET", "/api/v1/teams/"+s.team+"/activity?limit=200", nil).JSON(t, &feed)
		notes := 0
		for _, e := range feed.Entries {
			if e.EntityID == id && (e.Action == "note_added" || e.Action == "note_edited") {
				notes++
				if e.ActorID != "" {
					t.Errorf("the record names who wrote an anonymous note: %+v", e)
				}
			}
		}
		if notes != 6 {
			t.Errorf("%d note entries in the record, want 6", notes)
		}
		for _, ev := range live.Entities(wire.Room(s.team, id), "room", id) {
			if (ev.Entry.Action == "note_added" || ev.Entry.Action == "note_edited") && ev.Entry.ActorID != "" {
				t.Errorf("the room's channel names who wrote: %+v", ev.Entry)
			}
		}
		for _, secret := range texts {
			if strings.Contains(events, secret) || strings.Contains(s.activityText(t), secret) {
				t.Errorf("%q went out", secret)
			}
		}
	})
}

func TestRetroLeaveRestartTimer(t *testing.T) {
	engines(t, func(t *testing.T, env *apptest.Env) {
		s, v := retroSquad(t, env, map[string]any{})
		ana, li, bo := s.members[0], s.members[1], s.members[2]
		id := v.ID
		s.do(t, ana, id, map[string]any{"type": "next"}, nil)
		s.do(t, li, id, map[string]any{"type": "note", "text": "Li's secret"}, nil)
		s.do(t, li, id, map[string]any{"type": "done"}, nil)
		s.do(t, bo, id, map[string]any{"type": "note", "text": "Bo's secret"}, nil)

		// Li drops out and comes back: her note and her "done" are kept.
		s.do(t, li, id, map[string]any{"type": "leave"}, nil)
		if r := s.act(t, li, id, map[string]any{"type": "note", "text": "from outside"}); r.Status != http.StatusForbidden {
			t.Errorf("a note from outside the room = %d", r.Status)
		}
		s.do(t, li, id, map[string]any{"type": "join"}, &v)
		if v.Step != "write_positive" || !slices.Equal(v.texts(), []string{"Li's secret"}) || v.Retro.HiddenNotes != 1 || !slices.Contains(v.Retro.Done, li.Account.ID) {
			t.Fatalf("li back: step %s, notes %v, hidden %d, done %v", v.Step, v.texts(), v.Retro.HiddenNotes, v.Retro.Done)
		}

		// A restart mid-step loses nothing and shows nothing early.
		env.Restart(t)
		s.view(t, bo, id, &v)
		if v.Step != "write_positive" || !slices.Equal(v.texts(), []string{"Bo's secret"}) || v.Retro.HiddenNotes != 1 {
			t.Fatalf("after a restart bo sees step %s, notes %v, %d hidden", v.Step, v.texts(), v.Retro.HiddenNotes)
		}

		// Bo, the last writer but ana, leaves: the step waits for ana only;
		// when she is done it moves on.
		s.do(t, bo, id, map[string]any{"type": "leave"}, nil)
		s.do(t, ana, id, map[string]any{"type": "done"}, &v)
		if v.Step != "tune_in_problems" || len(v.Retro.Notes) != 2 {
			t.Fatalf("after everyone in the room was done: step %s, notes %v", v.Step, v.texts())
		}
		s.do(t, bo, id, map[string]any{"type": "join"}, nil)

		// A writing step's timer ends it.
		s.do(t, ana, id, map[string]any{"type": "next"}, nil)
		s.do(t, bo, id, map[string]any{"type": "note", "text": "Slow builds"}, nil)
		s.do(t, ana, id, map[string]any{"type": "timer", "seconds": 1}, &v)
		if v.Deadline == "" {
			t.Fatal("no deadline")
		}
		apptest.Eventually(t, "the timer to end the writing step", func() bool {
			v = retroRoom{} // decoding leaves fields the view omits as they were
			s.view(t, li, id, &v)
			return v.Step == "list"
		})
		if !slices.Contains(v.texts(), "Slow builds") || v.Deadline != "" {
			t.Errorf("after the timer: notes %v, deadline %q", v.texts(), v.Deadline)
		}
	})
}

func TestRetroSailboat(t *testing.T) {
	engines(t, func(t *testing.T, env *apptest.Env) {
		s, v := retroSquad(t, env, map[string]any{"template": "sailboat"})
		ana, li, bo := s.members[0], s.members[1], s.members[2]
		id := v.ID
		if v.Step != "write" || !v.Retro.Writing || v.Retro.Template != "sailboat" {
			t.Fatalf("new sailboat: step %s, template %s", v.Step, v.Retro.Template)
		}
		if r := ana.Do(t, "POST", "/api/v1/teams/"+s.team+"/rooms", map[string]any{"kind": "retro", "template": "kayak"}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("an unknown template = %d", r.Status)
		}

		// Bad notes name the field.
		wantProblem(t, s.act(t, li, id, map[string]any{"type": "note", "text": "Fog", "value": "clouds"}), "value", "an unknown column")
		wantProblem(t, s.act(t, li, id, map[string]any{"type": "note", "text": "Fog"}), "value", "a note without a column")
		wantProblem(t, s.act(t, li, id, map[string]any{"type": "note", "text": "   ", "value": "rocks"}), "text", "an empty note")
		wantProblem(t, s.act(t, li, id, map[string]any{"type": "note", "text": strings.Repeat("x", 501), "value": "rocks"}), "text", "a long note")
		wantProblem(t, s.act(t, li, id, map[string]any{"type": "note", "text": strings.Repeat("x", 2001), "value": "rocks"}), "text", "a very long note")
		wantProblem(t, s.act(t, li, id, map[string]any{"type": "dance"}), "type", "an unknown action")

		s.do(t, ana, id, map[string]any{"type": "note", "text": "New CI runners", "value": "wind"}, nil)
		s.do(t, li, id, map[string]any{"type": "note", "text": "Legacy billing module", "value": "anchors"}, nil)
		s.do(t, bo, id, map[string]any{"type": "note", "text": "Vendor API deprecation", "value": "rocks"}, nil)
		s.do(t, bo, id, map[string]any{"type": "note", "text": "Release 2.0", "value": "island"}, nil)
		for _, c := range s.members[:2] {
			s.do(t, c, id, map[string]any{"type": "done"}, nil)
		}
		s.view(t, ana, id, &v)
		if v.Step != "write" || !slices.Equal(v.texts(), []string{"New CI runners"}) {
			t.Fatalf("before bo is done ana sees %v in %s", v.texts(), v.Step)
		}
		s.do(t, bo, id, map[string]any{"type": "done"}, &v)
		if v.Step != "vote" || len(v.Retro.Notes) != 4 {
			t.Fatalf("after everyone was done: step %s, notes %v", v.Step, v.texts())
		}
		anchor, rock := v.noteID(t, "Legacy billing module"), v.noteID(t, "Vendor API deprecation")
		for _, c := range s.members {
			s.do(t, c, id, map[string]any{"type": "vote", "target_id": rock}, nil)
		}
		s.do(t, ana, id, map[string]any{"type": "vote", "target_id": anchor}, nil)
		s.do(t, ana, id, map[string]any{"type": "next"}, &v)
		if v.Step != "results" || len(v.Retro.Results) != 4 || v.Retro.Results[0].TargetID != rock || v.Retro.Results[0].Votes != 3 ||
			v.Retro.Results[1].TargetID != anchor || v.Retro.Results[1].Votes != 1 {
			t.Fatalf("sailboat results: %+v", v.Retro.Results)
		}
		s.do(t, ana, id, map[string]any{"type": "next"}, nil)
		s.do(t, ana, id, map[string]any{"type": "pick", "target_id": rock}, nil)
		s.do(t, li, id, map[string]any{"type": "solution", "text": "Migrate to the vendor's v2 API", "account_id": li.Account.ID, "target_id": rock}, &v)
		if len(v.Retro.Solutions) != 1 || v.Retro.Solutions[0].SprintID != "" {
			t.Fatalf("solutions = %+v", v.Retro.Solutions)
		}
		// No sprint is planned or active: the item waits in the product backlog.
		lane := s.boardLane(t, "none", "ceremonies")
		if len(lane) != 1 || lane[0].ID != v.Retro.Solutions[0].ItemID || !slices.Equal(lane[0].Assignees, []string{li.Account.ID}) {
			t.Fatalf("the backlog's ceremonies lane = %+v", lane)
		}
		s.do(t, ana, id, map[string]any{"type": "next"}, &v)
		if v.Step != "close" {
			t.Fatalf("step %s, want close", v.Step)
		}
		s.do(t, ana, id, map[string]any{"type": "finish"}, &v)
		if v.Status != "finished" {
			t.Errorf("status %s", v.Status)
		}
	})
}
