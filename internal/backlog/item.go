package backlog

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pamateam/pama/internal/errkind"
)

// Position says where to put an item in the backlog order: right after one
// item, right before one, at the top or at the bottom. At most one is set; a
// zero Position leaves the order as it is (or, for a new item, puts it at the
// bottom).
type Position struct {
	AfterID  string `json:"after_id,omitempty" doc:"Put the item right after this one"`
	BeforeID string `json:"before_id,omitempty" doc:"Put the item right before this one"`
	Top      bool   `json:"top,omitempty" doc:"Put the item first"`
	Bottom   bool   `json:"bottom,omitempty" doc:"Put the item last"`
}

// IsZero reports whether p names no position.
func (p Position) IsZero() bool { return p == Position{} }

func (p Position) validate(field string) error {
	n := 0
	for _, set := range []bool{p.AfterID != "", p.BeforeID != "", p.Top, p.Bottom} {
		if set {
			n++
		}
	}
	if n > 1 {
		return errkind.Field(field, "must name one of after_id, before_id, top or bottom")
	}
	return nil
}

// NewItem is what a new item starts with.
type NewItem struct {
	ProductID   string
	Kind        Kind
	ParentID    string
	Title       string
	Description string
	Criteria    []Criterion
	Points      *float64
	Assignees   []string
	Labels      []string
	Priority    Priority // empty: medium
	DueDate     string
	Origin      *Origin
	StatusID    string // empty: the first status in the "to do" category
	SprintID    string
	Position    Position // zero: at the bottom
}

// normalize trims and checks n, returning every problem found.
func (n *NewItem) normalize() error {
	var errs errkind.FieldErrors
	if !n.Kind.Valid() {
		errs = append(errs, errkind.Field("kind", "must be one of epic, story, task, bug, subtask"))
	}
	if n.Priority == "" {
		n.Priority = PriorityMedium
	}
	f := fields{
		Title: &n.Title, Description: &n.Description, Criteria: &n.Criteria, Points: n.Points,
		Assignees: &n.Assignees, Labels: &n.Labels, Priority: &n.Priority, DueDate: &n.DueDate,
	}
	errs = append(errs, f.normalize()...)
	if n.Origin != nil {
		if !n.Origin.Ceremony.Valid() {
			errs = append(errs, errkind.Field("origin.ceremony", "must be one of refinement, estimation, daily, retrospective, planning, review"))
		}
		if len(n.Origin.SessionID) > 64 {
			errs = append(errs, errkind.Field("origin.session_id", "must be at most 64 characters"))
		}
	}
	if err := n.Position.validate("position"); err != nil {
		errs = append(errs, err.(*errkind.FieldError))
	}
	return errs.Err()
}

// Patch is a change to an item's fields. Nil fields stay as they are.
type Patch struct {
	Title       *string
	Description *string
	Criteria    *[]Criterion
	Points      *float64 // set the estimate
	ClearPoints bool     // remove the estimate
	Assignees   *[]string
	Labels      *[]string
	Priority    *Priority
	DueDate     *string // "" removes it
	Kind        *Kind
	ParentID    *string // "" removes the parent
	StatusID    *string
	SprintID    *string // "" puts the item back in the product backlog
}

// Normalize trims and checks p.
func (p *Patch) Normalize() error {
	var errs errkind.FieldErrors
	if p.Kind != nil && !p.Kind.Valid() {
		errs = append(errs, errkind.Field("kind", "must be one of epic, story, task, bug, subtask"))
	}
	if p.Points != nil && p.ClearPoints {
		errs = append(errs, errkind.Field("points", "cannot be set and removed at once"))
	}
	f := fields{Title: p.Title, Description: p.Description, Criteria: p.Criteria, Points: p.Points,
		Assignees: p.Assignees, Labels: p.Labels, Priority: p.Priority, DueDate: p.DueDate}
	errs = append(errs, f.normalize()...)
	if p.StatusID != nil && *p.StatusID == "" {
		errs = append(errs, errkind.Field("status_id", "must name a status"))
	}
	return errs.Err()
}

// Apply writes p's plain fields into it. Kind, parent, status and sprint
// changes are applied by the store, which checks them against other rows.
func (p *Patch) Apply(it *Item) {
	if p.Title != nil {
		it.Title = *p.Title
	}
	if p.Description != nil {
		it.Description = *p.Description
	}
	if p.Criteria != nil {
		it.Criteria = slices.Clone(*p.Criteria)
	}
	if p.Points != nil {
		v := *p.Points
		it.Points = &v
	}
	if p.ClearPoints {
		it.Points = nil
	}
	if p.Assignees != nil {
		it.Assignees = slices.Clone(*p.Assignees)
	}
	if p.Labels != nil {
		it.Labels = slices.Clone(*p.Labels)
	}
	if p.Priority != nil {
		it.Priority = *p.Priority
	}
	if p.DueDate != nil {
		it.DueDate = *p.DueDate
	}
	if p.Kind != nil {
		it.Kind = *p.Kind
	}
	if p.ParentID != nil {
		it.ParentID = *p.ParentID
	}
}

// fields are the checks that creation and patches share; nil pointers are
// skipped.
type fields struct {
	Title       *string
	Description *string
	Criteria    *[]Criterion
	Points      *float64
	Assignees   *[]string
	Labels      *[]string
	Priority    *Priority
	DueDate     *string
}

func (f fields) normalize() errkind.FieldErrors {
	var errs errkind.FieldErrors
	if f.Title != nil {
		*f.Title = strings.TrimSpace(*f.Title)
		if n := utf8.RuneCountInString(*f.Title); n < 1 || n > MaxTitle || !utf8.ValidString(*f.Title) {
			errs = append(errs, errkind.Field("title", fmt.Sprintf("must be 1 to %d characters", MaxTitle)))
		}
	}
	if f.Description != nil {
		if utf8.RuneCountInString(*f.Description) > MaxDescription || !utf8.ValidString(*f.Description) {
			errs = append(errs, errkind.Field("description", fmt.Sprintf("must be at most %d characters of UTF-8", MaxDescription)))
		}
	}
	if f.Criteria != nil {
		if *f.Criteria == nil {
			*f.Criteria = []Criterion{}
		}
		if len(*f.Criteria) > MaxCriteria {
			errs = append(errs, errkind.Field("criteria", fmt.Sprintf("must have at most %d entries", MaxCriteria)))
		}
		for i := range *f.Criteria {
			c := &(*f.Criteria)[i]
			c.Text = strings.TrimSpace(c.Text)
			if n := utf8.RuneCountInString(c.Text); n < 1 || n > MaxCriterion {
				errs = append(errs, errkind.Field(fmt.Sprintf("criteria.%d.text", i), fmt.Sprintf("must be 1 to %d characters", MaxCriterion)))
			}
		}
	}
	if f.Points != nil {
		if p := *f.Points; math.IsNaN(p) || p < 0 || p > MaxPoints {
			errs = append(errs, errkind.Field("points", fmt.Sprintf("must be between 0 and %d", MaxPoints)))
		}
	}
	if f.Assignees != nil {
		*f.Assignees = dedupe(*f.Assignees, false)
		if len(*f.Assignees) > MaxAssignees {
			errs = append(errs, errkind.Field("assignees", fmt.Sprintf("must have at most %d members", MaxAssignees)))
		}
		for i, a := range *f.Assignees {
			if a == "" || len(a) > 64 {
				errs = append(errs, errkind.Field(fmt.Sprintf("assignees.%d", i), "must be an account id"))
			}
		}
	}
	if f.Labels != nil {
		*f.Labels = dedupe(*f.Labels, true)
		if len(*f.Labels) > MaxLabels {
			errs = append(errs, errkind.Field("labels", fmt.Sprintf("must have at most %d labels", MaxLabels)))
		}
		for i, l := range *f.Labels {
			if n := utf8.RuneCountInString(l); n < 1 || n > MaxLabel || strings.ContainsAny(l, ",\n\r\t") {
				errs = append(errs, errkind.Field(fmt.Sprintf("labels.%d", i), fmt.Sprintf("must be 1 to %d characters, without commas or line breaks", MaxLabel)))
			}
		}
	}
	if f.Priority != nil && !f.Priority.Valid() {
		errs = append(errs, errkind.Field("priority", "must be one of lowest, low, medium, high, highest"))
	}
	if f.DueDate != nil && *f.DueDate != "" {
		if _, err := time.Parse(time.DateOnly, *f.DueDate); err != nil {
			errs = append(errs, errkind.Field("due_date", "must be a date as YYYY-MM-DD"))
		}
	}
	return errs
}

// dedupe trims, drops empty and repeated entries (case-insensitively when
// fold is set) and keeps the first spelling, in order.
func dedupe(in []string, fold bool) []string {
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		k := s
		if fold {
			k = strings.ToLower(s)
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
	}
	return out
}

// CheckParent reports whether an item of kind child may sit under a parent of
// kind parent ("" for no parent): epics have no parent; stories, tasks and
// bugs may belong to an epic; subtasks belong to a story, task or bug.
func CheckParent(child, parent Kind) error {
	switch child {
	case KindEpic:
		if parent != "" {
			return errkind.Field("parent_id", "an epic cannot have a parent")
		}
	case KindStory, KindTask, KindBug:
		if parent != "" && parent != KindEpic {
			return errkind.Field("parent_id", fmt.Sprintf("the parent of a %s must be an epic", child))
		}
	case KindSubtask:
		if parent == "" {
			return errkind.Field("parent_id", "a subtask needs a parent story, task or bug")
		}
		if parent != KindStory && parent != KindTask && parent != KindBug {
			return errkind.Field("parent_id", "the parent of a subtask must be a story, task or bug")
		}
	}
	return nil
}

// CheckChildren reports whether an item may become kind while it has
// children of the given kinds.
func CheckChildren(kind Kind, children []Kind) error {
	for _, c := range children {
		if CheckParent(c, kind) != nil {
			return errkind.Field("kind", fmt.Sprintf("a %s cannot have the %s items it has as children", kind, c))
		}
	}
	return nil
}

// MaxDepth is the deepest a parent chain can be (epic, story, subtask); the
// store walks at most this far when it checks for cycles.
const MaxDepth = 3
