package report

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/backlog"
)

// Cycle is one item completed in a range: from the first time it entered a
// status in progress to the last time in the range it entered a done one.
type Cycle struct {
	ItemID      string       `json:"item_id"`
	Key         string       `json:"key" example:"PAMA-42"`
	Title       string       `json:"title"`
	Kind        backlog.Kind `json:"kind" enum:"epic,story,task,bug,subtask"`
	Points      *float64     `json:"points,omitempty" doc:"The estimate when the item was completed"`
	StartedAt   time.Time    `json:"started_at"`
	CompletedAt time.Time    `json:"completed_at"`
	Days        float64      `json:"cycle_days" doc:"Cycle time in days (24 hours), to the minute"`
}

// Percentiles are the cycle times, in days, that 50, 85 and 95 per cent of
// the items took at most (nearest rank); all 0 when there are no items.
type Percentiles struct {
	P50 float64 `json:"p50"`
	P85 float64 `json:"p85"`
	P95 float64 `json:"p95"`
}

// CycleTimes is the cycle time of a product's items completed in a range,
// oldest completion first. Epics are left out.
type CycleTimes struct {
	From        string      `json:"from"`
	To          string      `json:"to"`
	TimeZone    string      `json:"time_zone"`
	Count       int         `json:"count" doc:"Items completed in the range with a cycle time"`
	Percentiles Percentiles `json:"percentiles"`
	// NotStarted counts items completed in the range that never were in a
	// status in progress: they have no cycle time.
	NotStarted int     `json:"not_started" doc:"Items completed in the range that went to done without passing a status in progress; they have no cycle time"`
	Items      []Cycle `json:"items"`
}

// EstimateGroup is how long the items of one estimate took.
type EstimateGroup struct {
	Points     float64 `json:"points"`
	Count      int     `json:"count"`
	MedianDays float64 `json:"median_days"`
	P85Days    float64 `json:"p85_days"`
	MinDays    float64 `json:"min_days"`
	MaxDays    float64 `json:"max_days"`
}

// Estimation compares estimates with what happened: the cycle time of each
// item completed in a range with an estimate, grouped by estimate, so a
// chart can show whether bigger estimates took longer.
type Estimation struct {
	From     string          `json:"from"`
	To       string          `json:"to"`
	TimeZone string          `json:"time_zone"`
	Groups   []EstimateGroup `json:"groups" doc:"One per estimate, smallest first"`
	// Unestimated counts items completed in the range with a cycle time
	// but no estimate.
	Unestimated int     `json:"unestimated" doc:"Items completed in the range with a cycle time but no estimate"`
	Items       []Cycle `json:"items" doc:"The estimated items, oldest completion first"`
}

// CycleTime returns the cycle times of a product's items completed in
// from..to (see ParseRange).
func (s *Service) CycleTime(ctx context.Context, teamID, productID, from, to string) (CycleTimes, error) {
	loc, err := s.location(ctx, teamID)
	if err != nil {
		return CycleTimes{}, err
	}
	rg, err := ParseRange(from, to, loc, s.now())
	if err != nil {
		return CycleTimes{}, err
	}
	entries, statuses, err := s.productItems(ctx, teamID, productID, rg.End())
	if err != nil {
		return CycleTimes{}, err
	}
	return CycleTimesOf(productID, entries, statuses, rg), nil
}

// EstimationAccuracy returns the estimation accuracy of a product's items
// completed in from..to (see ParseRange).
func (s *Service) EstimationAccuracy(ctx context.Context, teamID, productID, from, to string) (Estimation, error) {
	ct, err := s.CycleTime(ctx, teamID, productID, from, to)
	if err != nil {
		return Estimation{}, err
	}
	return EstimationOf(ct), nil
}

// CycleTimesOf computes the cycle times of product's items completed in rg
// from the item entries (oldest first).
func CycleTimesOf(product string, entries []activity.Entry, statuses []backlog.Status, rg Range) CycleTimes {
	ct := CycleTimes{From: rg.First.Format(dateLayout), To: rg.Last.Format(dateLayout), TimeZone: rg.Loc.String(), Items: []Cycle{}}
	end := rg.End()
	r := newReplay(entries, statuses)
	r.until(end)
	for _, it := range r.order {
		if it.deleted || it.product != product || it.kind == backlog.KindEpic {
			continue
		}
		var c *completion
		for i := len(it.done) - 1; i >= 0; i-- {
			if at := it.done[i].at; !at.Before(rg.First) && at.Before(end) {
				c = &it.done[i]
				break
			}
		}
		if c == nil {
			continue
		}
		if it.started.IsZero() || it.started.After(c.at) {
			ct.NotStarted++
			continue
		}
		d := c.at.Sub(it.started)
		ct.Items = append(ct.Items, Cycle{ItemID: it.id, Key: it.key, Title: it.title, Kind: it.kind, Points: c.points,
			StartedAt: it.started, CompletedAt: c.at, Days: math.Round(d.Minutes()) / (24 * 60)})
	}
	slices.SortFunc(ct.Items, func(a, b Cycle) int {
		return cmp.Or(a.CompletedAt.Compare(b.CompletedAt), cmp.Compare(a.ItemID, b.ItemID))
	})
	days := make([]float64, len(ct.Items))
	for i, c := range ct.Items {
		days[i] = c.Days
	}
	slices.Sort(days)
	ct.Count = len(days)
	ct.Percentiles = Percentiles{P50: percentile(days, 50), P85: percentile(days, 85), P95: percentile(days, 95)}
	return ct
}

// EstimationOf groups the estimated items of ct by estimate.
func EstimationOf(ct CycleTimes) Estimation {
	e := Estimation{From: ct.From, To: ct.To, TimeZone: ct.TimeZone, Groups: []EstimateGroup{}, Items: []Cycle{}}
	by := map[float64][]float64{}
	for _, c := range ct.Items {
		if c.Points == nil {
			e.Unestimated++
			continue
		}
		e.Items = append(e.Items, c)
		by[*c.Points] = append(by[*c.Points], c.Days)
	}
	for p, days := range by {
		slices.Sort(days)
		e.Groups = append(e.Groups, EstimateGroup{Points: p, Count: len(days), MedianDays: median(days),
			P85Days: percentile(days, 85), MinDays: days[0], MaxDays: days[len(days)-1]})
	}
	slices.SortFunc(e.Groups, func(a, b EstimateGroup) int { return cmp.Compare(a.Points, b.Points) })
	return e
}

// percentile returns the nearest-rank p-th percentile of sorted; 0 when it
// is empty.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

// median returns the median of sorted (the mean of the middle two for an
// even count); 0 when it is empty.
func median(sorted []float64) float64 {
	n := len(sorted)
	switch {
	case n == 0:
		return 0
	case n%2 == 1:
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}
