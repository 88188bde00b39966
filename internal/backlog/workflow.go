package backlog

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pamateam/pama/internal/errkind"
)

// Category groups statuses: work not started, in progress, or done. Reports
// read categories, never status names, so teams may name statuses freely.
type Category string

// The categories.
const (
	CategoryTodo       Category = "todo"
	CategoryInProgress Category = "in_progress"
	CategoryDone       Category = "done"
)

// Valid reports whether c is a known category.
func (c Category) Valid() bool {
	return c == CategoryTodo || c == CategoryInProgress || c == CategoryDone
}

// Status is one step of a team's workflow, and one column of the board.
type Status struct {
	ID        string    `json:"id"`
	TeamID    string    `json:"team_id"`
	Name      string    `json:"name" example:"In review"`
	Category  Category  `json:"category" enum:"todo,in_progress,done"`
	Position  int       `json:"position" doc:"Order of the status in the workflow, from 0"`
	WIPLimit  int       `json:"wip_limit" doc:"Most items the board column should hold; 0 for no limit. Exceeding it warns and does not block"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// DefaultStatuses is the workflow a team starts with.
var DefaultStatuses = []Status{
	{Name: "To do", Category: CategoryTodo},
	{Name: "In progress", Category: CategoryInProgress},
	{Name: "In review", Category: CategoryInProgress},
	{Name: "Done", Category: CategoryDone},
}

// NewStatus is a status to add to the workflow.
type NewStatus struct {
	Name     string
	Category Category
	WIPLimit int
	Position *int // nil: last
}

// StatusPatch changes a status. Nil fields stay as they are.
type StatusPatch struct {
	Name     *string
	Category *Category
	WIPLimit *int
	Position *int
}

func checkStatusFields(name *string, cat *Category, wip *int, pos *int) error {
	var errs errkind.FieldErrors
	if name != nil {
		*name = strings.TrimSpace(*name)
		if n := utf8.RuneCountInString(*name); n < 1 || n > MaxStatusName {
			errs = append(errs, errkind.Field("name", fmt.Sprintf("must be 1 to %d characters", MaxStatusName)))
		}
	}
	if cat != nil && !cat.Valid() {
		errs = append(errs, errkind.Field("category", "must be one of todo, in_progress, done"))
	}
	if wip != nil && (*wip < 0 || *wip > 1000) {
		errs = append(errs, errkind.Field("wip_limit", "must be between 0 and 1000"))
	}
	if pos != nil && (*pos < 0 || *pos >= MaxStatuses) {
		errs = append(errs, errkind.Field("position", fmt.Sprintf("must be between 0 and %d", MaxStatuses-1)))
	}
	return errs.Err()
}

// Settings are a team's backlog settings.
type Settings struct {
	TeamID string `json:"team_id"`
	// ParallelSprints lets a product have more than one active sprint.
	ParallelSprints bool      `json:"parallel_sprints" doc:"Allow more than one active sprint per product (off by default)"`
	UpdatedAt       time.Time `json:"updated_at"`
	Version         int64     `json:"version"`
}
