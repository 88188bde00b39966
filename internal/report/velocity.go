package report

import (
	"context"
	"time"

	"github.com/pamateam/pama/internal/sprint"
)

// Velocity is what a product's last completed sprints committed to and
// completed, oldest first.
type Velocity struct {
	Sprints []VelocitySprint `json:"sprints"`
	// AveragePoints is the mean of CompletedPoints over Sprints; 0 when
	// there are none.
	AveragePoints float64 `json:"average_completed_points" doc:"Mean completed points over the sprints shown"`
	AverageItems  float64 `json:"average_completed_items" doc:"Mean completed items over the sprints shown"`
}

// VelocitySprint is one completed sprint's commitment and result.
type VelocitySprint struct {
	SprintID        string    `json:"sprint_id"`
	Number          int64     `json:"number"`
	Name            string    `json:"name"`
	StartDate       string    `json:"start_date,omitempty"`
	EndDate         string    `json:"end_date,omitempty"`
	CompletedAt     time.Time `json:"completed_at"`
	CommittedPoints float64   `json:"committed_points"`
	CompletedPoints float64   `json:"completed_points"`
	CommittedItems  int       `json:"committed_items"`
	CompletedItems  int       `json:"completed_items"`
	CarriedItems    int       `json:"carried_items"`
}

// Velocity returns the last n (1 to MaxSprints) completed sprints of a
// product.
func (s *Service) Velocity(ctx context.Context, teamID, productID string, n int) (Velocity, error) {
	list, err := s.store.Sprints(ctx, teamID, productID, sprint.StateCompleted)
	if err != nil {
		return Velocity{}, err
	}
	return VelocityOf(list, n), nil
}

// VelocityOf returns the velocity of the last n of the completed sprints in
// list (ordered by number).
func VelocityOf(list []sprint.Sprint, n int) Velocity {
	n = max(1, min(n, MaxSprints))
	var done []sprint.Sprint
	for _, sp := range list {
		if sp.State == sprint.StateCompleted {
			done = append(done, sp)
		}
	}
	if len(done) > n {
		done = done[len(done)-n:]
	}
	v := Velocity{Sprints: make([]VelocitySprint, 0, len(done))}
	for _, sp := range done {
		v.Sprints = append(v.Sprints, VelocitySprint{SprintID: sp.ID, Number: sp.Number, Name: sp.Name,
			StartDate: sp.StartDate, EndDate: sp.EndDate, CompletedAt: sp.CompletedAt,
			CommittedPoints: sp.CommittedPoints, CompletedPoints: sp.CompletedPoints,
			CommittedItems: sp.CommittedItems, CompletedItems: sp.CompletedItems, CarriedItems: sp.CarriedItems})
		v.AveragePoints += sp.CompletedPoints
		v.AverageItems += float64(sp.CompletedItems)
	}
	if k := len(v.Sprints); k > 0 {
		v.AveragePoints /= float64(k)
		v.AverageItems /= float64(k)
	}
	return v
}
