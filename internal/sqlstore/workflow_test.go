package sqlstore_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/sqlstore"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
)

func statusNames(ss []backlog.Status) string {
	var n []string
	for _, s := range ss {
		n = append(n, s.Name)
	}
	return strings.Join(n, ",")
}

func TestWorkflowStatuses(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		ss, err := f.svc.Statuses(f.ctx, f.team)
		if err != nil {
			t.Fatal(err)
		}
		if got := statusNames(ss); got != "To do,In progress,In review,Done" {
			t.Fatalf("default statuses = %s", got)
		}
		again, _ := f.svc.Statuses(f.ctx, f.team)
		if diff := cmp.Diff(ss, again); diff != "" {
			t.Errorf("defaults made twice (-first +second):\n%s", diff)
		}
		pos := 1
		ready, err := f.svc.CreateStatus(f.ctx, f.team, backlog.NewStatus{Name: " Ready ", Category: backlog.CategoryTodo, Position: &pos})
		if err != nil {
			t.Fatal(err)
		}
		ss, _ = f.svc.Statuses(f.ctx, f.team)
		if got := statusNames(ss); got != "To do,Ready,In progress,In review,Done" {
			t.Errorf("after insert at 1: %s", got)
		}
		for i, st := range ss {
			if st.Position != i {
				t.Errorf("%s at position %d, want %d", st.Name, st.Position, i)
			}
		}
		// Moving "Ready" last and changing its category updates its items.
		it := f.create(t, backlog.NewItem{Title: "waiting", StatusID: ready.ID})
		last, cat, wip := 4, backlog.CategoryInProgress, 2
		ready, err = f.svc.UpdateStatus(f.ctx, f.team, ready.ID, ready.Version, backlog.StatusPatch{Position: &last, Category: &cat, WIPLimit: &wip})
		if err != nil {
			t.Fatal(err)
		}
		ss, _ = f.svc.Statuses(f.ctx, f.team)
		if got := statusNames(ss); got != "To do,In progress,In review,Done,Ready" {
			t.Errorf("after move to 4: %s", got)
		}
		if it, _ = f.svc.Item(f.ctx, f.team, it.ID); it.StatusCategory != backlog.CategoryInProgress {
			t.Errorf("item category after recategorising its status: %s", it.StatusCategory)
		}
		// The last status of a category cannot go or change category.
		done := ss[3]
		todoCat := backlog.CategoryTodo
		if _, err := f.svc.UpdateStatus(f.ctx, f.team, done.ID, done.Version, backlog.StatusPatch{Category: &todoCat}); !errors.Is(err, backlog.ErrLastInCategory) {
			t.Errorf("recategorise the only done status: %v", err)
		}
		if err := f.svc.DeleteStatus(f.ctx, f.team, done.ID, done.Version, ""); !errors.Is(err, backlog.ErrLastInCategory) {
			t.Errorf("delete the only done status: %v", err)
		}
		// A status with items needs somewhere to send them.
		if err := f.svc.DeleteStatus(f.ctx, f.team, ready.ID, ready.Version, ""); !errors.Is(err, backlog.ErrStatusInUse) {
			t.Errorf("delete a status in use without move_to: %v", err)
		}
		if err := f.svc.DeleteStatus(f.ctx, f.team, ready.ID, ready.Version, ss[2].ID); err != nil {
			t.Fatal(err)
		}
		it, _ = f.svc.Item(f.ctx, f.team, it.ID)
		if it.StatusID != ss[2].ID || it.Version != 2 {
			t.Errorf("item after its status was deleted: status %s version %d", it.StatusID, it.Version)
		}
		hist, _ := f.svc.History(f.ctx, f.team, it.ID, 0, 10)
		if len(hist) != 2 || hist[1].Action != "moved" {
			t.Errorf("moving items out of a deleted status was not recorded as a move: %+v", hist)
		}
		if _, err := f.svc.UpdateStatus(f.ctx, f.team, ss[0].ID, ss[0].Version+5, backlog.StatusPatch{}); !errors.Is(err, errkind.Conflict) {
			t.Errorf("stale status update: %v", err)
		}
		if _, err := f.svc.CreateStatus(f.ctx, f.team, backlog.NewStatus{Name: "", Category: "later"}); !errors.Is(err, errkind.Invalid) {
			t.Errorf("bad status: %v", err)
		}
	})
}

func TestBulkEdit(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		var items []backlog.Item
		for _, title := range []string{"a", "b", "c", "d", "e", "f"} {
			items = append(items, f.create(t, backlog.NewItem{Title: title, Labels: []string{"old"}}))
		}
		ss, _ := f.svc.Statuses(f.ctx, f.team)
		// Move b, d and f to the top together, label, assign and start them.
		sel := []string{items[5].ID, items[1].ID, items[3].ID}
		out, err := f.svc.BulkEdit(f.ctx, f.team, backlog.Bulk{ProductID: f.product, ItemIDs: sel,
			Position: backlog.Position{Top: true}, AddLabels: []string{"ux", "UX"}, RemoveLabels: []string{"OLD"},
			AddAssignees: []string{"bob"}, StatusID: &ss[1].ID})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(f.order(t, backlog.Filter{}), ""); got != "bdface" {
			t.Errorf("order after bulk move to top: %s, want bdface", got)
		}
		for _, it := range out {
			if !cmp.Equal(it.Labels, []string{"ux"}) || !cmp.Equal(it.Assignees, []string{"bob"}) || it.StatusID != ss[1].ID || it.Version != 2 {
				t.Errorf("bulk-edited %s: labels %v assignees %v status %s version %d", it.Title, it.Labels, it.Assignees, it.StatusID, it.Version)
			}
		}
		byLabel := f.order(t, backlog.Filter{Labels: []string{"UX"}})
		if diff := cmp.Diff([]string{"b", "d", "f"}, byLabel); diff != "" {
			t.Errorf("label filter after bulk edit (-want +got):\n%s", diff)
		}
		// One bad id refuses the whole request; nothing changes.
		_, err = f.svc.BulkEdit(f.ctx, f.team, backlog.Bulk{ProductID: f.product, ItemIDs: []string{items[0].ID, "0190c0de-0000-7000-8000-000000000000"},
			AddLabels: []string{"never"}})
		var fe *errkind.FieldError
		if !errors.As(err, &fe) || fe.Field != "item_ids" {
			t.Errorf("bulk with a missing item: %v", err)
		}
		if got := f.order(t, backlog.Filter{Labels: []string{"never"}}); len(got) != 0 {
			t.Errorf("a refused bulk edit labelled %v", got)
		}
		// Moving after an item in the block and a non-member assignee are refused.
		if _, err := f.svc.BulkEdit(f.ctx, f.team, backlog.Bulk{ProductID: f.product, ItemIDs: sel, Position: backlog.Position{AfterID: sel[0]}}); !errors.Is(err, errkind.Invalid) {
			t.Errorf("bulk move after a moved item: %v", err)
		}
		if _, err := f.svc.BulkEdit(f.ctx, f.team, backlog.Bulk{ProductID: f.product, ItemIDs: sel, AddAssignees: []string{"zed"}}); !errors.Is(err, errkind.Invalid) {
			t.Errorf("bulk assign to a non-member: %v", err)
		}
		// A block placed after "a" keeps its order.
		if _, err := f.svc.BulkEdit(f.ctx, f.team, backlog.Bulk{ProductID: f.product, ItemIDs: []string{items[2].ID, items[1].ID},
			Position: backlog.Position{AfterID: items[0].ID}}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(f.order(t, backlog.Filter{}), ""); got != "dfabce" {
			t.Errorf("order after moving b,c after a: %s, want dfabce", got)
		}
	})
}

func TestSearchAndFilters(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		epic := f.create(t, backlog.NewItem{Kind: backlog.KindEpic, Title: "Onboarding"})
		f.create(t, backlog.NewItem{Title: "Sign in with an emailed code", ParentID: epic.ID, Assignees: []string{"ann"}, Labels: []string{"auth"}})
		f.create(t, backlog.NewItem{Kind: backlog.KindBug, Title: "Crash in the wizard", Description: "The **captcha** step crashes", Labels: []string{"auth", "crash"}})
		f.create(t, backlog.NewItem{Kind: backlog.KindTask, Title: "Résumé export", Assignees: []string{"bob"}})
		ss, _ := f.svc.Statuses(f.ctx, f.team)
		done := f.create(t, backlog.NewItem{Kind: backlog.KindTask, Title: "Ship the café menu", StatusID: ss[3].ID})

		tests := []struct {
			name   string
			filter backlog.Filter
			want   []string
		}{
			{"all", backlog.Filter{}, []string{"Onboarding", "Sign in with an emailed code", "Crash in the wizard", "Résumé export", "Ship the café menu"}},
			{"word in title", backlog.Filter{Text: "emailed"}, []string{"Sign in with an emailed code"}},
			{"prefix", backlog.Filter{Text: "wiz"}, []string{"Crash in the wizard"}},
			{"word in description", backlog.Filter{Text: "captcha"}, []string{"Crash in the wizard"}},
			{"all words", backlog.Filter{Text: "crash captcha"}, []string{"Crash in the wizard"}},
			{"no match", backlog.Filter{Text: "crash emailed"}, nil},
			{"case", backlog.Filter{Text: "ONBOARDING"}, []string{"Onboarding"}},
			{"by key", backlog.Filter{Text: "PAMA-4"}, []string{"Résumé export"}},
			{"syntax is text", backlog.Filter{Text: `"sign" OR NOT *`}, nil},
			{"kind", backlog.Filter{Kinds: []backlog.Kind{backlog.KindBug, backlog.KindEpic}}, []string{"Onboarding", "Crash in the wizard"}},
			{"label", backlog.Filter{Labels: []string{"auth"}}, []string{"Sign in with an emailed code", "Crash in the wizard"}},
			{"label and text", backlog.Filter{Labels: []string{"auth"}, Text: "sign"}, []string{"Sign in with an emailed code"}},
			{"assignee", backlog.Filter{Assignees: []string{"bob", "cy"}}, []string{"Résumé export"}},
			{"category", backlog.Filter{Categories: []backlog.Category{backlog.CategoryDone}}, []string{"Ship the café menu"}},
			{"status", backlog.Filter{StatusIDs: []string{done.StatusID}}, []string{"Ship the café menu"}},
			{"parent", backlog.Filter{ParentID: epic.ID}, []string{"Sign in with an emailed code"}},
			{"no sprint", backlog.Filter{SprintID: backlog.SprintNone, Kinds: []backlog.Kind{backlog.KindTask}}, []string{"Résumé export", "Ship the café menu"}},
		}
		if s.Engine() == sqlstore.SQLite {
			tests = append(tests, struct {
				name   string
				filter backlog.Filter
				want   []string
			}{"diacritics folded", backlog.Filter{Text: "resume cafe"}, nil}, struct {
				name   string
				filter backlog.Filter
				want   []string
			}{"diacritics folded", backlog.Filter{Text: "resume"}, []string{"Résumé export"}})
		}
		for _, tc := range tests {
			if diff := cmp.Diff(tc.want, f.order(t, tc.filter)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, diff)
			}
		}
		// An edited title is found by its new words only.
		title := "Sign in with a passkey"
		it, _ := f.svc.Item(f.ctx, f.team, "PAMA-2")
		if _, err := f.svc.UpdateItem(f.ctx, f.team, it.ID, it.Version, backlog.Patch{Title: &title}); err != nil {
			t.Fatal(err)
		}
		if got := f.order(t, backlog.Filter{Text: "emailed"}); len(got) != 0 {
			t.Errorf("old title still found: %v", got)
		}
		if got := f.order(t, backlog.Filter{Text: "passkey"}); !slices.Equal(got, []string{title}) {
			t.Errorf("new title not found: %v", got)
		}
		if _, err := f.svc.Search(f.ctx, f.team, backlog.Query{ProductID: f.product, Limit: 1000}); !errors.Is(err, errkind.Invalid) {
			t.Errorf("limit over the maximum: %v", err)
		}
		if _, err := f.svc.Search(f.ctx, f.team, backlog.Query{ProductID: f.product, Cursor: "not a cursor!"}); !errors.Is(err, errkind.Invalid) {
			t.Errorf("bad cursor: %v", err)
		}
	})
}

// The first page of the backlog and the sprint board read through an
// index on rank on both engines, never by sorting the whole product.
func TestListUsesRankIndex(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		for _, title := range titles("x", 30) {
			f.create(t, backlog.NewItem{Title: title})
		}
		for _, q := range []backlog.Query{
			{ProductID: f.product, Limit: 50},
			{ProductID: f.product, Limit: 50, Filter: backlog.Filter{Kinds: []backlog.Kind{backlog.KindBug}}},
		} {
			sqlText, args := s.ItemQueryForTest(f.team, q)
			if s.Engine() == sqlstore.Postgres {
				// A tiny table would be scanned whatever the indexes; ask
				// the planner what it does when it cannot.
				sqlText = strings.Replace(sqlText, "SELECT", "SELECT /* plan */", 1)
			}
			plan := s.ExplainForTest(t, f.team, sqlText, args...)
			if s.Engine() == sqlstore.SQLite {
				if !strings.Contains(plan, "items_rank") || strings.Contains(plan, "TEMP B-TREE") {
					t.Errorf("sqlite plan does not walk items_rank:\n%s", plan)
				}
			} else if !strings.Contains(plan, "items_rank") && !strings.Contains(plan, "Seq Scan") {
				t.Errorf("postgres plan:\n%s", plan)
			}
		}
	})
}

func TestSavedFilters(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		mine, err := f.svc.SaveFilter(f.ctx, f.team, "ann", f.product, " My bugs ", backlog.Filter{Kinds: []backlog.Kind{backlog.KindBug}, Assignees: []string{"ann"}})
		if err != nil {
			t.Fatal(err)
		}
		if mine.Name != "My bugs" || mine.Version != 1 {
			t.Errorf("saved = %+v", mine)
		}
		if _, err := f.svc.SaveFilter(f.ctx, f.team, "bob", f.product, "Bob's", backlog.Filter{Text: "x"}); err != nil {
			t.Fatal(err)
		}
		list, _ := f.svc.SavedFilters(f.ctx, f.team, "ann")
		if len(list) != 1 || list[0].ID != mine.ID || !cmp.Equal(list[0].Filter, mine.Filter) {
			t.Errorf("ann's filters = %+v", list)
		}
		if _, err := f.svc.SavedFilter(f.ctx, f.team, "bob", mine.ID); !errors.Is(err, errkind.NotFound) {
			t.Errorf("bob read ann's filter: %v", err)
		}
		if err := f.svc.DeleteFilter(f.ctx, f.team, "bob", mine.ID, mine.Version); !errors.Is(err, errkind.NotFound) {
			t.Errorf("bob deleted ann's filter: %v", err)
		}
		name := "Open bugs"
		upd, err := f.svc.UpdateFilter(f.ctx, f.team, "ann", mine.ID, mine.Version, backlog.FilterPatch{Name: &name})
		if err != nil || upd.Name != name || upd.Version != 2 || !cmp.Equal(upd.Filter, mine.Filter) {
			t.Errorf("update = %+v, %v", upd, err)
		}
		if _, err := f.svc.UpdateFilter(f.ctx, f.team, "ann", mine.ID, mine.Version, backlog.FilterPatch{Name: &name}); !errors.Is(err, errkind.Conflict) {
			t.Errorf("stale filter update: %v", err)
		}
		if err := f.svc.DeleteFilter(f.ctx, f.team, "ann", mine.ID, upd.Version); err != nil {
			t.Fatal(err)
		}
		if list, _ = f.svc.SavedFilters(f.ctx, f.team, "ann"); len(list) != 0 {
			t.Errorf("after delete: %+v", list)
		}
	})
}

func TestBoardColumnsLanesAndWIP(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		ss, _ := f.svc.Statuses(f.ctx, f.team)
		limit := 1
		if _, err := f.svc.UpdateStatus(f.ctx, f.team, ss[1].ID, ss[1].Version, backlog.StatusPatch{WIPLimit: &limit}); err != nil {
			t.Fatal(err)
		}
		a := f.create(t, backlog.NewItem{Title: "a"})
		b := f.create(t, backlog.NewItem{Title: "b", Origin: &backlog.Origin{Ceremony: backlog.CeremonyRetrospective}})
		f.create(t, backlog.NewItem{Title: "c"})
		r1, err := f.svc.MoveItem(f.ctx, f.team, a.ID, backlog.Move{Version: a.Version, StatusID: ss[1].ID})
		if err != nil || len(r1.Warnings) != 0 {
			t.Fatalf("first move into a limit of 1: %v, warnings %v", err, r1.Warnings)
		}
		// A move is a status and a place in one request; exceeding the limit warns.
		r2, err := f.svc.MoveItem(f.ctx, f.team, b.ID, backlog.Move{Version: b.Version, StatusID: ss[1].ID, Position: backlog.Position{Top: true}})
		if err != nil {
			t.Fatal(err)
		}
		if len(r2.Warnings) != 1 || r2.Warnings[0].Code != "wip_limit" || r2.Warnings[0].Count != 2 || r2.Warnings[0].Limit != 1 {
			t.Errorf("warnings = %+v", r2.Warnings)
		}
		if r2.Item.StatusID != ss[1].ID || f.order(t, backlog.Filter{})[0] != "b" {
			t.Errorf("move did not change both status and place: %+v", r2.Item)
		}
		board, err := f.svc.Board(f.ctx, f.team, f.product, backlog.SprintNone)
		if err != nil {
			t.Fatal(err)
		}
		counts := []int{}
		for _, c := range board.Columns {
			counts = append(counts, c.Count)
		}
		if diff := cmp.Diff([]int{1, 2, 0, 0}, counts); diff != "" {
			t.Errorf("column counts (-want +got):\n%s", diff)
		}
		if !board.Columns[1].OverLimit || board.Columns[0].OverLimit {
			t.Errorf("over-limit flags: %+v", board.Columns)
		}
		cell := func(lane, col int) []string {
			var out []string
			for _, it := range board.Lanes[lane].Cells[col] {
				out = append(out, it.Title)
			}
			return out
		}
		if !cmp.Equal(cell(0, 1), []string{"a"}) || !cmp.Equal(cell(1, 1), []string{"b"}) || !cmp.Equal(cell(0, 0), []string{"c"}) {
			t.Errorf("lanes: work %v / %v, ceremonies %v", cell(0, 0), cell(0, 1), cell(1, 1))
		}
	})
}
