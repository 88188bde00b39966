// Package report turns a product's activity record into series a chart can
// draw: velocity, a sprint's burndown and burnup, cumulative flow, cycle
// time, estimation accuracy and the follow-through of retrospective actions.
//
// Every item change is recorded as an activity entry of entity type "item"
// carrying the fields that changed (activity.Diff of the item), and an item's
// creation carries all its fields. Reports replay those entries in order to
// know each item's sprint, status, points and origin at any moment, so they
// need no tables of their own and see history exactly as it was recorded.
// Whether a status counts as to do, in progress or done is read from its
// category as the workflow defines it now (a status since deleted keeps the
// category recorded with the item). Days are counted in the team's time zone
// (team.Settings.TimeZone).
package report

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/sprint"
	"github.com/pamateam/pama/internal/team"
)

// Limits.
const (
	// DefaultDays is the length of a range when from is left out.
	DefaultDays = 30
	// MaxDays is the longest range a report covers.
	MaxDays = 366
	// MaxSprints is the most sprints a velocity report shows.
	MaxSprints = 50
	// maxBurnDays caps the days of a burndown whose sprint ran far too long.
	maxBurnDays = 731
)

// ItemQuery selects the item entries a report replays.
type ItemQuery struct {
	// Mentions is an id (a sprint's or a product's) that must appear in the
	// changes of at least one entry of the item for any of its entries to be
	// returned.
	Mentions string
	// CreatedOnly looks for Mentions in the items' creation entries only (a
	// product id, which an item never changes).
	CreatedOnly bool
	// Before leaves out entries at or after it; zero: none left out.
	Before time.Time
}

// Store is the persistence reports read; sqlstore.Store implements it.
type Store interface {
	Settings(ctx context.Context, team string) (team.Settings, error)
	Sprint(ctx context.Context, team, id string) (sprint.Sprint, error)
	Sprints(ctx context.Context, team, productID string, state sprint.State) ([]sprint.Sprint, error)
	Statuses(ctx context.Context, team string) ([]backlog.Status, error)
	// ItemActivity returns the entries of entity type "item" that q
	// selects, oldest first (by seq).
	ItemActivity(ctx context.Context, team string, q ItemQuery) ([]activity.Entry, error)
}

// Service computes reports from a Store.
type Service struct {
	store Store
	log   *slog.Logger
	now   func() time.Time
}

// NewService returns a Service on store. now is the clock (nil: time.Now).
func NewService(store Store, log *slog.Logger, now func() time.Time) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, log: log, now: now}
}

// Range is a span of whole days in a time zone, from First to Last
// inclusive; both are midnights in Loc.
type Range struct {
	First, Last time.Time
	Loc         *time.Location
}

const dateLayout = "2006-01-02"

// ParseRange reads from and to (YYYY-MM-DD, either may be empty) as days in
// loc. to defaults to today, from to DefaultDays days ending at to. Errors
// name the query parameter: "query.from" or "query.to".
func ParseRange(from, to string, loc *time.Location, now time.Time) (Range, error) {
	r := Range{Loc: loc}
	today := midnight(now.In(loc))
	r.Last = today
	if to != "" {
		d, err := time.ParseInLocation(dateLayout, to, loc)
		if err != nil {
			return r, &errkind.FieldError{Field: "query.to", Message: "must be a date as YYYY-MM-DD", Value: to}
		}
		r.Last = d
	}
	r.First = r.Last.AddDate(0, 0, -(DefaultDays - 1))
	if from != "" {
		d, err := time.ParseInLocation(dateLayout, from, loc)
		if err != nil {
			return r, &errkind.FieldError{Field: "query.from", Message: "must be a date as YYYY-MM-DD", Value: from}
		}
		r.First = d
	}
	if r.First.After(r.Last) {
		return r, &errkind.FieldError{Field: "query.from", Message: "must not be after to", Value: from}
	}
	if n := r.Days(); n > MaxDays {
		return r, &errkind.FieldError{Field: "query.from", Message: fmt.Sprintf("must be at most %d days before to", MaxDays-1), Value: from}
	}
	return r, nil
}

// Days returns the number of days in r.
func (r Range) Days() int { return daysBetween(r.First, r.Last) + 1 }

// End returns the midnight after r's last day.
func (r Range) End() time.Time { return nextDay(r.Last) }

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

func nextDay(day time.Time) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, day.Location())
}

// daysBetween counts calendar days from a to b (both midnights in one zone),
// whatever daylight saving did in between.
func daysBetween(a, b time.Time) int {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	ua := time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)
	ub := time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua).Hours() / 24)
}

// location returns the team's time zone.
func (s *Service) location(ctx context.Context, teamID string) (*time.Location, error) {
	set, err := s.store.Settings(ctx, teamID)
	if err != nil {
		return nil, fmt.Errorf("report: settings: %w", err)
	}
	return set.Location(), nil
}

func (s *Service) productItems(ctx context.Context, teamID, productID string, before time.Time) ([]activity.Entry, []backlog.Status, error) {
	statuses, err := s.store.Statuses(ctx, teamID)
	if err != nil {
		return nil, nil, fmt.Errorf("report: statuses: %w", err)
	}
	entries, err := s.store.ItemActivity(ctx, teamID, ItemQuery{Mentions: productID, CreatedOnly: true, Before: before})
	if err != nil {
		return nil, nil, fmt.Errorf("report: item activity: %w", err)
	}
	return entries, statuses, nil
}
