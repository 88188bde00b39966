package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/sprint"
)

// The demo product: an online bookshop, with four epics and their stories,
// tasks, bugs and subtasks. The seed walks it through three completed
// sprints and into a fourth, moving items on plausible days, so history,
// velocity and burndown have something to show.

type demoItem struct {
	kind     backlog.Kind
	title    string
	points   float64 // 0: not estimated
	labels   []string
	desc     string
	criteria []string
	subtasks []string
	bornIn   backlog.Ceremony // set for items born in a ceremony
}

type demoEpic struct {
	title, desc string
	items       []demoItem
}

var demoEpics = []demoEpic{
	{"Checkout", "Everything between **Add to basket** and the order confirmation.", []demoItem{
		{kind: backlog.KindStory, title: "Pay by card in one step", points: 8, labels: []string{"payments"},
			desc:     "As a shopper I want to pay by card without leaving the shop, so that buying a book takes a minute.\n\nUse the payment provider's hosted fields.",
			criteria: []string{"Card number, expiry and CVC on one form", "3-D Secure challenge shown in a dialog", "Declined cards get a clear message"},
			subtasks: []string{"Hosted fields on the payment page", "Handle the 3-D Secure callback", "Declined-card messages"}},
		{kind: backlog.KindStory, title: "Guest checkout without an account", points: 5, labels: []string{"conversion"},
			desc:     "Shoppers who do not want an account can still buy; we ask for an email for the receipt.",
			criteria: []string{"No sign-up needed to order", "Receipt goes to the given address", "An account can be made afterwards from the receipt"}},
		{kind: backlog.KindStory, title: "Gift wrapping option", points: 3, labels: []string{"conversion"},
			desc: "Add gift wrapping (with a note) as an option per order.", criteria: []string{"Wrapping adds 2.50 to the total", "Note is printed on the packing slip"}},
		{kind: backlog.KindBug, title: "Basket total ignores the voucher after a reload", points: 2, labels: []string{"payments", "bug-bash"},
			desc: "Steps:\n\n1. Apply voucher `SPRING10`\n2. Reload the basket page\n\nThe total shows the full price, although the voucher is still listed."},
		{kind: backlog.KindStory, title: "Save the delivery address for next time", points: 3,
			criteria: []string{"Signed-in shoppers can tick 'remember this address'", "Saved addresses can be deleted"}},
		{kind: backlog.KindTask, title: "Switch the payment provider's SDK to v4", points: 3, labels: []string{"payments", "tech-debt"},
			desc: "v3 stops being supported at the end of the quarter."},
		{kind: backlog.KindStory, title: "Apple Pay and Google Pay", points: 8, labels: []string{"payments"}},
	}},
	{"Catalogue and search", "Finding the right book fast.", []demoItem{
		{kind: backlog.KindStory, title: "Search by title, author or ISBN", points: 5, labels: []string{"search"},
			desc:     "One search box that understands titles, authors and ISBNs (with or without hyphens).",
			criteria: []string{"ISBN-10 and ISBN-13 both find the book", "Author names match without accents", "Results in under 200 ms"},
			subtasks: []string{"Index authors without diacritics", "ISBN normalisation", "Result page layout"}},
		{kind: backlog.KindStory, title: "Filter results by format and price", points: 5, labels: []string{"search"},
			criteria: []string{"Formats: hardback, paperback, e-book, audiobook", "Price range slider"}},
		{kind: backlog.KindStory, title: "Spelling suggestions: 'Did you mean ...?'", points: 3, labels: []string{"search"}},
		{kind: backlog.KindBug, title: "Search results jump when images load", points: 1, labels: []string{"ui", "bug-bash"},
			desc: "Reserve the cover image's space so the list does not shift."},
		{kind: backlog.KindStory, title: "Book page shows stock per shop", points: 5, labels: []string{"catalogue"},
			subtasks: []string{"Stock endpoint per shop", "Stock badge on the book page"}},
		{kind: backlog.KindTask, title: "Nightly import of the distributor's catalogue", points: 5, labels: []string{"catalogue", "ops"}},
		{kind: backlog.KindStory, title: "Recommendations: readers also bought", labels: []string{"catalogue"}},
		{kind: backlog.KindStory, title: "Browse by genre with cover grid", points: 3, labels: []string{"catalogue", "ui"}},
	}},
	{"Customer accounts", "Sign-up, sign-in and everything a returning reader needs.", []demoItem{
		{kind: backlog.KindStory, title: "Sign in with an emailed code", points: 5, labels: []string{"auth"},
			desc:     "No passwords to forget: we email a six-digit code.",
			criteria: []string{"Code expires after 10 minutes", "Five wrong codes lock the address for an hour", "Works on phones with the code autofilled"},
			subtasks: []string{"Code generation and storage", "Email template", "Rate limits"}},
		{kind: backlog.KindStory, title: "Wish list", points: 5, labels: []string{"accounts"},
			criteria: []string{"Add from the book page", "Share the list by link"}},
		{kind: backlog.KindStory, title: "Order history with re-order button", points: 3, labels: []string{"accounts"}},
		{kind: backlog.KindBug, title: "Password reset mail lands in spam", points: 2, labels: []string{"auth", "email"},
			desc: "SPF record is missing for the mail relay."},
		{kind: backlog.KindTask, title: "Delete account and data on request (GDPR)", points: 5, labels: []string{"accounts", "legal"}},
		{kind: backlog.KindStory, title: "Newsletter preferences", points: 2, labels: []string{"accounts", "email"}},
		{kind: backlog.KindStory, title: "Loyalty points on every order", labels: []string{"accounts"}},
	}},
	{"Order tracking", "Where is my book?", []demoItem{
		{kind: backlog.KindStory, title: "Tracking page with carrier status", points: 5, labels: []string{"orders"},
			criteria: []string{"Shows the carrier's latest event", "Link to the carrier's own page"},
			subtasks: []string{"Carrier webhook receiver", "Tracking page"}},
		{kind: backlog.KindStory, title: "Email when the order ships", points: 3, labels: []string{"orders", "email"}},
		{kind: backlog.KindStory, title: "Return a book online", points: 8, labels: []string{"orders"},
			criteria: []string{"Return label as PDF", "Refund when the parcel is scanned"}},
		{kind: backlog.KindBug, title: "Delivery estimate shows Sunday", points: 1, labels: []string{"orders", "bug-bash"}},
		{kind: backlog.KindTask, title: "Alert when the carrier webhook fails", points: 2, labels: []string{"orders", "ops"}},
		{kind: backlog.KindStory, title: "Click and collect in a shop", labels: []string{"orders"}},
	}},
}

// Items outside any epic.
var demoLoose = []demoItem{
	{kind: backlog.KindTask, title: "Upgrade the database to the new major version", points: 3, labels: []string{"ops", "tech-debt"}},
	{kind: backlog.KindBug, title: "Footer links 404 on the Dutch site", points: 1, labels: []string{"ui", "i18n"}},
	{kind: backlog.KindTask, title: "Load test the checkout before the spring sale", points: 3, labels: []string{"ops"}},
	{kind: backlog.KindStory, title: "Accessibility audit fixes", labels: []string{"ui", "a11y"}},
	{kind: backlog.KindBug, title: "Cover images blurry on high-density screens", labels: []string{"ui"}},
	{kind: backlog.KindStory, title: "Gift cards", labels: []string{"payments"},
		desc: "Sell gift cards in fixed amounts; redeem them at checkout."},
	{kind: backlog.KindStory, title: "Author pages with all their books", labels: []string{"catalogue"}},
	{kind: backlog.KindStory, title: "Pre-order books before release", labels: []string{"catalogue", "orders"}},
	{kind: backlog.KindTask, title: "Move the image store to object storage", labels: []string{"ops", "tech-debt"}},
	{kind: backlog.KindBug, title: "Newsletter unsubscribe link expires too soon", labels: []string{"email"}},
	{kind: backlog.KindStory, title: "Reading group discounts", labels: []string{"conversion"}},
	{kind: backlog.KindStory, title: "Dark mode", labels: []string{"ui"}},
	{kind: backlog.KindTask, title: "Document the release checklist", labels: []string{"ops"}},
}

// Retrospective actions of sprint 3: born in a ceremony, they land in the
// active sprint's ceremonies lane.
var demoRetroActions = []demoItem{
	{kind: backlog.KindTask, title: "Pair on every payment change", points: 1, labels: []string{"retro-action"}, bornIn: backlog.CeremonyRetrospective,
		desc: "From the sprint 3 retrospective: two payment bugs slipped through review."},
	{kind: backlog.KindTask, title: "Keep the daily to 15 minutes with a timer", points: 1, labels: []string{"retro-action"}, bornIn: backlog.CeremonyRetrospective},
}

var demoGoals = []string{
	"Shoppers can find a book and pay for it by card",
	"Returning readers sign in with a code and see their orders",
	"Orders can be tracked from shipping to the door",
	"Guest checkout and returns, ready for the spring sale",
}

// demoSeeder lays down the demo backlog and sprints on the services, moving
// the store's clock through the past as it goes.
type demoSeeder struct {
	backlog  *backlog.Service
	sprints  *sprint.Service
	setClock func(func() time.Time)
	team     string
	product  string
	members  []string // account ids: product owner, scrum master, developers
	rng      *rand.Rand
	now      time.Time // the clock the store sees
}

func (d *demoSeeder) at(t time.Time) {
	d.now = t
	d.setClock(func() time.Time { return d.now })
}

func (d *demoSeeder) as(who int) context.Context {
	return activity.WithActor(context.Background(), d.members[who%len(d.members)])
}

type seededItem struct {
	id       string
	points   float64
	subtasks []string
	parent   string
}

// run creates the whole history, ending at end (the real now).
func (d *demoSeeder) run(end time.Time) error {
	day := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 9, 0, 0, 0, time.UTC) }
	// The active sprint (4) started on the Monday at least three days ago;
	// sprints are two weeks (Monday to the Friday after next).
	activeStart := day(end).AddDate(0, 0, -3)
	for activeStart.Weekday() != time.Monday {
		activeStart = activeStart.AddDate(0, 0, -1)
	}
	start := func(k int) time.Time { return activeStart.AddDate(0, 0, -14*(3-k)) } // k = 0..3
	d.at(start(0).AddDate(0, 0, -10))
	statuses, err := d.backlog.Statuses(d.as(0), d.team)
	if err != nil {
		return err
	}
	if len(statuses) < 4 {
		return fmt.Errorf("seed: the workflow has %d statuses, want the default four", len(statuses))
	}
	doing, review, done := statuses[1].ID, statuses[2].ID, statuses[3].ID
	limit := 3
	if _, err := d.backlog.UpdateStatus(d.as(1), d.team, doing, statuses[1].Version, backlog.StatusPatch{WIPLimit: &limit}); err != nil {
		return err
	}

	// The product owner writes the backlog over a few days before sprint 1.
	var all []seededItem
	create := func(n backlog.NewItem, who int) (backlog.Item, error) {
		n.ProductID = d.product
		return d.backlog.CreateItem(d.as(who), d.team, n)
	}
	addItem := func(it demoItem, parent string, who int) error {
		var pts *float64
		if it.points > 0 {
			p := it.points
			pts = &p
		}
		var cs []backlog.Criterion
		for _, c := range it.criteria {
			cs = append(cs, backlog.Criterion{Text: c})
		}
		created, err := create(backlog.NewItem{Kind: it.kind, ParentID: parent, Title: it.title, Description: it.desc,
			Criteria: cs, Points: pts, Labels: it.labels, Priority: []backlog.Priority{backlog.PriorityMedium,
				backlog.PriorityHigh, backlog.PriorityLow, backlog.PriorityMedium}[d.rng.IntN(4)]}, who)
		if err != nil {
			return fmt.Errorf("seed: item %q: %w", it.title, err)
		}
		s := seededItem{id: created.ID, points: it.points, parent: parent}
		for _, st := range it.subtasks {
			sub, err := create(backlog.NewItem{Kind: backlog.KindSubtask, ParentID: created.ID, Title: st}, who)
			if err != nil {
				return fmt.Errorf("seed: subtask %q: %w", st, err)
			}
			s.subtasks = append(s.subtasks, sub.ID)
		}
		all = append(all, s)
		return nil
	}
	for i, e := range demoEpics {
		d.at(d.now.Add(time.Duration(i*26) * time.Hour))
		epic, err := create(backlog.NewItem{Kind: backlog.KindEpic, Title: e.title, Description: e.desc}, 0)
		if err != nil {
			return err
		}
		for j, it := range e.items {
			d.at(d.now.Add(time.Duration(7+j*3) * time.Minute))
			if err := addItem(it, epic.ID, 0); err != nil {
				return err
			}
		}
	}
	for _, it := range demoLoose {
		d.at(d.now.Add(17 * time.Minute))
		if err := addItem(it, "", 1); err != nil {
			return err
		}
	}

	// Which items each sprint plans (indexes into all), in backlog order of
	// the estimated ones; the last few stay in the backlog.
	var estimated []int
	for i, s := range all {
		if s.points > 0 {
			estimated = append(estimated, i)
		}
	}
	plan := [][]int{estimated[0:7], estimated[7:13], estimated[13:19], estimated[19:24]}
	// Items that do not get done in their sprint carry over.
	unfinished := []map[int]bool{{1: true, 5: true}, {2: true}, {0: true, 4: true}}

	devs := d.members[2:]
	var carried []string
	sprints := make([]sprint.Sprint, 0, 5)
	for k := range 4 {
		// The next sprint is planned at the end of the previous one, which
		// then completes with its unfinished items carried over into it.
		if k == 0 {
			d.at(start(0).Add(-2 * time.Hour))
		} else {
			d.at(start(k-1).AddDate(0, 0, 11).Add(6 * time.Hour))
		}
		sp, err := d.sprints.Create(d.as(1), d.team, sprint.NewSprint{ProductID: d.product,
			StartDate: start(k).Format(time.DateOnly), EndDate: start(k).AddDate(0, 0, 11).Format(time.DateOnly)})
		if err != nil {
			return err
		}
		sprints = append(sprints, sp)
		if k > 0 {
			prev := sprints[k-1]
			d.at(d.now.Add(time.Hour))
			if _, err := d.sprints.Complete(d.as(1), d.team, prev.ID, prev.Version, sprint.CarryTo(sp.ID)); err != nil {
				return fmt.Errorf("seed: complete sprint %d: %w", k, err)
			}
		}
		// Planning: put the sprint's items (and their subtasks) in.
		var ids []string
		for _, i := range plan[k] {
			ids = append(ids, all[i].id)
			ids = append(ids, all[i].subtasks...)
		}
		d.at(start(k).Add(-time.Hour))
		if k == 3 {
			// The retrospective of sprint 3 produced actions for sprint 4.
			for _, it := range demoRetroActions {
				created, err := create(backlog.NewItem{Kind: it.kind, Title: it.title, Description: it.desc, Labels: it.labels,
					Points: ptr(it.points), Origin: &backlog.Origin{Ceremony: it.bornIn}, Position: backlog.Position{Top: true}}, 1)
				if err != nil {
					return err
				}
				ids = append(ids, created.ID)
			}
		}
		if _, err := d.backlog.BulkEdit(d.as(0), d.team, backlog.Bulk{ProductID: d.product, ItemIDs: ids, SprintID: &sp.ID}); err != nil {
			return fmt.Errorf("seed: plan sprint %d: %w", k+1, err)
		}
		var capacity []sprint.Capacity
		for i, m := range d.members {
			capacity = append(capacity, sprint.Capacity{AccountID: m, Days: float64(10 - d.rng.IntN(3)), Points: float64([]int{0, 0, 8, 8, 5}[i%5])})
		}
		if _, err := d.sprints.SetCapacity(d.as(1), d.team, sp.ID, capacity); err != nil {
			return err
		}
		sp, _ = d.sprints.Sprint(d.as(1), d.team, sp.ID)
		d.at(start(k))
		if sp, err = d.sprints.Start(d.as(1), d.team, sp.ID, sprint.Start{Version: sp.Version, Goal: demoGoals[k]}); err != nil {
			return fmt.Errorf("seed: start sprint %d: %w", k+1, err)
		}
		sprints[k] = sp

		// The work: each item goes to progress, review and done on days of
		// the sprint (only up to today for the active one).
		var work []int
		work = append(work, plan[k]...)
		for _, id := range carried {
			if i := slices.IndexFunc(all, func(s seededItem) bool { return s.id == id }); i >= 0 {
				work = append(work, i)
			}
		}
		lastDay := 11
		if k == 3 {
			lastDay = int(day(end).Sub(start(k)).Hours() / 24)
		}
		type step struct {
			at     time.Time
			item   string
			status string
			who    string
		}
		var steps []step
		for n, i := range work {
			s := all[i]
			who := devs[n%len(devs)]
			begin := d.rng.IntN(max(1, lastDay-3))
			finish := begin + 1 + d.rng.IntN(4)
			stopAt := 3 // done
			if k < 3 && unfinished[k][n] {
				stopAt = 1 + d.rng.IntN(2)
			}
			if k == 3 {
				stopAt = []int{3, 3, 3, 2, 2, 1, 1, 0, 0, 1, 3}[n%11]
			}
			when := func(dd int, h int) time.Time {
				return start(k).AddDate(0, 0, min(dd, lastDay)).Add(time.Duration(h) * time.Hour)
			}
			for _, sub := range s.subtasks {
				if stopAt >= 1 {
					steps = append(steps, step{when(begin, 1), sub, doing, who})
				}
				if stopAt >= 3 || (stopAt == 2 && d.rng.IntN(2) == 0) {
					steps = append(steps, step{when(finish-1, 3), sub, done, who})
				}
			}
			if stopAt >= 1 {
				steps = append(steps, step{when(begin, 0), s.id, doing, who})
			}
			if stopAt >= 2 {
				steps = append(steps, step{when(finish, 2), s.id, review, who})
			}
			if stopAt >= 3 {
				steps = append(steps, step{when(finish, 6), s.id, done, d.members[0]})
			}
		}
		slices.SortStableFunc(steps, func(a, b step) int { return a.at.Compare(b.at) })
		for _, st := range steps {
			if st.at.After(end) {
				continue
			}
			d.at(st.at)
			it, err := d.backlog.Item(d.as(0), d.team, st.item)
			if err != nil {
				return err
			}
			if it.StatusID == st.status {
				continue // carried over in this status
			}
			ctx := activity.WithActor(context.Background(), st.who)
			if st.status == doing && len(it.Assignees) == 0 {
				if it, err = d.backlog.UpdateItem(ctx, d.team, it.ID, it.Version, backlog.Patch{Assignees: &[]string{st.who}}); err != nil {
					return err
				}
			}
			if _, err := d.backlog.MoveItem(ctx, d.team, it.ID, backlog.Move{Version: it.Version, StatusID: st.status}); err != nil {
				return fmt.Errorf("seed: move %s: %w", it.Key, err)
			}
		}
		// What did not get done carries over when the sprint completes.
		carried = nil
		for _, i := range work {
			it, err := d.backlog.Item(d.as(0), d.team, all[i].id)
			if err == nil && it.StatusCategory != backlog.CategoryDone {
				carried = append(carried, it.ID)
			}
		}
	}
	// Sprint 5 is being planned.
	d.at(end.Add(-3 * time.Hour))
	next, err := d.sprints.Create(d.as(1), d.team, sprint.NewSprint{ProductID: d.product,
		StartDate: start(3).AddDate(0, 0, 14).Format(time.DateOnly), EndDate: start(3).AddDate(0, 0, 25).Format(time.DateOnly)})
	if err != nil {
		return err
	}
	var ids []string
	for _, i := range estimated[24:min(len(estimated), 28)] {
		ids = append(ids, all[i].id)
	}
	if len(ids) > 0 {
		if _, err := d.backlog.BulkEdit(d.as(0), d.team, backlog.Bulk{ProductID: d.product, ItemIDs: ids, SprintID: &next.ID}); err != nil {
			return err
		}
	}
	d.setClock(time.Now)
	return nil
}

func ptr(v float64) *float64 {
	if v == 0 {
		return nil
	}
	return &v
}
