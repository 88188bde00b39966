package ceremony

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/team"
)

// Request is an open request to refine an item: someone asked the team to
// look at it together. Refining it in a room closes it.
type Request struct {
	ItemID      string    `json:"item_id"`
	ItemKey     string    `json:"item_key" example:"PAMA-42"`
	ItemTitle   string    `json:"item_title"`
	ProductID   string    `json:"product_id"`
	Note        string    `json:"note,omitempty" doc:"What the asker wants to clear up"`
	RequestedBy string    `json:"requested_by"`
	RequestedAt time.Time `json:"requested_at"`
}

// Reference is the team's reference item for one story point, which
// estimation rooms show beside the cards.
type Reference struct {
	ItemID    string    `json:"item_id,omitempty" doc:"Empty when the team has not chosen one"`
	ItemKey   string    `json:"item_key,omitempty"`
	ItemTitle string    `json:"item_title,omitempty"`
	SetBy     string    `json:"set_by,omitempty"`
	SetAt     time.Time `json:"set_at,omitzero"`
}

// Errors of requests.
var (
	ErrNoRequest = fmt.Errorf("ceremony: refinement request %w", errkind.NotFound)
	ErrRequested = errkind.New(errkind.Conflict, "ceremony: refinement of this item is already requested")
)

// MaxNote bounds a request's note.
const MaxNote = 500

// RequestRefinement asks the team to refine an item.
func (s *Service) RequestRefinement(ctx context.Context, acc team.Access, itemID, note string) (Request, error) {
	if err := acc.Check(team.PermParticipate); err != nil {
		return Request{}, err
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxNote {
		return Request{}, errkind.Field("note", fmt.Sprintf("must be at most %d characters", MaxNote))
	}
	return s.store.RequestRefinement(actorCtx(ctx, acc), acc.Team.ID, itemID, note)
}

// WithdrawRequest takes back an open request.
func (s *Service) WithdrawRequest(ctx context.Context, acc team.Access, itemID string) error {
	if err := acc.Check(team.PermParticipate); err != nil {
		return err
	}
	return s.store.WithdrawRequest(actorCtx(ctx, acc), acc.Team.ID, itemID)
}

// Requests lists the open requests of a product ("": every product), oldest first.
func (s *Service) Requests(ctx context.Context, acc team.Access, productID string) ([]Request, error) {
	if err := acc.Check(team.PermView); err != nil {
		return nil, err
	}
	return s.store.Requests(ctx, acc.Team.ID, productID)
}

// Reference returns the team's reference item.
func (s *Service) Reference(ctx context.Context, acc team.Access) (Reference, error) {
	if err := acc.Check(team.PermView); err != nil {
		return Reference{}, err
	}
	return s.store.Reference(ctx, acc.Team.ID)
}

// SetReference makes an item the team's reference for one point ("" clears it).
func (s *Service) SetReference(ctx context.Context, acc team.Access, itemID string) (Reference, error) {
	if err := acc.Check(team.PermParticipate); err != nil {
		return Reference{}, err
	}
	return s.store.SetReference(actorCtx(ctx, acc), acc.Team.ID, itemID)
}
