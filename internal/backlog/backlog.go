// Package backlog is a product's backlog: items (epics, stories, tasks, bugs
// and subtasks) with parent links, ranks, story points, assignees, labels and
// acceptance criteria; the team's workflow of statuses; the board; search and
// saved filters.
//
// Items are identified by UUIDs and carry their team id, so comments,
// attachments and ceremony records can hang off them. Every change goes
// through the Store in one transaction that also writes the activity record
// (entity type "item"; a status change is recorded with action "moved", which
// is what cycle time is computed from).
package backlog

import (
	"fmt"
	"time"

	"github.com/pamateam/pama/internal/errkind"
)

// Kind is what sort of work an item is.
type Kind string

// The kinds.
const (
	KindEpic    Kind = "epic"
	KindStory   Kind = "story"
	KindTask    Kind = "task"
	KindBug     Kind = "bug"
	KindSubtask Kind = "subtask"
)

// Kinds lists every kind, from the largest.
var Kinds = []Kind{KindEpic, KindStory, KindTask, KindBug, KindSubtask}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	switch k {
	case KindEpic, KindStory, KindTask, KindBug, KindSubtask:
		return true
	}
	return false
}

// Priority is how urgent an item is.
type Priority string

// The priorities.
const (
	PriorityLowest  Priority = "lowest"
	PriorityLow     Priority = "low"
	PriorityMedium  Priority = "medium"
	PriorityHigh    Priority = "high"
	PriorityHighest Priority = "highest"
)

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool {
	switch p {
	case PriorityLowest, PriorityLow, PriorityMedium, PriorityHigh, PriorityHighest:
		return true
	}
	return false
}

// Ceremony names the ceremonies an item can be born in.
type Ceremony string

// The ceremonies.
const (
	CeremonyRefinement    Ceremony = "refinement"
	CeremonyEstimation    Ceremony = "estimation"
	CeremonyDaily         Ceremony = "daily"
	CeremonyRetrospective Ceremony = "retrospective"
	CeremonyPlanning      Ceremony = "planning"
	CeremonyReview        Ceremony = "review"
)

// Valid reports whether c is a known ceremony.
func (c Ceremony) Valid() bool {
	switch c {
	case CeremonyRefinement, CeremonyEstimation, CeremonyDaily, CeremonyRetrospective, CeremonyPlanning, CeremonyReview:
		return true
	}
	return false
}

// Origin says which ceremony created an item.
type Origin struct {
	Ceremony  Ceremony `json:"ceremony" enum:"refinement,estimation,daily,retrospective,planning,review" doc:"The ceremony the item was born in"`
	SessionID string   `json:"session_id,omitempty" maxLength:"64" doc:"The ceremony session that created it, when known"`
}

// Criterion is one acceptance criterion: a checklist entry.
type Criterion struct {
	Text string `json:"text" minLength:"1" maxLength:"500" example:"A user can sign in with an emailed code"`
	Done bool   `json:"done" required:"false"`
}

// Item is one backlog item.
type Item struct {
	ID              string      `json:"id"`
	TeamID          string      `json:"team_id"`
	ProductID       string      `json:"product_id"`
	Number          int64       `json:"number" doc:"Number of the item in its product" example:"42"`
	Key             string      `json:"key" doc:"Product key and number" example:"PAMA-42"`
	Kind            Kind        `json:"kind" enum:"epic,story,task,bug,subtask"`
	ParentID        string      `json:"parent_id,omitempty" doc:"The epic of a story, task or bug; the story, task or bug of a subtask"`
	Title           string      `json:"title" example:"Sign in with an emailed code"`
	Description     string      `json:"description" doc:"Markdown, as written"`
	DescriptionHTML string      `json:"description_html,omitempty" doc:"The description rendered to sanitised HTML"`
	Criteria        []Criterion `json:"criteria" doc:"Acceptance criteria"`
	Points          *float64    `json:"points,omitempty" doc:"Story points; absent when not estimated" example:"3"`
	Assignees       []string    `json:"assignees" doc:"Account ids of the members working on it"`
	Labels          []string    `json:"labels" example:"[\"auth\"]"`
	Priority        Priority    `json:"priority" enum:"lowest,low,medium,high,highest"`
	DueDate         string      `json:"due_date,omitempty" doc:"YYYY-MM-DD" example:"2026-03-31"`
	Origin          *Origin     `json:"origin,omitempty" doc:"The ceremony that created the item, if any"`
	StatusID        string      `json:"status_id"`
	StatusCategory  Category    `json:"status_category" enum:"todo,in_progress,done"`
	SprintID        string      `json:"sprint_id,omitempty" doc:"The sprint the item is in; absent in the product backlog"`
	Rank            string      `json:"rank" doc:"Position in the product backlog: items sort by rank in byte order"`
	CreatedBy       string      `json:"created_by"`
	CreatedAt       time.Time   `json:"created_at"`
	UpdatedAt       time.Time   `json:"updated_at"`
	StatusChangedAt time.Time   `json:"status_changed_at" doc:"When the item last moved to another status"`
	Version         int64       `json:"version"`
}

// Errors.
var (
	ErrItemNotFound    = fmt.Errorf("backlog: item %w", errkind.NotFound)
	ErrProductNotFound = fmt.Errorf("backlog: product %w", errkind.NotFound)
	ErrStatusNotFound  = fmt.Errorf("backlog: status %w", errkind.NotFound)
	ErrFilterNotFound  = fmt.Errorf("backlog: saved filter %w", errkind.NotFound)
	ErrHasChildren     = errkind.New(errkind.Conflict, "backlog: the item has child items; delete or move them first")
	ErrStatusInUse     = errkind.New(errkind.Conflict, "backlog: items are in this status; name a status to move them to")
	ErrLastInCategory  = errkind.New(errkind.Conflict, "backlog: the workflow needs at least one status in each category")
	ErrTooManyFilters  = errkind.New(errkind.Invalid, "backlog: a member can save at most 100 filters")
	ErrSprintClosed    = errkind.New(errkind.Conflict, "backlog: the sprint is completed; items cannot be added to it")
)

// Limits.
const (
	MaxTitle       = 200
	MaxDescription = 20000
	MaxCriteria    = 50
	MaxCriterion   = 500
	MaxLabels      = 20
	MaxLabel       = 40
	MaxAssignees   = 10
	MaxPoints      = 1000
	MaxBulk        = 200
	MaxPage        = 200
	DefaultPage    = 50
	MaxStatuses    = 30
	MaxStatusName  = 40
	MaxFilters     = 100
	MaxFilterName  = 80
	MaxSearchText  = 200
)
