package sqlstore_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/sprint"
	"github.com/pamateam/pama/internal/sqlstore"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
)

// sprintFixture is a product with a sprint holding four items: two done
// (3 and 5 points), one in progress (2) and one to do (unestimated).
type sprintFixture struct {
	*fixture
	sprints *sprint.Service
	sp      sprint.Sprint
	items   []backlog.Item // done3, done5, doing2, todo
	status  []backlog.Status
}

func newSprintFixture(t *testing.T, s *sqlstore.Store) *sprintFixture {
	t.Helper()
	f := &sprintFixture{fixture: newFixture(t, s), sprints: sprint.NewService(s, nil)}
	var err error
	f.sp, err = f.sprints.Create(f.ctx, f.team, sprint.NewSprint{ProductID: f.product, StartDate: "2026-03-02", EndDate: "2026-03-13"})
	if err != nil {
		t.Fatal(err)
	}
	f.status, _ = f.svc.Statuses(f.ctx, f.team)
	pts := func(v float64) *float64 { return &v }
	for _, n := range []backlog.NewItem{
		{Title: "done3", Points: pts(3)}, {Title: "done5", Points: pts(5)}, {Title: "doing2", Points: pts(2)}, {Title: "todo"},
	} {
		n.SprintID = f.sp.ID
		f.items = append(f.items, f.create(t, n))
	}
	f.create(t, backlog.NewItem{Title: "in the backlog"})
	return f
}

// finish moves the fixture's items to their statuses once the sprint runs.
func (f *sprintFixture) finish(t *testing.T) {
	t.Helper()
	for i, st := range []int{3, 3, 1} {
		res, err := f.svc.MoveItem(f.ctx, f.team, f.items[i].ID, backlog.Move{Version: f.items[i].Version, StatusID: f.status[st].ID})
		if err != nil {
			t.Fatal(err)
		}
		f.items[i] = res.Item
	}
}

func TestSprintLifecycle(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newSprintFixture(t, s)
		if f.sp.Number != 1 || f.sp.Name != "Sprint 1" || f.sp.State != sprint.StatePlanned {
			t.Errorf("new sprint = %+v", f.sp)
		}
		started, err := f.sprints.Start(f.ctx, f.team, f.sp.ID, sprint.Start{Version: f.sp.Version, Goal: "Sign-in works"})
		if err != nil {
			t.Fatal(err)
		}
		if started.State != sprint.StateActive || started.Goal != "Sign-in works" || started.StartedAt.IsZero() ||
			started.CommittedItems != 4 || started.CommittedPoints != 10 {
			t.Errorf("started = %+v", started)
		}
		// One active sprint per product by default.
		second, _ := f.sprints.Create(f.ctx, f.team, sprint.NewSprint{ProductID: f.product, StartDate: "2026-03-16", EndDate: "2026-03-27"})
		if _, err := f.sprints.Start(f.ctx, f.team, second.ID, sprint.Start{Version: second.Version}); !errors.Is(err, sprint.ErrActiveExists) {
			t.Errorf("second active sprint: %v, want ErrActiveExists", err)
		}
		f.finish(t)
		if _, err := f.sprints.Complete(f.ctx, f.team, f.sp.ID, f.sp.Version, sprint.CarryToNext); !errors.Is(err, errkind.Conflict) {
			t.Errorf("complete with a stale version: %v", err)
		}
		c, err := f.sprints.Complete(f.ctx, f.team, f.sp.ID, started.Version, sprint.CarryToNext)
		if err != nil {
			t.Fatal(err)
		}
		if c.Sprint.State != sprint.StateCompleted || c.Sprint.CompletedItems != 2 || c.Sprint.CompletedPoints != 8 || c.Sprint.CarriedItems != 2 {
			t.Errorf("completed = %+v", c.Sprint)
		}
		if c.Next == nil || c.Next.ID != second.ID {
			t.Fatalf("carried to %+v, want the next planned sprint %s", c.Next, second.ID)
		}
		if diff := cmp.Diff([]string{f.items[2].ID, f.items[3].ID}, c.Carried); diff != "" {
			t.Errorf("carried (-want +got):\n%s", diff)
		}
		// Done items stay in the completed sprint; unfinished ones moved.
		wantSprint := []string{f.sp.ID, f.sp.ID, second.ID, second.ID}
		for i, it := range f.items {
			got, _ := f.svc.Item(f.ctx, f.team, it.ID)
			if got.SprintID != wantSprint[i] {
				t.Errorf("%s is in sprint %s, want %s", got.Title, got.SprintID, wantSprint[i])
			}
			if i >= 2 {
				hist, _ := f.svc.History(f.ctx, f.team, it.ID, 0, 20)
				if last := hist[len(hist)-1]; last.Action != "carried_over" || last.Changes[0].Field != "sprint_id" {
					t.Errorf("carry-over of %s recorded as %+v", got.Title, last)
				}
			}
		}
		// A completed sprint takes no items and no changes.
		if _, err := f.svc.UpdateItem(f.ctx, f.team, f.items[2].ID, f.items[2].Version+1, backlog.Patch{SprintID: &f.sp.ID}); !errors.Is(err, backlog.ErrSprintClosed) {
			t.Errorf("adding an item to a completed sprint: %v", err)
		}
		name := "renamed"
		if _, err := f.sprints.Update(f.ctx, f.team, f.sp.ID, c.Sprint.Version, sprint.Patch{Name: &name}); !errors.Is(err, sprint.ErrCompleted) {
			t.Errorf("renaming a completed sprint: %v", err)
		}
		// The next sprint can start now.
		if _, err := f.sprints.Start(f.ctx, f.team, second.ID, sprint.Start{Version: second.Version}); err != nil {
			t.Errorf("starting the next sprint: %v", err)
		}
		list, _ := f.sprints.List(f.ctx, f.team, f.product, "")
		var states []sprint.State
		for _, sp := range list {
			states = append(states, sp.State)
		}
		if diff := cmp.Diff([]sprint.State{sprint.StateCompleted, sprint.StateActive}, states); diff != "" {
			t.Errorf("states (-want +got):\n%s", diff)
		}
	})
}

func TestCarryOverChoices(t *testing.T) {
	tests := []struct {
		name      string
		to        func(f *sprintFixture) sprint.CarryTo
		wantNext  bool
		newSprint bool
	}{
		{"backlog", func(*sprintFixture) sprint.CarryTo { return sprint.CarryToBacklog }, false, false},
		{"next made when none planned", func(*sprintFixture) sprint.CarryTo { return sprint.CarryToNext }, true, true},
		{"a named sprint", func(f *sprintFixture) sprint.CarryTo {
			sp, _ := f.sprints.Create(f.ctx, f.team, sprint.NewSprint{ProductID: f.product, Name: "Later"})
			return sprint.CarryTo(sp.ID)
		}, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
				f := newSprintFixture(t, s)
				st, err := f.sprints.Start(f.ctx, f.team, f.sp.ID, sprint.Start{Version: f.sp.Version})
				if err != nil {
					t.Fatal(err)
				}
				f.finish(t)
				to := tc.to(f)
				c, err := f.sprints.Complete(f.ctx, f.team, f.sp.ID, st.Version, to)
				if err != nil {
					t.Fatal(err)
				}
				target := ""
				if tc.wantNext {
					if c.Next == nil {
						t.Fatal("no next sprint")
					}
					target = c.Next.ID
					if tc.newSprint && (c.Next.Number != 2 || c.Next.State != sprint.StatePlanned) {
						t.Errorf("made sprint = %+v", c.Next)
					}
				} else if c.Next != nil {
					t.Errorf("carried to the backlog but got next %+v", c.Next)
				}
				var want []string
				if target == "" {
					want = []string{"doing2", "todo", "in the backlog"}
					if diff := cmp.Diff(want, f.order(t, backlog.Filter{SprintID: backlog.SprintNone})); diff != "" {
						t.Errorf("backlog (-want +got):\n%s", diff)
					}
				} else {
					if diff := cmp.Diff([]string{"doing2", "todo"}, f.order(t, backlog.Filter{SprintID: target})); diff != "" {
						t.Errorf("next sprint (-want +got):\n%s", diff)
					}
				}
				if diff := cmp.Diff([]string{"done3", "done5"}, f.order(t, backlog.Filter{SprintID: f.sp.ID})); diff != "" {
					t.Errorf("completed sprint keeps (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestSprintRulesAndCapacity(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newSprintFixture(t, s)
		bare, _ := f.sprints.Create(f.ctx, f.team, sprint.NewSprint{ProductID: f.product})
		if _, err := f.sprints.Start(f.ctx, f.team, bare.ID, sprint.Start{Version: bare.Version}); !errors.Is(err, errkind.Invalid) {
			t.Errorf("starting without dates: %v", err)
		}
		if _, err := f.sprints.Create(f.ctx, f.team, sprint.NewSprint{ProductID: f.product, StartDate: "2026-03-10", EndDate: "2026-03-01"}); !errors.Is(err, errkind.Invalid) {
			t.Errorf("end before start: %v", err)
		}
		if _, err := f.sprints.Complete(f.ctx, f.team, bare.ID, bare.Version, sprint.CarryToBacklog); !errors.Is(err, sprint.ErrNotActive) {
			t.Errorf("completing a planned sprint: %v", err)
		}
		if _, err := f.sprints.Create(f.ctx, f.team, sprint.NewSprint{ProductID: "0190c0de-0000-7000-8000-000000000000"}); !errors.Is(err, errkind.NotFound) {
			t.Errorf("sprint in a missing product: %v", err)
		}
		// Parallel sprints when the team allows them.
		if _, err := f.svc.UpdateSettings(f.ctx, f.team, 0, true); err != nil {
			t.Fatal(err)
		}
		a, _ := f.sprints.Start(f.ctx, f.team, f.sp.ID, sprint.Start{Version: f.sp.Version})
		if _, err := f.sprints.Start(f.ctx, f.team, bare.ID, sprint.Start{Version: bare.Version, StartDate: "2026-03-02", EndDate: "2026-03-06"}); err != nil {
			t.Errorf("parallel sprint refused although allowed: %v", err)
		}
		if err := f.sprints.Delete(f.ctx, f.team, a.ID, a.Version); !errors.Is(err, sprint.ErrNotPlanned) {
			t.Errorf("deleting an active sprint: %v", err)
		}
		// Deleting a planned sprint sends its items to the backlog.
		p, _ := f.sprints.Create(f.ctx, f.team, sprint.NewSprint{ProductID: f.product})
		it := f.create(t, backlog.NewItem{Title: "planned work", SprintID: p.ID})
		if err := f.sprints.Delete(f.ctx, f.team, p.ID, p.Version); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.Item(f.ctx, f.team, it.ID); got.SprintID != "" {
			t.Errorf("item still in deleted sprint %s", got.SprintID)
		}
		if _, err := f.sprints.Sprint(f.ctx, f.team, p.ID); !errors.Is(err, errkind.NotFound) {
			t.Errorf("deleted sprint: %v", err)
		}

		caps := []sprint.Capacity{{AccountID: "bob", Days: 8, Points: 13}, {AccountID: "ann", Days: 10}}
		got, err := f.sprints.SetCapacity(f.ctx, f.team, a.ID, caps)
		if err != nil {
			t.Fatal(err)
		}
		want := []sprint.Capacity{{AccountID: "ann", Days: 10}, {AccountID: "bob", Days: 8, Points: 13}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("capacity (-want +got):\n%s", diff)
		}
		if _, err := f.sprints.SetCapacity(f.ctx, f.team, a.ID, []sprint.Capacity{{AccountID: "mallory", Days: 1}}); !errors.Is(err, errkind.Invalid) {
			t.Errorf("capacity of a non-member: %v", err)
		}
		if _, err := f.sprints.SetCapacity(f.ctx, f.team, a.ID, []sprint.Capacity{{AccountID: "ann", Days: -1}}); !errors.Is(err, errkind.Invalid) {
			t.Errorf("negative capacity: %v", err)
		}
		read, _ := f.sprints.Capacity(f.ctx, f.team, a.ID)
		if !slices.Equal(read, want) {
			t.Errorf("refused capacity changes leaked: %v", read)
		}
	})
}
