package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/sqlstore"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
)

// fixture is a team with members and a product, and the services on a store.
type fixture struct {
	s       *sqlstore.Store
	svc     *backlog.Service
	team    string
	product string
	ctx     context.Context
}

func newFixture(t *testing.T, s *sqlstore.Store) *fixture {
	t.Helper()
	team := s.NewTeamForTest(t, "ann", "bob", "cy")
	return &fixture{s: s, svc: backlog.NewService(s, nil), team: team,
		product: s.NewProductForTest(t, team, "PAMA"), ctx: activity.WithActor(context.Background(), "ann")}
}

func (f *fixture) create(t *testing.T, n backlog.NewItem) backlog.Item {
	t.Helper()
	if n.ProductID == "" {
		n.ProductID = f.product
	}
	if n.Kind == "" {
		n.Kind = backlog.KindStory
	}
	it, err := f.svc.CreateItem(f.ctx, f.team, n)
	if err != nil {
		t.Fatalf("create %q: %v", n.Title, err)
	}
	return it
}

// order returns the titles of the product's items in backlog order, reading
// every page.
func (f *fixture) order(t *testing.T, filter backlog.Filter) []string {
	t.Helper()
	var out []string
	q := backlog.Query{ProductID: f.product, Filter: filter, Limit: 7}
	for {
		p, err := f.svc.Search(f.ctx, f.team, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			out = append(out, it.Title)
		}
		if p.NextCursor == "" {
			return out
		}
		q.Cursor = p.NextCursor
	}
}

func titles(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", prefix, i)
	}
	return out
}

func TestCreateItemNumbersKeysAndOrder(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		var items []backlog.Item
		for _, title := range titles("item ", 20) {
			items = append(items, f.create(t, backlog.NewItem{Title: title}))
		}
		for i, it := range items {
			if it.Number != int64(i+1) || it.Key != fmt.Sprintf("PAMA-%d", i+1) || it.Version != 1 {
				t.Errorf("item %d: number %d, key %q, version %d", i, it.Number, it.Key, it.Version)
			}
			if it.StatusCategory != backlog.CategoryTodo || it.CreatedBy != "ann" || it.TeamID != f.team {
				t.Errorf("item %d: %+v", i, it)
			}
		}
		if diff := cmp.Diff(titles("item ", 20), f.order(t, backlog.Filter{})); diff != "" {
			t.Errorf("backlog order (-want +got):\n%s", diff)
		}
		top := f.create(t, backlog.NewItem{Title: "urgent", Position: backlog.Position{Top: true}})
		if got := f.order(t, backlog.Filter{})[0]; got != "urgent" {
			t.Errorf("first item = %q, want the one created at the top", got)
		}
		byKey, err := f.svc.Item(f.ctx, f.team, "pama-21")
		if err != nil || byKey.ID != top.ID {
			t.Errorf("Item(pama-21) = %v, %v; want %s", byKey.ID, err, top.ID)
		}
		other := s.NewProductForTest(t, f.team, "OPS")
		o := f.create(t, backlog.NewItem{ProductID: other, Title: "other product"})
		if o.Key != "OPS-1" {
			t.Errorf("first item of another product has key %q", o.Key)
		}
		if _, err := f.svc.CreateItem(f.ctx, f.team, backlog.NewItem{ProductID: "nope", Kind: backlog.KindTask, Title: "x"}); !errors.Is(err, errkind.NotFound) {
			t.Errorf("create in a missing product: %v, want not found", err)
		}
	})
}

func TestItemFieldsRoundTrip(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		pts := 5.0
		in := backlog.NewItem{Kind: backlog.KindBug, Title: "Crash on save", Description: "Steps:\n\n1. **save**",
			Criteria: []backlog.Criterion{{Text: "no crash"}, {Text: "error shown", Done: true}}, Points: &pts,
			Assignees: []string{"bob", "cy"}, Labels: []string{"Crash", "ui"}, Priority: backlog.PriorityHigh,
			DueDate: "2026-05-01", Origin: &backlog.Origin{Ceremony: backlog.CeremonyDaily, SessionID: "d-1"}}
		created := f.create(t, in)
		got, err := f.svc.Item(f.ctx, f.team, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(created, got); diff != "" {
			t.Errorf("read back (-created +read):\n%s", diff)
		}
		if !strings.Contains(got.DescriptionHTML, "<strong>save</strong>") {
			t.Errorf("description_html = %q", got.DescriptionHTML)
		}
		if got.Origin == nil || got.Origin.Ceremony != backlog.CeremonyDaily || *got.Points != 5 || got.DueDate != "2026-05-01" {
			t.Errorf("fields lost: %+v", got)
		}
		_, err = f.svc.CreateItem(f.ctx, f.team, backlog.NewItem{ProductID: f.product, Kind: backlog.KindTask, Title: "x", Assignees: []string{"stranger"}})
		var fe *errkind.FieldError
		if !errors.As(err, &fe) || fe.Field != "assignees.0" {
			t.Errorf("assigning a non-member: %v, want a field error on assignees.0", err)
		}
	})
}

func TestMovesReorderAndWriteOneRow(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		ids := map[string]backlog.Item{}
		for _, title := range []string{"a", "b", "c", "d", "e"} {
			ids[title] = f.create(t, backlog.NewItem{Title: title})
		}
		steps := []struct {
			item string
			pos  func() backlog.Position
			want string
		}{
			{"e", func() backlog.Position { return backlog.Position{Top: true} }, "eabcd"},
			{"e", func() backlog.Position { return backlog.Position{Bottom: true} }, "abcde"},
			{"a", func() backlog.Position { return backlog.Position{AfterID: ids["c"].ID} }, "bcade"},
			{"d", func() backlog.Position { return backlog.Position{BeforeID: ids["b"].ID} }, "dbcae"},
			{"c", func() backlog.Position { return backlog.Position{AfterID: ids["e"].ID} }, "dbaec"},
			{"b", func() backlog.Position { return backlog.Position{BeforeID: ids["a"].ID} }, "dbaec"},
		}
		for _, st := range steps {
			before := s.RanksForTest(t, f.team, f.product)
			it := ids[st.item]
			res, err := f.svc.MoveItem(f.ctx, f.team, it.ID, backlog.Move{Version: it.Version, Position: st.pos()})
			if err != nil {
				t.Fatalf("move %s: %v", st.item, err)
			}
			ids[st.item] = res.Item
			if got := strings.Join(f.order(t, backlog.Filter{}), ""); got != st.want {
				t.Errorf("after moving %s: order %s, want %s", st.item, got, st.want)
			}
			after := s.RanksForTest(t, f.team, f.product)
			for id, rv := range after {
				if id != it.ID && rv != before[id] {
					t.Errorf("moving %s changed another row %s: %v -> %v", st.item, id, before[id], rv)
				}
			}
			want := it.Version + 1
			if res.Item.Rank == it.Rank {
				want = it.Version // dropped where it was: nothing written
			}
			if after[it.ID][1].(int64) != want || res.Item.Version != want {
				t.Errorf("moved item version %v, want %d", after[it.ID][1], want)
			}
		}
		a := ids["a"]
		if _, err := f.svc.MoveItem(f.ctx, f.team, a.ID, backlog.Move{Version: a.Version, Position: backlog.Position{AfterID: a.ID}}); err == nil {
			t.Error("an item was moved after itself")
		}
	})
}

// Random drags through the store keep its order equal to a model of what the
// user did, including when one gap is hammered until the product's ranks
// are spread again.
func TestRandomMovesMatchModel(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		rng := rand.New(rand.NewPCG(7, 11))
		var model []backlog.Item
		for _, title := range titles("i", 25) {
			model = append(model, f.create(t, backlog.NewItem{Title: title}))
		}
		moves := 250
		if testing.Short() {
			moves = 60
		}
		for step := range moves {
			from := rng.IntN(len(model))
			it := model[from]
			rest := slices.Delete(slices.Clone(model), from, from+1)
			to := rng.IntN(len(rest) + 1)
			if step%3 == 0 {
				to = 1 // hammer the gap after the first item
			}
			var pos backlog.Position
			switch {
			case to == 0:
				pos.Top = true
			case to == len(rest):
				pos.Bottom = true
			case rng.IntN(2) == 0:
				pos.AfterID = rest[to-1].ID
			default:
				pos.BeforeID = rest[to].ID
			}
			res, err := f.svc.MoveItem(f.ctx, f.team, it.ID, backlog.Move{Version: it.Version, Position: pos})
			if err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
			model = slices.Insert(rest, to, res.Item)
			if len(res.Item.Rank) > backlog.MaxRankLen {
				t.Fatalf("step %d: rank %q longer than %d", step, res.Item.Rank, backlog.MaxRankLen)
			}
		}
		var want []string
		for _, it := range model {
			want = append(want, it.Title)
		}
		if diff := cmp.Diff(want, f.order(t, backlog.Filter{})); diff != "" {
			t.Errorf("store order differs from the model (-model +store):\n%s", diff)
		}
	})
}

func TestRebalanceKeepsOrder(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		first := f.create(t, backlog.NewItem{Title: "first"})
		last := f.create(t, backlog.NewItem{Title: "last"})
		_ = last
		// Every new item goes right after "first": the gap halves each time.
		want := []string{"first"}
		for i := range 150 {
			title := fmt.Sprintf("n%03d", i)
			f.create(t, backlog.NewItem{Title: title, Position: backlog.Position{AfterID: first.ID}})
			want = slices.Insert(want, 1, title)
		}
		want = append(want, "last")
		if diff := cmp.Diff(want, f.order(t, backlog.Filter{})); diff != "" {
			t.Errorf("order after many inserts into one gap (-want +got):\n%s", diff)
		}
		feed, err := s.ActivityFeed(f.ctx, f.team, 0, 500)
		if err != nil {
			t.Fatal(err)
		}
		rebalanced := slices.ContainsFunc(feed, func(e activity.Entry) bool { return e.Action == "rebalanced" })
		if !rebalanced {
			t.Error("150 inserts into one gap never spread the ranks")
		}
		for id, rv := range s.RanksForTest(t, f.team, f.product) {
			if r := rv[0].(string); len(r) > backlog.MaxRankLen || !backlog.ValidRank(r) {
				t.Errorf("item %s has rank %q", id, r)
			}
		}
	})
}

func TestStaleVersionConflicts(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		it := f.create(t, backlog.NewItem{Title: "shared"})
		title := "first edit"
		won, err := f.svc.UpdateItem(f.ctx, f.team, it.ID, it.Version, backlog.Patch{Title: &title})
		if err != nil {
			t.Fatal(err)
		}
		stale := "second edit"
		_, err = f.svc.UpdateItem(f.ctx, f.team, it.ID, it.Version, backlog.Patch{Title: &stale})
		var vc *errkind.VersionConflict
		if !errors.As(err, &vc) {
			t.Fatalf("stale update: %v, want a version conflict", err)
		}
		cur, ok := vc.Current.(backlog.Item)
		if vc.Version != won.Version || !ok || cur.Title != "first edit" || cur.Version != won.Version {
			t.Errorf("conflict = version %d, current %+v; want the winner at %d", vc.Version, vc.Current, won.Version)
		}
		if _, err := f.svc.MoveItem(f.ctx, f.team, it.ID, backlog.Move{Version: it.Version, Position: backlog.Position{Top: true}}); !errors.As(err, &vc) {
			t.Errorf("stale move: %v, want a version conflict", err)
		}
		if err := f.svc.DeleteItem(f.ctx, f.team, it.ID, it.Version); !errors.As(err, &vc) {
			t.Errorf("stale delete: %v, want a version conflict", err)
		}
	})
}

// Many writers editing the same version at once: exactly one wins and every
// other gets a conflict that shows the winner.
func TestConcurrentEditsOneWins(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		it := f.create(t, backlog.NewItem{Title: "contested"})
		const writers = 8
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				title := fmt.Sprintf("writer %d", i)
				_, errs[i] = f.svc.UpdateItem(f.ctx, f.team, it.ID, it.Version, backlog.Patch{Title: &title})
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			var vc *errkind.VersionConflict
			switch {
			case err == nil:
				wins++
			case errors.As(err, &vc):
				if vc.Version != it.Version+1 {
					t.Errorf("conflict names version %d, want %d", vc.Version, it.Version+1)
				}
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if wins != 1 {
			t.Errorf("%d writers won, want exactly 1", wins)
		}
	})
}

// Concurrent drags into the same gap all succeed (PostgreSQL retries the
// ones that computed a taken rank) and leave a strict order.
func TestConcurrentMovesAllLand(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		var items []backlog.Item
		for _, title := range titles("c", 12) {
			items = append(items, f.create(t, backlog.NewItem{Title: title}))
		}
		var wg sync.WaitGroup
		errs := make([]error, len(items)-2)
		for i := 2; i < len(items); i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i-2] = f.svc.MoveItem(f.ctx, f.team, items[i].ID,
					backlog.Move{Version: items[i].Version, Position: backlog.Position{AfterID: items[0].ID}})
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Errorf("concurrent move: %v", err)
			}
		}
		got := f.order(t, backlog.Filter{})
		if len(got) != len(items) || got[0] != "c00" || got[len(got)-1] != "c01" {
			t.Errorf("order after concurrent moves: %v", got)
		}
	})
}

func TestParentRules(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		epic := f.create(t, backlog.NewItem{Kind: backlog.KindEpic, Title: "epic"})
		story := f.create(t, backlog.NewItem{Kind: backlog.KindStory, Title: "story", ParentID: epic.ID})
		sub := f.create(t, backlog.NewItem{Kind: backlog.KindSubtask, Title: "sub", ParentID: story.ID})
		other := s.NewProductForTest(t, f.team, "OTH")
		foreign := f.create(t, backlog.NewItem{ProductID: other, Kind: backlog.KindEpic, Title: "foreign epic"})

		bad := []struct {
			name string
			n    backlog.NewItem
		}{
			{"subtask without parent", backlog.NewItem{Kind: backlog.KindSubtask, Title: "x"}},
			{"story under story", backlog.NewItem{Kind: backlog.KindStory, Title: "x", ParentID: story.ID}},
			{"subtask under epic", backlog.NewItem{Kind: backlog.KindSubtask, Title: "x", ParentID: epic.ID}},
			{"epic under epic", backlog.NewItem{Kind: backlog.KindEpic, Title: "x", ParentID: epic.ID}},
			{"parent in another product", backlog.NewItem{Kind: backlog.KindStory, Title: "x", ParentID: foreign.ID}},
			{"missing parent", backlog.NewItem{Kind: backlog.KindStory, Title: "x", ParentID: "0190c0de-0000-7000-8000-000000000000"}},
		}
		for _, tc := range bad {
			tc.n.ProductID = f.product
			_, err := f.svc.CreateItem(f.ctx, f.team, tc.n)
			var fe *errkind.FieldError
			if !errors.As(err, &fe) || fe.Field != "parent_id" {
				t.Errorf("%s: %v, want a field error on parent_id", tc.name, err)
			}
		}
		sub2 := backlog.KindSubtask
		if _, err := f.svc.UpdateItem(f.ctx, f.team, story.ID, story.Version, backlog.Patch{Kind: &sub2}); err == nil {
			t.Error("a story with a subtask became a subtask")
		}
		epicKind := backlog.KindEpic
		if _, err := f.svc.UpdateItem(f.ctx, f.team, story.ID, story.Version, backlog.Patch{Kind: &epicKind}); err == nil {
			t.Error("a story under an epic became an epic with a parent")
		}
		// The story moves to the backlog top level, then becomes a task: its subtask may stay.
		none := ""
		story, err := f.svc.UpdateItem(f.ctx, f.team, story.ID, story.Version, backlog.Patch{ParentID: &none})
		if err != nil || story.ParentID != "" {
			t.Fatalf("unparent story: %v", err)
		}
		task := backlog.KindTask
		if _, err := f.svc.UpdateItem(f.ctx, f.team, story.ID, story.Version, backlog.Patch{Kind: &task}); err != nil {
			t.Errorf("story with a subtask became a task: %v", err)
		}
		if err := f.svc.DeleteItem(f.ctx, f.team, epic.ID, epic.Version); err != nil {
			t.Errorf("delete childless epic: %v", err)
		}
		story, _ = f.svc.Item(f.ctx, f.team, story.ID)
		if err := f.svc.DeleteItem(f.ctx, f.team, story.ID, story.Version); !errors.Is(err, backlog.ErrHasChildren) {
			t.Errorf("delete with children: %v, want ErrHasChildren", err)
		}
		if err := f.svc.DeleteItem(f.ctx, f.team, sub.ID, sub.Version); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Item(f.ctx, f.team, sub.ID); !errors.Is(err, errkind.NotFound) {
			t.Errorf("deleted item: %v, want not found", err)
		}
	})
}

func TestItemHistoryShowsWhoChangedWhat(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		statuses, err := f.svc.Statuses(f.ctx, f.team)
		if err != nil {
			t.Fatal(err)
		}
		it := f.create(t, backlog.NewItem{Title: "tracked"})
		bob := activity.WithActor(context.Background(), "bob")
		title := "tracked item"
		it, err = f.svc.UpdateItem(bob, f.team, it.ID, it.Version, backlog.Patch{Title: &title})
		if err != nil {
			t.Fatal(err)
		}
		res, err := f.svc.MoveItem(f.ctx, f.team, it.ID, backlog.Move{Version: it.Version, StatusID: statuses[1].ID})
		if err != nil {
			t.Fatal(err)
		}
		hist, err := f.svc.History(f.ctx, f.team, it.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		type row struct{ Actor, Action, Fields string }
		var got []row
		for _, e := range hist {
			var fields []string
			for _, c := range e.Changes {
				fields = append(fields, c.Field)
			}
			// status_changed_at changes too unless the move lands in the
			// same millisecond as the creation.
			fields = slices.DeleteFunc(fields, func(f string) bool { return f == "status_changed_at" })
			got = append(got, row{e.ActorID, e.Action, strings.Join(fields, ",")})
		}
		want := []row{
			{"ann", "created", got[0].Fields},
			{"bob", "updated", "title"},
			{"ann", "moved", "status_category,status_id"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("history (-want +got):\n%s", diff)
		}
		title2 := hist[1].Changes[0]
		if string(title2.Before) != `"tracked"` || string(title2.After) != `"tracked item"` {
			t.Errorf("title change %s -> %s", title2.Before, title2.After)
		}
		moved := hist[2].Changes[0]
		if string(moved.Before) != `"todo"` || string(moved.After) != `"in_progress"` || hist[2].Version != res.Item.Version {
			t.Errorf("move recorded %s -> %s at version %d", moved.Before, moved.After, hist[2].Version)
		}
		if _, err := f.svc.History(f.ctx, f.team, "0190c0de-0000-7000-8000-000000000000", 0, 10); !errors.Is(err, errkind.NotFound) {
			t.Errorf("history of a missing item: %v", err)
		}
	})
}

func TestItemsAreFencedByTeam(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		it := f.create(t, backlog.NewItem{Title: "secret"})
		other := newFixture(t, s)
		if _, err := other.svc.Item(other.ctx, other.team, it.ID); !errors.Is(err, errkind.NotFound) {
			t.Errorf("another team read the item: %v", err)
		}
		title := "stolen"
		if _, err := other.svc.UpdateItem(other.ctx, other.team, it.ID, it.Version, backlog.Patch{Title: &title}); !errors.Is(err, errkind.NotFound) {
			t.Errorf("another team updated the item: %v", err)
		}
		if _, err := other.svc.Search(other.ctx, other.team, backlog.Query{ProductID: f.product}); !errors.Is(err, errkind.NotFound) {
			t.Errorf("another team listed the product: %v", err)
		}
		p, err := other.svc.Search(other.ctx, other.team, backlog.Query{ProductID: other.product, Filter: backlog.Filter{Text: "secret"}})
		if err != nil || len(p.Items) != 0 {
			t.Errorf("another team's search found %d items, %v", len(p.Items), err)
		}
	})
}
