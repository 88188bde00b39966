package backlog

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/errkind"
)

// Store is the persistence the backlog needs; sqlstore.Store implements it.
// Every method takes the team id, and every change writes its activity
// record in the same transaction.
type Store interface {
	// CreateItem adds an item to its product at n.Position (zero: the
	// bottom), giving it the product's next number.
	CreateItem(ctx context.Context, team string, n NewItem) (Item, error)
	Item(ctx context.Context, team, id string) (Item, error)
	// ItemByKey finds an item by its key, such as "PAMA-42".
	ItemByKey(ctx context.Context, team, key string) (Item, error)
	// UpdateItem applies p to the item if it is still at version; otherwise
	// it returns a *errkind.VersionConflict holding the current item.
	UpdateItem(ctx context.Context, team, id string, version int64, p Patch) (Item, error)
	// MoveItem changes the status and/or rank of an item in one write.
	MoveItem(ctx context.Context, team, id string, m Move) (Item, error)
	DeleteItem(ctx context.Context, team, id string, version int64) error
	BulkEditItems(ctx context.Context, team string, b Bulk) ([]Item, error)
	ListItems(ctx context.Context, team string, q Query) (Page, error)
	// StatusCounts counts a product's items per status within a sprint
	// (SprintNone: items in no sprint).
	StatusCounts(ctx context.Context, team, productID, sprintID string) (map[string]int, error)

	Statuses(ctx context.Context, team string) ([]Status, error)
	CreateStatus(ctx context.Context, team string, n NewStatus) (Status, error)
	UpdateStatus(ctx context.Context, team, id string, version int64, p StatusPatch) (Status, error)
	DeleteStatus(ctx context.Context, team, id string, version int64, moveTo string) error
	BacklogSettings(ctx context.Context, team string) (Settings, error)
	UpdateBacklogSettings(ctx context.Context, team string, version int64, parallelSprints bool) (Settings, error)

	SavedFilters(ctx context.Context, team, accountID string) ([]SavedFilter, error)
	SavedFilter(ctx context.Context, team, id string) (SavedFilter, error)
	CreateSavedFilter(ctx context.Context, team string, f SavedFilter) (SavedFilter, error)
	UpdateSavedFilter(ctx context.Context, team, id string, version int64, p FilterPatch) (SavedFilter, error)
	DeleteSavedFilter(ctx context.Context, team, id string, version int64) error

	EntityHistory(ctx context.Context, team, entityType, entityID string, after int64, limit int) ([]activity.Entry, error)
}

// Move is a drag on the backlog or the board: a new status, a new place in
// the order, or both, based on the item's version.
type Move struct {
	Version  int64
	StatusID string // "": keep
	Position Position
}

// Bulk is one change applied to several items of a product at once.
type Bulk struct {
	ProductID       string
	ItemIDs         []string
	SprintID        *string // "" moves them to the product backlog
	StatusID        *string
	AddLabels       []string
	RemoveLabels    []string
	AddAssignees    []string
	RemoveAssignees []string
	// Position places the items together there, in their present order.
	Position Position
}

// Warning is advice that came with a successful change.
type Warning struct {
	Code     string `json:"code" example:"wip_limit" doc:"wip_limit: the status now holds more items than its limit"`
	Message  string `json:"message"`
	StatusID string `json:"status_id,omitempty"`
	Limit    int    `json:"limit,omitempty"`
	Count    int    `json:"count,omitempty"`
}

// Service is the backlog's use cases over a Store.
type Service struct {
	store Store
	log   *slog.Logger
	md    *Renderer
	quota ItemQuota
}

// ItemQuota is a per-space item quota; *operator.Service implements it.
type ItemQuota interface {
	// AllowItems refuses, with an *errkind.QuotaError, adding n items to the space.
	AllowItems(ctx context.Context, team string, n int) error
}

// SetItemQuota makes CreateItem check q first. Call it before serving.
func (s *Service) SetItemQuota(q ItemQuota) { s.quota = q }

// NewService returns a Service on store.
func NewService(store Store, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, log: log, md: NewRenderer()}
}

// Preview renders Markdown the way item descriptions are shown: sanitised
// HTML that is safe to put in a page. It stores nothing; editors use it to
// show what a description will look like before it is saved.
func (s *Service) Preview(markdown string) string {
	return s.md.HTML(markdown)
}

func (s *Service) render(it Item) Item {
	it.DescriptionHTML = s.md.HTML(it.Description)
	return it
}

// CreateItem adds an item to a product's backlog.
func (s *Service) CreateItem(ctx context.Context, team string, n NewItem) (Item, error) {
	if err := n.normalize(); err != nil {
		return Item{}, err
	}
	if s.quota != nil {
		if err := s.quota.AllowItems(ctx, team, 1); err != nil {
			return Item{}, err
		}
	}
	it, err := s.store.CreateItem(ctx, team, n)
	if err != nil {
		return Item{}, err
	}
	return s.render(it), nil
}

// Item returns one item, by id or by key ("PAMA-42").
func (s *Service) Item(ctx context.Context, team, ref string) (Item, error) {
	var it Item
	var err error
	if isUUID(ref) {
		it, err = s.store.Item(ctx, team, ref)
	} else {
		it, err = s.store.ItemByKey(ctx, team, ref)
	}
	if err != nil {
		return Item{}, err
	}
	return s.render(it), nil
}

// UpdateItem changes an item's fields, if it is still at version.
func (s *Service) UpdateItem(ctx context.Context, team, id string, version int64, p Patch) (Item, error) {
	if err := p.Normalize(); err != nil {
		return Item{}, err
	}
	it, err := s.store.UpdateItem(ctx, team, id, version, p)
	if err != nil {
		return Item{}, s.renderConflict(err)
	}
	return s.render(it), nil
}

// renderConflict renders the current item inside a version conflict, so the
// 409 body shows it as every other response does.
func (s *Service) renderConflict(err error) error {
	if vc, ok := err.(*errkind.VersionConflict); ok {
		if cur, ok := vc.Current.(Item); ok {
			vc.Current = s.render(cur)
		}
	}
	return err
}

// MoveResult is a moved item and any warnings, such as an exceeded WIP limit.
type MoveResult struct {
	Item     Item      `json:"item"`
	Warnings []Warning `json:"warnings"`
}

// MoveItem changes an item's status and/or place in one write. A WIP limit
// that the move exceeds gives a warning, not a refusal.
func (s *Service) MoveItem(ctx context.Context, team, id string, m Move) (MoveResult, error) {
	if err := m.Position.validate("position"); err != nil {
		return MoveResult{}, err
	}
	if m.StatusID == "" && m.Position.IsZero() {
		if _, err := s.store.Item(ctx, team, id); err != nil {
			return MoveResult{}, err
		}
		return MoveResult{}, errkind.Field("status_id", "a move needs a status, a position or both")
	}
	it, err := s.store.MoveItem(ctx, team, id, m)
	if err != nil {
		return MoveResult{}, s.renderConflict(err)
	}
	res := MoveResult{Item: s.render(it), Warnings: []Warning{}}
	if m.StatusID != "" {
		w, err := s.wipWarning(ctx, team, it)
		if err != nil {
			s.log.WarnContext(ctx, "wip check failed", "err", err)
		} else if w != nil {
			res.Warnings = append(res.Warnings, *w)
		}
	}
	return res, nil
}

func (s *Service) wipWarning(ctx context.Context, team string, it Item) (*Warning, error) {
	statuses, err := s.store.Statuses(ctx, team)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(statuses, func(st Status) bool { return st.ID == it.StatusID })
	if i < 0 || statuses[i].WIPLimit == 0 {
		return nil, nil
	}
	sprint := it.SprintID
	if sprint == "" {
		sprint = SprintNone
	}
	counts, err := s.store.StatusCounts(ctx, team, it.ProductID, sprint)
	if err != nil {
		return nil, err
	}
	st := statuses[i]
	if n := counts[st.ID]; n > st.WIPLimit {
		return &Warning{Code: "wip_limit", StatusID: st.ID, Limit: st.WIPLimit, Count: n,
			Message: fmt.Sprintf("%q now holds %d items; its limit is %d", st.Name, n, st.WIPLimit)}, nil
	}
	return nil, nil
}

// DeleteItem deletes an item that has no children, if it is still at version.
func (s *Service) DeleteItem(ctx context.Context, team, id string, version int64) error {
	return s.renderConflict(s.store.DeleteItem(ctx, team, id, version))
}

// BulkEdit applies one change to up to MaxBulk items of a product in one
// transaction: all of them change, or none.
func (s *Service) BulkEdit(ctx context.Context, team string, b Bulk) ([]Item, error) {
	var errs errkind.FieldErrors
	b.ItemIDs = dedupe(b.ItemIDs, false)
	if len(b.ItemIDs) == 0 || len(b.ItemIDs) > MaxBulk {
		errs = append(errs, errkind.Field("item_ids", fmt.Sprintf("must name 1 to %d items", MaxBulk)))
	}
	add := fields{Labels: &b.AddLabels, Assignees: &b.AddAssignees}
	for _, e := range add.normalize() {
		e.Field = "add_" + e.Field
		errs = append(errs, e)
	}
	b.RemoveLabels = dedupe(b.RemoveLabels, true)
	b.RemoveAssignees = dedupe(b.RemoveAssignees, false)
	if len(b.RemoveLabels) > MaxLabels || len(b.RemoveAssignees) > MaxAssignees {
		errs = append(errs, errkind.Field("remove_labels", "names too many labels or assignees"))
	}
	if err := b.Position.validate("position"); err != nil {
		errs = append(errs, err.(*errkind.FieldError))
	}
	if b.StatusID != nil && *b.StatusID == "" {
		errs = append(errs, errkind.Field("status_id", "must name a status"))
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	items, err := s.store.BulkEditItems(ctx, team, b)
	if err != nil {
		return nil, err
	}
	for i := range items {
		items[i] = s.render(items[i])
	}
	return items, nil
}

// Search lists a product's items that match q, in backlog order.
func (s *Service) Search(ctx context.Context, team string, q Query) (Page, error) {
	if err := q.Normalize(); err != nil {
		return Page{}, err
	}
	p, err := s.store.ListItems(ctx, team, q)
	if err != nil {
		return Page{}, err
	}
	for i := range p.Items {
		p.Items[i] = s.render(p.Items[i])
	}
	return p, nil
}

// History returns the recorded changes of an item, oldest first: who changed
// which field when, from what to what.
func (s *Service) History(ctx context.Context, team, id string, after int64, limit int) ([]activity.Entry, error) {
	if limit <= 0 || limit > MaxPage {
		limit = DefaultPage
	}
	es, err := s.store.EntityHistory(ctx, team, "item", id, after, limit)
	if err != nil {
		return nil, err
	}
	if len(es) == 0 && after == 0 {
		if _, err := s.store.Item(ctx, team, id); err != nil {
			return nil, err
		}
	}
	if es == nil {
		es = []activity.Entry{}
	}
	return es, nil
}

// isUUID reports whether s looks like a UUID (as item ids are).
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		default:
			return false
		}
	}
	return true
}
