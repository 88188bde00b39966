package report

import (
	"context"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/backlog"
)

// Flow is a product's cumulative flow: how many items were in each status
// category, and in each status, at the end of every day of a range. Epics
// are left out: they hold work rather than flow.
type Flow struct {
	From     string       `json:"from" example:"2026-03-01"`
	To       string       `json:"to" example:"2026-03-30"`
	TimeZone string       `json:"time_zone"`
	Statuses []FlowStatus `json:"statuses" doc:"The workflow's statuses in order, to name the keys of by_status"`
	Days     []FlowDay    `json:"days" doc:"One entry per day up to today; days still to come are left out"`
}

// FlowStatus names one status of the workflow.
type FlowStatus struct {
	ID       string           `json:"id"`
	Name     string           `json:"name"`
	Category backlog.Category `json:"category" enum:"todo,in_progress,done"`
}

// FlowDay counts a product's items by category and by status at the end of
// one day (or now, for today).
type FlowDay struct {
	Date       string         `json:"date" example:"2026-03-02"`
	Todo       int            `json:"todo"`
	InProgress int            `json:"in_progress"`
	Done       int            `json:"done"`
	ByStatus   map[string]int `json:"by_status" doc:"Items per status id; a status since deleted appears under its id"`
}

// CumulativeFlow returns the cumulative flow of a product over from..to
// (YYYY-MM-DD in the team's time zone; see ParseRange for the defaults).
func (s *Service) CumulativeFlow(ctx context.Context, teamID, productID, from, to string) (Flow, error) {
	loc, err := s.location(ctx, teamID)
	if err != nil {
		return Flow{}, err
	}
	now := s.now()
	rg, err := ParseRange(from, to, loc, now)
	if err != nil {
		return Flow{}, err
	}
	entries, statuses, err := s.productItems(ctx, teamID, productID, rg.End())
	if err != nil {
		return Flow{}, err
	}
	return FlowOf(productID, entries, statuses, rg, now), nil
}

// FlowOf computes the cumulative flow of product over rg from the item
// entries (oldest first), as of now.
func FlowOf(product string, entries []activity.Entry, statuses []backlog.Status, rg Range, now time.Time) Flow {
	f := Flow{From: rg.First.Format(dateLayout), To: rg.Last.Format(dateLayout), TimeZone: rg.Loc.String(),
		Statuses: make([]FlowStatus, 0, len(statuses)), Days: []FlowDay{}}
	for _, st := range statuses {
		f.Statuses = append(f.Statuses, FlowStatus{ID: st.ID, Name: st.Name, Category: st.Category})
	}
	r := newReplay(entries, statuses)
	for day := rg.First; !day.After(rg.Last) && day.Before(now); day = nextDay(day) {
		cut := nextDay(day)
		if now.Before(cut) {
			cut = now
		}
		r.until(cut)
		fd := FlowDay{Date: day.Format(dateLayout), ByStatus: map[string]int{}}
		for _, it := range r.order {
			if it.deleted || it.product != product || it.kind == backlog.KindEpic {
				continue
			}
			switch it.cat {
			case backlog.CategoryTodo:
				fd.Todo++
			case backlog.CategoryInProgress:
				fd.InProgress++
			case backlog.CategoryDone:
				fd.Done++
			}
			fd.ByStatus[it.status]++
		}
		f.Days = append(f.Days, fd)
	}
	return f
}
