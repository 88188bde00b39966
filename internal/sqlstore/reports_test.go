package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/report"
	"github.com/pamateam/pama/internal/sprint"
	"github.com/pamateam/pama/internal/sqlstore"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
)

// reportFixture is a team whose store writes at the time its clock says.
type reportFixture struct {
	*fixture
	sprints  *sprint.Service
	statuses map[backlog.Category]string
	clock    time.Time
}

func newReportFixture(t testing.TB, s *sqlstore.Store, tz string, start time.Time) *reportFixture {
	t.Helper()
	team := s.NewTeamForTest(t, "ann")
	s.SettingsForTest(t, team, tz)
	f := &reportFixture{fixture: &fixture{s: s, svc: backlog.NewService(s, nil), team: team,
		product: s.NewProductForTest(t, team, "REP"), ctx: activity.WithActor(context.Background(), "ann")},
		sprints: sprint.NewService(s, nil), statuses: map[backlog.Category]string{}, clock: start}
	s.SetClock(func() time.Time { return f.clock })
	t.Cleanup(func() { s.SetClock(time.Now) })
	list, err := f.svc.Statuses(f.ctx, team)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range list {
		if f.statuses[st.Category] == "" {
			f.statuses[st.Category] = st.ID
		}
	}
	return f
}

func (f *reportFixture) at(t testing.TB, when string) {
	t.Helper()
	v, err := time.Parse(time.RFC3339, when)
	if err != nil {
		t.Fatal(err)
	}
	f.clock = v
}

func (f *reportFixture) item(t testing.TB, points float64, sprintID string) backlog.Item {
	t.Helper()
	it, err := f.svc.CreateItem(f.ctx, f.team, backlog.NewItem{ProductID: f.product, Kind: backlog.KindStory,
		Title: "Story", Points: &points, SprintID: sprintID})
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func (f *reportFixture) move(t testing.TB, it *backlog.Item, cat backlog.Category) {
	t.Helper()
	res, err := f.svc.MoveItem(f.ctx, f.team, it.ID, backlog.Move{Version: it.Version, StatusID: f.statuses[cat]})
	if err != nil {
		t.Fatal(err)
	}
	*it = res.Item
}

// TestReportsFromTheStore lays down a sprint's history at chosen times and
// reads its burndown, and the product's cycle time, through the store.
func TestReportsFromTheStore(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newReportFixture(t, s, "America/New_York", time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC))
		sp, err := f.sprints.Create(f.ctx, f.team, sprint.NewSprint{ProductID: f.product, StartDate: "2026-03-02", EndDate: "2026-03-04"})
		if err != nil {
			t.Fatal(err)
		}
		a := f.item(t, 5, sp.ID)
		b := f.item(t, 3, sp.ID)
		outside := f.item(t, 13, "")
		other := s.NewProductForTest(t, f.team, "OTH")
		if _, err := f.svc.CreateItem(f.ctx, f.team, backlog.NewItem{ProductID: other, Kind: backlog.KindStory, Title: "Elsewhere"}); err != nil {
			t.Fatal(err)
		}
		f.at(t, "2026-03-02T14:00:00Z")
		if sp, err = f.sprints.Start(f.ctx, f.team, sp.ID, sprint.Start{Version: sp.Version}); err != nil {
			t.Fatal(err)
		}
		f.at(t, "2026-03-02T15:00:00Z")
		f.move(t, &a, backlog.CategoryInProgress)
		// 02:00 UTC on the 3rd is still the 2nd in New York.
		f.at(t, "2026-03-03T02:00:00Z")
		f.move(t, &a, backlog.CategoryDone)
		f.at(t, "2026-03-03T16:00:00Z")
		c := f.item(t, 2, sp.ID)
		f.at(t, "2026-03-04T20:00:00Z")
		if _, err := f.sprints.Complete(f.ctx, f.team, sp.ID, sp.Version, sprint.CarryToBacklog); err != nil {
			t.Fatal(err)
		}
		f.at(t, "2026-03-05T10:00:00Z")
		if b, err = s.Item(f.ctx, f.team, b.ID); err != nil { // carried over since
			t.Fatal(err)
		}
		f.move(t, &b, backlog.CategoryDone) // after the sprint: not in its burndown

		// The sprint's items, and only those, oldest first.
		entries, err := s.ItemActivity(f.ctx, f.team, report.ItemQuery{Mentions: sp.ID})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for i, e := range entries {
			seen[e.EntityID] = true
			if i > 0 && e.Seq <= entries[i-1].Seq {
				t.Errorf("entries out of order at %d", i)
			}
		}
		if len(seen) != 3 || !seen[a.ID] || !seen[b.ID] || !seen[c.ID] {
			t.Errorf("sprint items = %v", seen)
		}
		// Of the product, created there; before a time, what came before.
		entries, err = s.ItemActivity(f.ctx, f.team, report.ItemQuery{Mentions: f.product, CreatedOnly: true,
			Before: time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !e.At.Before(time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)) || e.EntityType != "item" {
				t.Errorf("entry %+v is not before the 3rd", e)
			}
		}
		if got := len(entries); got != 4 || entries[2].EntityID != outside.ID { // a, b and outside created; a into progress
			t.Errorf("product entries before the 3rd = %d, want 4", got)
		}

		svc := report.NewService(s, nil, func() time.Time { return time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC) })
		bd, err := svc.Burndown(f.ctx, f.team, sp.ID)
		if err != nil {
			t.Fatal(err)
		}
		type day struct {
			Date             string
			Remaining, Scope float64
		}
		var got []day
		for _, d := range bd.Days {
			got = append(got, day{d.Date, *d.RemainingPoints, *d.ScopePoints})
		}
		want := []day{{"2026-03-02", 3, 8}, {"2026-03-03", 5, 10}, {"2026-03-04", 5, 10}}
		if fmt.Sprint(got) != fmt.Sprint(want) || bd.TimeZone != "America/New_York" || bd.CommittedPoints != 8 {
			t.Errorf("burndown = %v (%s, committed %v), want %v", got, bd.TimeZone, bd.CommittedPoints, want)
		}

		ct, err := svc.CycleTime(f.ctx, f.team, f.product, "2026-03-01", "2026-03-10")
		if err != nil {
			t.Fatal(err)
		}
		if ct.Count != 1 || ct.NotStarted != 1 || ct.Items[0].ItemID != a.ID || ct.Items[0].Days != 11.0/24 {
			t.Errorf("cycle time = %+v", ct)
		}
		if _, err := svc.Burndown(f.ctx, f.team, "no-such-sprint"); err == nil {
			t.Error("burndown of no sprint")
		}
	})
}
