package report

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/sprint"
)

var testStatuses = []backlog.Status{
	{ID: "todo", Name: "To do", Category: backlog.CategoryTodo},
	{ID: "doing", Name: "Doing", Category: backlog.CategoryInProgress},
	{ID: "review", Name: "Review", Category: backlog.CategoryInProgress},
	{ID: "done", Name: "Done", Category: backlog.CategoryDone},
}

// history writes item entries the way the store does: the whole item on
// creation, activity.Diff of the item on every change.
type history struct {
	t       *testing.T
	entries []activity.Entry
	items   map[string]backlog.Item
}

func newHistory(t *testing.T) *history {
	return &history{t: t, items: map[string]backlog.Item{}}
}

func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func pts(v float64) *float64 { return &v }

func (h *history) add(when, id, action string, before, after any) {
	h.t.Helper()
	h.entries = append(h.entries, activity.Entry{Seq: int64(len(h.entries) + 1), At: at(h.t, when),
		EntityType: "item", EntityID: id, Action: action, Changes: activity.Diff(before, after)})
}

func (h *history) create(when string, it backlog.Item) {
	h.t.Helper()
	if it.ProductID == "" {
		it.ProductID = "prod"
	}
	if it.Kind == "" {
		it.Kind = backlog.KindStory
	}
	if it.StatusID == "" {
		it.StatusID = "todo"
	}
	it.StatusCategory = category(it.StatusID)
	it.Key, it.Title = "P-"+it.ID, "Item "+it.ID
	h.items[it.ID] = it
	h.add(when, it.ID, "created", nil, it)
}

func category(status string) backlog.Category {
	for _, st := range testStatuses {
		if st.ID == status {
			return st.Category
		}
	}
	return ""
}

func (h *history) change(when, id, action string, f func(*backlog.Item)) {
	h.t.Helper()
	before := h.items[id]
	after := before
	f(&after)
	after.StatusCategory = category(after.StatusID)
	h.items[id] = after
	h.add(when, id, action, before, after)
}

func (h *history) move(when, id, status string) {
	h.t.Helper()
	h.change(when, id, "moved", func(it *backlog.Item) { it.StatusID = status })
}

func (h *history) del(when, id string) {
	h.t.Helper()
	h.add(when, id, "deleted", h.items[id], nil)
	delete(h.items, id)
}

// sprintHistory is a five-day sprint (2 to 6 March 2026) that commits 10
// points in 3 items, gains an 8-point item, re-estimates one, sees a short
// lived item, completes two items and carries two over.
func sprintHistory(t *testing.T) (*history, sprint.Sprint) {
	h := newHistory(t)
	h.create("2026-02-27T10:00:00Z", backlog.Item{ID: "a", Points: pts(3)})
	h.create("2026-02-27T10:01:00Z", backlog.Item{ID: "b", Points: pts(5)})
	h.create("2026-02-27T10:02:00Z", backlog.Item{ID: "c", Points: pts(2)})
	h.create("2026-02-27T10:03:00Z", backlog.Item{ID: "other", Points: pts(13)}) // never in the sprint
	for _, id := range []string{"a", "b", "c"} {
		h.change("2026-03-01T12:00:00Z", id, "updated", func(it *backlog.Item) { it.SprintID = "s1" })
	}
	h.move("2026-03-02T10:00:00Z", "a", "doing")
	h.move("2026-03-03T15:00:00Z", "a", "done")
	h.create("2026-03-04T11:00:00Z", backlog.Item{ID: "d", Points: pts(8), SprintID: "s1"})
	h.change("2026-03-04T12:00:00Z", "b", "updated", func(it *backlog.Item) { it.Points = pts(3) })
	h.move("2026-03-04T13:00:00Z", "c", "review")
	h.move("2026-03-05T09:00:00Z", "c", "done")
	h.create("2026-03-05T10:00:00Z", backlog.Item{ID: "e", Points: pts(1), SprintID: "s1"})
	h.del("2026-03-05T11:00:00Z", "e")
	h.move("2026-03-06T09:00:00Z", "other", "done")
	// Completion carries the unfinished items over, at the sprint's completed_at.
	for _, id := range []string{"b", "d"} {
		h.change("2026-03-06T17:00:00Z", id, "carried_over", func(it *backlog.Item) { it.SprintID = "" })
	}
	sp := sprint.Sprint{ID: "s1", Name: "Sprint 1", State: sprint.StateCompleted, StartDate: "2026-03-02", EndDate: "2026-03-06",
		StartedAt: at(t, "2026-03-02T09:00:00Z"), CompletedAt: at(t, "2026-03-06T17:00:00Z"),
		CommittedPoints: 10, CommittedItems: 3}
	return h, sp
}

// measured is the measured part of a day, for comparing.
type measured struct {
	Date                   string
	Remaining, Done, Scope float64
	RemN, DoneN, ScopeN    int
	Ideal                  float64
	Measured               bool
}

func measure(days []BurnDay) []measured {
	var out []measured
	for _, d := range days {
		m := measured{Date: d.Date, Ideal: d.IdealRemainingPoints}
		if d.RemainingPoints != nil {
			m.Measured = true
			m.Remaining, m.Done, m.Scope = *d.RemainingPoints, *d.CompletedPoints, *d.ScopePoints
			m.RemN, m.DoneN, m.ScopeN = *d.RemainingItems, *d.CompletedItems, *d.ScopeItems
		}
		out = append(out, m)
	}
	return out
}

func TestBurndownReplaysTheRecordDayByDay(t *testing.T) {
	h, sp := sprintHistory(t)
	b := BurndownOf(sp, h.entries, testStatuses, time.UTC, at(t, "2026-03-10T12:00:00Z"))
	want := []measured{
		{Date: "2026-03-02", Remaining: 10, Done: 0, Scope: 10, RemN: 3, DoneN: 0, ScopeN: 3, Ideal: 8, Measured: true},
		{Date: "2026-03-03", Remaining: 7, Done: 3, Scope: 10, RemN: 2, DoneN: 1, ScopeN: 3, Ideal: 6, Measured: true},
		// d (8) joins, b drops from 5 to 3 points.
		{Date: "2026-03-04", Remaining: 13, Done: 3, Scope: 16, RemN: 3, DoneN: 1, ScopeN: 4, Ideal: 4, Measured: true},
		// c is done; e came and went the same day.
		{Date: "2026-03-05", Remaining: 11, Done: 5, Scope: 16, RemN: 2, DoneN: 2, ScopeN: 4, Ideal: 2, Measured: true},
		// The carried-over items still count on the last day.
		{Date: "2026-03-06", Remaining: 11, Done: 5, Scope: 16, RemN: 2, DoneN: 2, ScopeN: 4, Ideal: 0, Measured: true},
	}
	if diff := cmp.Diff(want, measure(b.Days)); diff != "" {
		t.Errorf("burndown (-want +got):\n%s", diff)
	}
	if b.CommittedPoints != 10 || b.TimeZone != "UTC" {
		t.Errorf("committed %v, zone %q", b.CommittedPoints, b.TimeZone)
	}
}

func TestBurndownOfAnActiveSprintStopsToday(t *testing.T) {
	h, sp := sprintHistory(t)
	sp.State, sp.CompletedAt = sprint.StateActive, time.Time{}
	b := BurndownOf(sp, h.entries, testStatuses, time.UTC, at(t, "2026-03-04T11:30:00Z"))
	got := measure(b.Days)
	if len(got) != 5 {
		t.Fatalf("days = %d, want the 5 planned ones", len(got))
	}
	// Today is measured up to now: d joined at 11:00, b is not re-estimated yet.
	if today := got[2]; !today.Measured || today.Scope != 18 || today.Remaining != 15 {
		t.Errorf("today = %+v", today)
	}
	if got[3].Measured || got[4].Measured || got[4].Ideal != 0 || got[3].Ideal != 2 {
		t.Errorf("days to come = %+v", got[3:])
	}

	// Past its end date, an active sprint runs on to today; the ideal stays at 0.
	late := BurndownOf(sp, h.entries, testStatuses, time.UTC, at(t, "2026-03-08T08:00:00Z"))
	got = measure(late.Days)
	if len(got) != 7 || got[6].Date != "2026-03-08" || !got[6].Measured || got[6].Ideal != 0 || got[6].ScopeN != 2 {
		t.Errorf("late sprint days = %+v", got)
	}
}

func TestBurndownCountsDaysInTheTeamTimeZone(t *testing.T) {
	h, sp := sprintHistory(t)
	auckland, err := time.LoadLocation("Pacific/Auckland") // UTC+13 in March
	if err != nil {
		t.Fatal(err)
	}
	// a is done at 15:00 UTC on the 3rd: the 3rd in UTC, the 4th (04:00) in Auckland.
	utc := measure(BurndownOf(sp, h.entries, testStatuses, time.UTC, at(t, "2026-03-10T00:00:00Z")).Days)
	nz := measure(BurndownOf(sp, h.entries, testStatuses, auckland, at(t, "2026-03-10T00:00:00Z")).Days)
	if utc[1].Date != "2026-03-03" || utc[1].DoneN != 1 {
		t.Errorf("UTC 3 March = %+v", utc[1])
	}
	if nz[1].Date != "2026-03-03" || nz[1].DoneN != 0 || nz[2].DoneN != 1 {
		t.Errorf("Auckland 3 and 4 March = %+v, %+v", nz[1], nz[2])
	}
}

func TestBurndownOfAPlannedSprintHasOnlyTheIdealLine(t *testing.T) {
	h := newHistory(t)
	h.create("2026-03-01T10:00:00Z", backlog.Item{ID: "a", Points: pts(4), SprintID: "s2"})
	h.create("2026-03-01T10:00:00Z", backlog.Item{ID: "b", Points: pts(2), SprintID: "s2"})
	sp := sprint.Sprint{ID: "s2", State: sprint.StatePlanned, StartDate: "2026-03-09", EndDate: "2026-03-11"}
	b := BurndownOf(sp, h.entries, testStatuses, time.UTC, at(t, "2026-03-02T00:00:00Z"))
	got := measure(b.Days)
	want := []measured{{Date: "2026-03-09", Ideal: 4}, {Date: "2026-03-10", Ideal: 2}, {Date: "2026-03-11", Ideal: 0}}
	if diff := cmp.Diff(want, got); diff != "" || b.CommittedPoints != 6 || b.CommittedItems != 2 {
		t.Errorf("planned sprint (-want +got):\n%s\ncommitted %v/%d", diff, b.CommittedPoints, b.CommittedItems)
	}
	// Without dates there is nothing to draw.
	sp.StartDate, sp.EndDate = "", ""
	if b := BurndownOf(sp, h.entries, testStatuses, time.UTC, time.Now()); len(b.Days) != 0 {
		t.Errorf("undated sprint days = %+v", b.Days)
	}
}

func TestCumulativeFlow(t *testing.T) {
	h, _ := sprintHistory(t)
	h.create("2026-03-02T08:00:00Z", backlog.Item{ID: "epic", Kind: backlog.KindEpic})
	h.create("2026-03-02T08:00:00Z", backlog.Item{ID: "elsewhere", ProductID: "prod2"})
	rg, err := ParseRange("2026-03-01", "2026-03-07", time.UTC, at(t, "2026-03-06T12:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	f := FlowOf("prod", h.entries, testStatuses, rg, at(t, "2026-03-06T12:00:00Z"))
	type counts struct {
		Date                   string
		Todo, InProgress, Done int
		Doing, Review          int
	}
	var got []counts
	for _, d := range f.Days {
		got = append(got, counts{d.Date, d.Todo, d.InProgress, d.Done, d.ByStatus["doing"], d.ByStatus["review"]})
	}
	want := []counts{
		{"2026-03-01", 4, 0, 0, 0, 0},
		{"2026-03-02", 3, 1, 0, 1, 0},
		{"2026-03-03", 3, 0, 1, 0, 0},
		{"2026-03-04", 3, 1, 1, 0, 1}, // d added, c in review
		{"2026-03-05", 3, 0, 2, 0, 0}, // e added and deleted
		{"2026-03-06", 2, 0, 3, 0, 0}, // today, up to noon: other is done
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("flow (-want +got):\n%s", diff)
	}
	if len(f.Statuses) != 4 || f.Statuses[1].Name != "Doing" {
		t.Errorf("statuses = %+v", f.Statuses)
	}
}

func TestCycleTimeAndEstimation(t *testing.T) {
	h, _ := sprintHistory(t)
	// f goes round twice: its last completion counts, from its first start.
	h.create("2026-03-01T00:00:00Z", backlog.Item{ID: "f", Points: pts(3)})
	h.move("2026-03-01T00:00:00Z", "f", "doing")
	h.move("2026-03-04T00:00:00Z", "f", "done")
	h.move("2026-03-05T00:00:00Z", "f", "doing")
	h.move("2026-03-06T00:00:00Z", "f", "done")
	// g has no estimate; h was done before the range.
	h.create("2026-02-01T00:00:00Z", backlog.Item{ID: "g", StatusID: "doing"})
	h.move("2026-03-02T12:00:00Z", "g", "done")
	h.create("2026-02-01T00:00:00Z", backlog.Item{ID: "h", StatusID: "doing", Points: pts(1)})
	h.move("2026-02-10T00:00:00Z", "h", "done")

	rg, err := ParseRange("2026-03-01", "2026-03-06", time.UTC, at(t, "2026-03-10T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	ct := CycleTimesOf("prod", h.entries, testStatuses, rg)
	type row struct {
		ID     string
		Days   float64
		Points float64
	}
	var got []row
	for _, c := range ct.Items {
		p := -1.0
		if c.Points != nil {
			p = *c.Points
		}
		got = append(got, row{c.ItemID, c.Days, p})
	}
	want := []row{
		{"g", 29.5, -1},     // 1 Feb 00:00 to 2 Mar 12:00
		{"a", 29.0 / 24, 3}, // 2 Mar 10:00 to 3 Mar 15:00
		{"c", 20.0 / 24, 2}, // review 4 Mar 13:00 to done 5 Mar 09:00
		{"f", 5, 3},         // first start 1 Mar to last done 6 Mar
	} // other went straight from to do to done: it has no cycle time
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cycle times (-want +got):\n%s", diff)
	}
	if ct.NotStarted != 1 || ct.Count != 4 {
		t.Errorf("not started %d, count %d", ct.NotStarted, ct.Count)
	}
	// Sorted: 20/24, 29/24, 5, 29.5.
	if want := (Percentiles{P50: 29.0 / 24, P85: 29.5, P95: 29.5}); ct.Percentiles != want {
		t.Errorf("percentiles = %+v, want %+v", ct.Percentiles, want)
	}

	e := EstimationOf(ct)
	wantGroups := []EstimateGroup{
		{Points: 2, Count: 1, MedianDays: 20.0 / 24, P85Days: 20.0 / 24, MinDays: 20.0 / 24, MaxDays: 20.0 / 24},
		{Points: 3, Count: 2, MedianDays: (29.0/24 + 5) / 2, P85Days: 5, MinDays: 29.0 / 24, MaxDays: 5},
	}
	if diff := cmp.Diff(wantGroups, e.Groups); diff != "" || e.Unestimated != 1 || len(e.Items) != 3 {
		t.Errorf("estimation (-want +got):\n%s\nunestimated %d, items %d", diff, e.Unestimated, len(e.Items))
	}
}

func TestRetroActions(t *testing.T) {
	retro := &backlog.Origin{Ceremony: backlog.CeremonyRetrospective}
	h := newHistory(t)
	// Sprint 1 runs 2 to 13 March, sprint 2 from 16 March.
	sprints := []sprint.Sprint{
		{ID: "s1", Number: 1, Name: "Sprint 1", StartedAt: at(t, "2026-03-02T09:00:00Z")},
		{ID: "s2", Number: 2, Name: "Sprint 2", StartedAt: at(t, "2026-03-16T09:00:00Z")},
		{ID: "s3", Number: 3, Name: "Sprint 3"}, // planned: never started
	}
	h.create("2026-03-13T15:00:00Z", backlog.Item{ID: "r1", Origin: retro})
	h.create("2026-03-13T15:01:00Z", backlog.Item{ID: "r2", Origin: retro})
	h.create("2026-03-13T15:02:00Z", backlog.Item{ID: "r3", Origin: retro})
	h.create("2026-03-13T15:03:00Z", backlog.Item{ID: "plain"})
	h.create("2026-03-01T10:00:00Z", backlog.Item{ID: "r0", Origin: retro}) // before any sprint
	h.move("2026-03-17T10:00:00Z", "r1", "done")
	h.move("2026-03-18T10:00:00Z", "r2", "doing")
	h.del("2026-03-19T10:00:00Z", "r3")
	h.create("2026-03-20T10:00:00Z", backlog.Item{ID: "r4", Origin: retro})
	h.move("2026-03-20T11:00:00Z", "r4", "done")

	rg, err := ParseRange("2026-03-09", "2026-03-22", time.UTC, at(t, "2026-03-25T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	ra := RetroActionsOf("prod", h.entries, testStatuses, sprints, rg, at(t, "2026-03-25T00:00:00Z"))
	if ra.Created != 4 || ra.Done != 2 || ra.Open != 1 || ra.Deleted != 1 {
		t.Errorf("totals = %d created, %d done, %d open, %d deleted", ra.Created, ra.Done, ra.Open, ra.Deleted)
	}
	wantSprints := []RetroSprint{
		{SprintID: "s1", Number: 1, Name: "Sprint 1", Created: 3, Done: 1, Open: 1},
		{SprintID: "s2", Number: 2, Name: "Sprint 2", Created: 1, Done: 1, Open: 0},
	}
	if diff := cmp.Diff(wantSprints, ra.Sprints); diff != "" {
		t.Errorf("per sprint (-want +got):\n%s", diff)
	}
	wantWeeks := []RetroWeek{
		{Week: "2026-03-09", Created: 3, Done: 0, Open: 4}, // r0 to r3
		{Week: "2026-03-16", Created: 1, Done: 2, Open: 2}, // r0 and r2
	}
	if diff := cmp.Diff(wantWeeks, ra.Weeks); diff != "" {
		t.Errorf("weeks (-want +got):\n%s", diff)
	}
	if len(ra.Items) != 4 || ra.Items[0].ItemID != "r1" || ra.Items[0].DoneAt == nil || !ra.Items[2].Deleted {
		t.Errorf("items = %+v", ra.Items)
	}
}

func TestParseRange(t *testing.T) {
	now := at(t, "2026-03-10T23:30:00Z")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	r, err := ParseRange("", "", berlin, now)
	if err != nil {
		t.Fatal(err)
	}
	// 23:30 UTC is already the 11th in Berlin.
	if r.Last.Format(dateLayout) != "2026-03-11" || r.Days() != DefaultDays {
		t.Errorf("default range = %s to %s (%d days)", r.First.Format(dateLayout), r.Last.Format(dateLayout), r.Days())
	}
	// Across the change to summer time (29 March) days are still days.
	if r, err := ParseRange("2026-03-28", "2026-03-30", berlin, now); err != nil || r.Days() != 3 || r.End().Format(time.RFC3339) != "2026-03-31T00:00:00+02:00" {
		t.Errorf("range over DST = %d days, end %s, %v", r.Days(), r.End(), err)
	}
	for _, c := range []struct{ from, to, field string }{
		{"2026-3-1", "", "query.from"},
		{"", "yesterday", "query.to"},
		{"2026-03-05", "2026-03-04", "query.from"},
		{"2025-01-01", "2026-03-01", "query.from"},
	} {
		_, err := ParseRange(c.from, c.to, time.UTC, now)
		if fe := (*errkind.FieldError)(nil); !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("ParseRange(%q, %q) = %v, want an error on %s", c.from, c.to, err, c.field)
		}
	}
	if _, err := ParseRange("2025-03-02", "2026-03-02", time.UTC, now); err != nil {
		t.Errorf("366 days: %v", err)
	}
}
