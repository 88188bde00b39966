package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/sprint"
)

// RetroActions is the follow-through of the actions a product's
// retrospectives decided: the items born in a retrospective in a range, how
// many are done, per sprint and week by week.
type RetroActions struct {
	From     string        `json:"from"`
	To       string        `json:"to"`
	TimeZone string        `json:"time_zone"`
	Created  int           `json:"created" doc:"Actions born in the range"`
	Done     int           `json:"done" doc:"Of those, done at the end of the range (or now)"`
	Open     int           `json:"open" doc:"Of those, not done (deleted ones are neither)"`
	Deleted  int           `json:"deleted" doc:"Of those, deleted since"`
	Sprints  []RetroSprint `json:"sprints" doc:"Per sprint whose retrospective decided them, by sprint number"`
	Weeks    []RetroWeek   `json:"weeks" doc:"Week by week (weeks start on Monday); weeks still to come are left out"`
	Items    []RetroItem   `json:"items" doc:"The actions, oldest first"`
}

// RetroSprint counts the actions decided while one sprint ran or right
// after it ended: those created after it started and before the next one
// did. SprintID is empty for actions older than any sprint.
type RetroSprint struct {
	SprintID string `json:"sprint_id,omitempty"`
	Number   int64  `json:"number,omitempty"`
	Name     string `json:"name,omitempty"`
	Created  int    `json:"created"`
	Done     int    `json:"done"`
	Open     int    `json:"open"`
}

// RetroWeek is one week of retrospective actions: those created and those
// first done in it, and how many were open at its end (or now). The counts
// cover every action of the product, also those born before the range.
type RetroWeek struct {
	Week    string `json:"week" doc:"The week's Monday, YYYY-MM-DD (the range's first day for a first week cut short)"`
	Created int    `json:"created"`
	Done    int    `json:"done"`
	Open    int    `json:"open" doc:"Actions not done at the end of the week"`
}

// RetroItem is one retrospective action.
type RetroItem struct {
	ItemID    string           `json:"item_id"`
	Key       string           `json:"key"`
	Title     string           `json:"title"`
	SprintID  string           `json:"sprint_id,omitempty" doc:"The sprint whose retrospective decided it"`
	CreatedAt time.Time        `json:"created_at"`
	Category  backlog.Category `json:"status_category" enum:"todo,in_progress,done"`
	DoneAt    *time.Time       `json:"done_at,omitempty" doc:"When it first entered a done status"`
	Deleted   bool             `json:"deleted,omitempty"`
}

// RetroActions returns the follow-through of a product's retrospective
// actions created in from..to (see ParseRange).
func (s *Service) RetroActions(ctx context.Context, teamID, productID, from, to string) (RetroActions, error) {
	loc, err := s.location(ctx, teamID)
	if err != nil {
		return RetroActions{}, err
	}
	now := s.now()
	rg, err := ParseRange(from, to, loc, now)
	if err != nil {
		return RetroActions{}, err
	}
	sprints, err := s.store.Sprints(ctx, teamID, productID, "")
	if err != nil {
		return RetroActions{}, fmt.Errorf("report: sprints: %w", err)
	}
	entries, statuses, err := s.productItems(ctx, teamID, productID, rg.End())
	if err != nil {
		return RetroActions{}, err
	}
	return RetroActionsOf(productID, entries, statuses, sprints, rg, now), nil
}

// RetroActionsOf computes the follow-through of product's retrospective
// actions created in rg from the item entries (oldest first) and the
// product's sprints, as of now.
func RetroActionsOf(product string, entries []activity.Entry, statuses []backlog.Status, sprints []sprint.Sprint, rg Range, now time.Time) RetroActions {
	ra := RetroActions{From: rg.First.Format(dateLayout), To: rg.Last.Format(dateLayout), TimeZone: rg.Loc.String(),
		Sprints: []RetroSprint{}, Weeks: []RetroWeek{}, Items: []RetroItem{}}
	started := slices.Clone(sprints)
	started = slices.DeleteFunc(started, func(sp sprint.Sprint) bool { return sp.StartedAt.IsZero() })
	slices.SortFunc(started, func(a, b sprint.Sprint) int { return a.StartedAt.Compare(b.StartedAt) })
	sprintOf := func(t time.Time) *sprint.Sprint {
		var found *sprint.Sprint
		for i := range started {
			if started[i].StartedAt.After(t) {
				break
			}
			found = &started[i]
		}
		return found
	}
	isAction := func(it *item) bool {
		return it.product == product && it.origin == backlog.CeremonyRetrospective
	}

	r := newReplay(entries, statuses)
	end := rg.End()
	// Week by week; the replay moves forward to each week's end.
	for wk := rg.First; !wk.After(rg.Last) && wk.Before(now); {
		next := weekAfter(wk)
		cut := next
		if end.Before(cut) {
			cut = end
		}
		if now.Before(cut) {
			cut = now
		}
		r.until(cut)
		w := RetroWeek{Week: wk.Format(dateLayout)}
		for _, it := range r.order {
			if !isAction(it) {
				continue
			}
			if !it.created.Before(wk) && it.created.Before(cut) {
				w.Created++
			}
			if d := it.firstDone(); !d.IsZero() && !d.Before(wk) && d.Before(cut) {
				w.Done++
			}
			if !it.deleted && it.cat != backlog.CategoryDone {
				w.Open++
			}
		}
		ra.Weeks = append(ra.Weeks, w)
		wk = next
	}

	if now.Before(end) {
		r.until(now.Add(time.Nanosecond))
	} else {
		r.until(end)
	}
	bySprint := map[string]*RetroSprint{}
	var order []string
	for _, it := range r.order {
		if !isAction(it) || it.created.Before(rg.First) || !it.created.Before(end) {
			continue
		}
		ri := RetroItem{ItemID: it.id, Key: it.key, Title: it.title, CreatedAt: it.created, Category: it.cat, Deleted: it.deleted}
		if d := it.firstDone(); !d.IsZero() {
			ri.DoneAt = &d
		}
		rs := RetroSprint{}
		if sp := sprintOf(it.created); sp != nil {
			ri.SprintID = sp.ID
			rs = RetroSprint{SprintID: sp.ID, Number: sp.Number, Name: sp.Name}
		}
		ra.Items = append(ra.Items, ri)
		g := bySprint[ri.SprintID]
		if g == nil {
			g = &rs
			bySprint[ri.SprintID] = g
			order = append(order, ri.SprintID)
		}
		ra.Created++
		g.Created++
		switch {
		case it.deleted:
			ra.Deleted++
		case it.cat == backlog.CategoryDone:
			ra.Done++
			g.Done++
		default:
			ra.Open++
			g.Open++
		}
	}
	for _, id := range order {
		ra.Sprints = append(ra.Sprints, *bySprint[id])
	}
	slices.SortFunc(ra.Sprints, func(a, b RetroSprint) int { return cmp.Compare(a.Number, b.Number) })
	slices.SortStableFunc(ra.Items, func(a, b RetroItem) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return ra
}

// weekAfter returns the Monday after day (a midnight).
func weekAfter(day time.Time) time.Time {
	n := (8 - int(day.Weekday())) % 7
	if n == 0 {
		n = 7
	}
	y, m, d := day.Date()
	return time.Date(y, m, d+n, 0, 0, 0, 0, day.Location())
}
