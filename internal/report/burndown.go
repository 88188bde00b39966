package report

import (
	"context"
	"fmt"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/sprint"
)

// Burndown is a sprint's burndown and burnup: one entry per day from its
// start date to its end date (or to the day it completed or today, when
// that is later).
type Burndown struct {
	SprintID        string       `json:"sprint_id"`
	Name            string       `json:"name"`
	State           sprint.State `json:"state" enum:"planned,active,completed"`
	StartDate       string       `json:"start_date,omitempty"`
	EndDate         string       `json:"end_date,omitempty"`
	TimeZone        string       `json:"time_zone" doc:"The team's time zone; days are counted in it"`
	CommittedPoints float64      `json:"committed_points" doc:"Points in the sprint when it started (the planned scope for a planned sprint): where the ideal line starts"`
	CommittedItems  int          `json:"committed_items" doc:"Items in the sprint when it started (the planned scope for a planned sprint)"`
	Days            []BurnDay    `json:"days"`
}

// BurnDay is the state of a sprint at the end of one day (or now, for
// today). The measured fields are absent for days still to come, and for
// days after the sprint completed.
type BurnDay struct {
	Date                 string   `json:"date" example:"2026-03-02"`
	IdealRemainingPoints float64  `json:"ideal_remaining_points" doc:"The ideal line: committed points falling evenly to 0 at the end of the end date"`
	IdealRemainingItems  float64  `json:"ideal_remaining_items"`
	RemainingPoints      *float64 `json:"remaining_points,omitempty" doc:"Points of the sprint's items not done (burndown)"`
	RemainingItems       *int     `json:"remaining_items,omitempty"`
	CompletedPoints      *float64 `json:"completed_points,omitempty" doc:"Points of the sprint's items done (burnup)"`
	CompletedItems       *int     `json:"completed_items,omitempty"`
	ScopePoints          *float64 `json:"scope_points,omitempty" doc:"Points of every item in the sprint: the burnup's scope line, which moves when items are added, removed or re-estimated"`
	ScopeItems           *int     `json:"scope_items,omitempty"`
}

// Burndown returns the burndown and burnup of one of team's sprints.
func (s *Service) Burndown(ctx context.Context, teamID, sprintID string) (Burndown, error) {
	sp, err := s.store.Sprint(ctx, teamID, sprintID)
	if err != nil {
		return Burndown{}, err
	}
	loc, err := s.location(ctx, teamID)
	if err != nil {
		return Burndown{}, err
	}
	statuses, err := s.store.Statuses(ctx, teamID)
	if err != nil {
		return Burndown{}, fmt.Errorf("report: statuses: %w", err)
	}
	entries, err := s.store.ItemActivity(ctx, teamID, ItemQuery{Mentions: sp.ID, Before: sp.CompletedAt})
	if err != nil {
		return Burndown{}, fmt.Errorf("report: item activity: %w", err)
	}
	return BurndownOf(sp, entries, statuses, loc, s.now()), nil
}

// BurndownOf computes the burndown of sp from the item entries that concern
// it (oldest first), with the team's statuses, in loc, as of now. A
// completed sprint is measured as it stood just before it completed, so the
// items carried over still count as not done on its last day.
func BurndownOf(sp sprint.Sprint, entries []activity.Entry, statuses []backlog.Status, loc *time.Location, now time.Time) Burndown {
	b := Burndown{SprintID: sp.ID, Name: sp.Name, State: sp.State, StartDate: sp.StartDate, EndDate: sp.EndDate,
		TimeZone: loc.String(), CommittedPoints: sp.CommittedPoints, CommittedItems: sp.CommittedItems, Days: []BurnDay{}}
	r := newReplay(entries, statuses)
	if sp.State == sprint.StatePlanned {
		r.all()
		b.CommittedPoints, b.CommittedItems, _, _ = sprintTotals(r, sp.ID)
	}
	first, err1 := time.ParseInLocation(dateLayout, sp.StartDate, loc)
	end, err2 := time.ParseInLocation(dateLayout, sp.EndDate, loc)
	if err1 != nil || err2 != nil || end.Before(first) {
		return b
	}
	stop := now // measurements end here
	if sp.State == sprint.StateCompleted && !sp.CompletedAt.IsZero() {
		stop = sp.CompletedAt
	}
	last := end
	if sp.State != sprint.StatePlanned {
		if d := midnight(stop.In(loc)); d.After(last) {
			last = d
		}
	}
	planned := daysBetween(first, end) + 1
	n := min(daysBetween(first, last)+1, maxBurnDays)
	b.Days = make([]BurnDay, 0, n)
	day := first
	for i := range n {
		bd := BurnDay{Date: day.Format(dateLayout)}
		if left := planned - 1 - i; left > 0 {
			bd.IdealRemainingPoints = b.CommittedPoints * float64(left) / float64(planned)
			bd.IdealRemainingItems = float64(b.CommittedItems) * float64(left) / float64(planned)
		}
		next := nextDay(day)
		if sp.State != sprint.StatePlanned && day.Before(stop) {
			cut := next
			if stop.Before(cut) {
				cut = stop
			}
			r.until(cut)
			scopeP, scopeN, doneP, doneN := sprintTotals(r, sp.ID)
			remP, remN := scopeP-doneP, scopeN-doneN
			bd.RemainingPoints, bd.RemainingItems = &remP, &remN
			bd.CompletedPoints, bd.CompletedItems = &doneP, &doneN
			bd.ScopePoints, bd.ScopeItems = &scopeP, &scopeN
		}
		b.Days = append(b.Days, bd)
		day = next
	}
	return b
}

// sprintTotals sums the items in sprint id at the replay's moment: all of
// them (scope) and those done.
func sprintTotals(r *replay, id string) (scopeP float64, scopeN int, doneP float64, doneN int) {
	for _, it := range r.order {
		if it.deleted || it.sprint != id {
			continue
		}
		p := it.pointsOr0()
		scopeP += p
		scopeN++
		if it.cat == backlog.CategoryDone {
			doneP += p
			doneN++
		}
	}
	return scopeP, scopeN, doneP, doneN
}
