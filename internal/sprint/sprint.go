// Package sprint is the sprints of a product: planning them, starting one
// with a goal and dates, completing it (unfinished items carry over to the
// next sprint or back to the product backlog, as the user chooses) and the
// capacity of each member in each sprint.
//
// By default a product has at most one active sprint; a team can allow more
// in its backlog settings. Every change writes an activity record of entity
// type "sprint"; items carried over get records of their own.
package sprint

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pamateam/pama/internal/errkind"
)

// State is where a sprint is in its life.
type State string

// The states.
const (
	StatePlanned   State = "planned"
	StateActive    State = "active"
	StateCompleted State = "completed"
)

// Valid reports whether s is a known state.
func (s State) Valid() bool { return s == StatePlanned || s == StateActive || s == StateCompleted }

// Sprint is one sprint of a product.
type Sprint struct {
	ID              string    `json:"id"`
	TeamID          string    `json:"team_id"`
	ProductID       string    `json:"product_id"`
	Number          int64     `json:"number" doc:"Number of the sprint in its product, from 1"`
	Name            string    `json:"name" example:"Sprint 7"`
	Goal            string    `json:"goal" example:"Teams can sign in with an emailed code"`
	State           State     `json:"state" enum:"planned,active,completed"`
	StartDate       string    `json:"start_date,omitempty" doc:"First day, YYYY-MM-DD" example:"2026-03-02"`
	EndDate         string    `json:"end_date,omitempty" doc:"Last day, YYYY-MM-DD" example:"2026-03-13"`
	StartedAt       time.Time `json:"started_at,omitzero"`
	CompletedAt     time.Time `json:"completed_at,omitzero"`
	CommittedPoints float64   `json:"committed_points" doc:"Story points in the sprint when it started"`
	CommittedItems  int       `json:"committed_items" doc:"Items in the sprint when it started"`
	CompletedPoints float64   `json:"completed_points" doc:"Story points done when it completed"`
	CompletedItems  int       `json:"completed_items" doc:"Items done when it completed"`
	CarriedItems    int       `json:"carried_items" doc:"Unfinished items carried over when it completed"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	Version         int64     `json:"version"`
}

// Capacity is how much one member can take on in a sprint.
type Capacity struct {
	AccountID string  `json:"account_id"`
	Days      float64 `json:"days" minimum:"0" maximum:"366" doc:"Days the member is available in the sprint"`
	Points    float64 `json:"points" minimum:"0" maximum:"1000" doc:"Story points the member expects to take on; 0 when not planned"`
}

// CarryTo says where a completed sprint's unfinished items go.
type CarryTo string

// The choices. Any other value is the id of a planned sprint of the product.
const (
	CarryToBacklog CarryTo = "backlog" // back to the product backlog (no sprint)
	CarryToNext    CarryTo = "next"    // the next planned sprint, made if there is none
)

// NewSprint is a sprint to plan.
type NewSprint struct {
	ProductID string
	Name      string // "": "Sprint N"
	Goal      string
	StartDate string
	EndDate   string
}

// Patch changes a planned or active sprint. Nil fields stay as they are.
type Patch struct {
	Name      *string
	Goal      *string
	StartDate *string
	EndDate   *string
}

// Start starts a sprint. Empty fields keep what was planned.
type Start struct {
	Version   int64
	Goal      string
	StartDate string
	EndDate   string
}

// Completion is a completed sprint and where its unfinished items went.
type Completion struct {
	Sprint  Sprint   `json:"sprint"`
	Next    *Sprint  `json:"next,omitempty" doc:"The sprint that received the unfinished items"`
	Carried []string `json:"carried" doc:"Ids of the items carried over"`
}

// Errors.
var (
	ErrNotFound        = fmt.Errorf("sprint: sprint %w", errkind.NotFound)
	ErrProductNotFound = fmt.Errorf("sprint: product %w", errkind.NotFound)
	ErrActiveExists    = errkind.New(errkind.Conflict, "sprint: the product already has an active sprint; complete it first")
	ErrNotPlanned      = errkind.New(errkind.Conflict, "sprint: only a planned sprint can do this")
	ErrNotActive       = errkind.New(errkind.Conflict, "sprint: only an active sprint can be completed")
	ErrCompleted       = errkind.New(errkind.Conflict, "sprint: a completed sprint cannot change")
)

// Limits.
const (
	MaxName     = 80
	MaxGoal     = 1000
	MaxCapacity = 100
)

// Store is the persistence sprints need; sqlstore.Store implements it.
type Store interface {
	CreateSprint(ctx context.Context, team string, n NewSprint) (Sprint, error)
	Sprint(ctx context.Context, team, id string) (Sprint, error)
	// Sprints lists a product's sprints by number; state "" lists all.
	Sprints(ctx context.Context, team, productID string, state State) ([]Sprint, error)
	UpdateSprint(ctx context.Context, team, id string, version int64, p Patch) (Sprint, error)
	DeleteSprint(ctx context.Context, team, id string, version int64) error
	StartSprint(ctx context.Context, team, id string, st Start) (Sprint, error)
	// CompleteSprint completes an active sprint and moves its items whose
	// status is not in the done category to the backlog or another sprint.
	CompleteSprint(ctx context.Context, team, id string, version int64, to CarryTo) (Completion, error)
	Capacity(ctx context.Context, team, sprintID string) ([]Capacity, error)
	SetCapacity(ctx context.Context, team, sprintID string, cs []Capacity) ([]Capacity, error)
}

// Service is the sprint use cases over a Store.
type Service struct {
	store Store
	log   *slog.Logger
}

// NewService returns a Service on store.
func NewService(store Store, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, log: log}
}

func checkText(errs *errkind.FieldErrors, field string, v *string, min, max int) {
	if v == nil {
		return
	}
	*v = strings.TrimSpace(*v)
	if n := utf8.RuneCountInString(*v); n < min || n > max {
		*errs = append(*errs, errkind.Field(field, fmt.Sprintf("must be %d to %d characters", min, max)))
	}
}

func checkDates(errs *errkind.FieldErrors, start, end *string) {
	var s, e time.Time
	var err error
	if start != nil && *start != "" {
		if s, err = time.Parse(time.DateOnly, *start); err != nil {
			*errs = append(*errs, errkind.Field("start_date", "must be a date as YYYY-MM-DD"))
		}
	}
	if end != nil && *end != "" {
		if e, err = time.Parse(time.DateOnly, *end); err != nil {
			*errs = append(*errs, errkind.Field("end_date", "must be a date as YYYY-MM-DD"))
		}
	}
	if !s.IsZero() && !e.IsZero() && e.Before(s) {
		*errs = append(*errs, errkind.Field("end_date", "must not be before start_date"))
	}
}

// Create plans a new sprint in a product.
func (s *Service) Create(ctx context.Context, team string, n NewSprint) (Sprint, error) {
	var errs errkind.FieldErrors
	checkText(&errs, "name", &n.Name, 0, MaxName)
	checkText(&errs, "goal", &n.Goal, 0, MaxGoal)
	checkDates(&errs, &n.StartDate, &n.EndDate)
	if err := errs.Err(); err != nil {
		return Sprint{}, err
	}
	return s.store.CreateSprint(ctx, team, n)
}

// Sprint returns one sprint.
func (s *Service) Sprint(ctx context.Context, team, id string) (Sprint, error) {
	return s.store.Sprint(ctx, team, id)
}

// List returns a product's sprints by number, optionally in one state.
func (s *Service) List(ctx context.Context, team, productID string, state State) ([]Sprint, error) {
	if state != "" && !state.Valid() {
		return nil, errkind.Field("state", "must be planned, active or completed")
	}
	return s.store.Sprints(ctx, team, productID, state)
}

// Update changes a sprint's name, goal or dates.
func (s *Service) Update(ctx context.Context, team, id string, version int64, p Patch) (Sprint, error) {
	var errs errkind.FieldErrors
	checkText(&errs, "name", p.Name, 1, MaxName)
	checkText(&errs, "goal", p.Goal, 0, MaxGoal)
	checkDates(&errs, p.StartDate, p.EndDate)
	if err := errs.Err(); err != nil {
		return Sprint{}, err
	}
	return s.store.UpdateSprint(ctx, team, id, version, p)
}

// Delete deletes a planned sprint; its items go back to the product backlog.
func (s *Service) Delete(ctx context.Context, team, id string, version int64) error {
	return s.store.DeleteSprint(ctx, team, id, version)
}

// Start starts a planned sprint with a goal and dates. It needs both dates
// (planned or given here).
func (s *Service) Start(ctx context.Context, team, id string, st Start) (Sprint, error) {
	var errs errkind.FieldErrors
	checkText(&errs, "goal", &st.Goal, 0, MaxGoal)
	checkDates(&errs, &st.StartDate, &st.EndDate)
	if err := errs.Err(); err != nil {
		return Sprint{}, err
	}
	return s.store.StartSprint(ctx, team, id, st)
}

// Complete completes the active sprint; unfinished items go where to says.
func (s *Service) Complete(ctx context.Context, team, id string, version int64, to CarryTo) (Completion, error) {
	if to == "" {
		return Completion{}, errkind.Field("carry_over", `must be "backlog", "next" or the id of a planned sprint`)
	}
	return s.store.CompleteSprint(ctx, team, id, version, to)
}

// Capacity returns the members' capacity in a sprint.
func (s *Service) Capacity(ctx context.Context, team, sprintID string) ([]Capacity, error) {
	return s.store.Capacity(ctx, team, sprintID)
}

// SetCapacity replaces the members' capacity in a sprint.
func (s *Service) SetCapacity(ctx context.Context, team, sprintID string, cs []Capacity) ([]Capacity, error) {
	var errs errkind.FieldErrors
	if len(cs) > MaxCapacity {
		errs = append(errs, errkind.Field("capacity", fmt.Sprintf("must have at most %d members", MaxCapacity)))
	}
	seen := map[string]bool{}
	for i, c := range cs {
		if c.AccountID == "" || len(c.AccountID) > 64 || seen[c.AccountID] {
			errs = append(errs, errkind.Field(fmt.Sprintf("capacity.%d.account_id", i), "must name each member once"))
		}
		seen[c.AccountID] = true
		if c.Days < 0 || c.Days > 366 {
			errs = append(errs, errkind.Field(fmt.Sprintf("capacity.%d.days", i), "must be between 0 and 366"))
		}
		if c.Points < 0 || c.Points > 1000 {
			errs = append(errs, errkind.Field(fmt.Sprintf("capacity.%d.points", i), "must be between 0 and 1000"))
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return s.store.SetCapacity(ctx, team, sprintID, cs)
}
