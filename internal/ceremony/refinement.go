package ceremony

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/errkind"
)

// Backlog refinement. The room works through the queue of open refinement
// requests of its product, one current item at a time: the team edits the
// item together (through the item API and its live drafts; the room only
// names the current item), creates subtasks together (a form one person
// opens is open for everyone), estimates it with an embedded poker round and,
// when it is settled, marks it done, which closes its request and brings up
// the next item of the queue.

// Steps of a refinement room.
const (
	refineStepDiscussion = "discussion"
	refineStepEstimation = "estimation"
)

// The actions of a refinement room besides the voting ones of poker.go.
const (
	actRefinePick       = "pick"
	actRefineOpenForm   = "open_form"
	actRefineCloseForm  = "close_form"
	actRefineAddSubtask = "add_subtask"
	actRefineBack       = "back"
	actRefineDone       = "done"
)

// FormCreateSubtask is the create-subtask form, open for everyone once one
// participant opens it.
const FormCreateSubtask = "create-subtask"

// refinementForms are the refinementForms a refinement room can open for everyone.
var refinementForms = []string{FormCreateSubtask}

type refinementState struct {
	Current    roundItem           `json:"current"`
	Form       *SharedForm         `json:"form,omitempty"`
	Subtasks   []RefinementSubtask `json:"subtasks"` // created in this room, for any item
	Done       []RefinedItem       `json:"done"`
	Estimation pokerState          `json:"estimation"`
}

// SharedForm is a form open for everyone in the room.
type SharedForm struct {
	Name     string    `json:"name" enum:"create-subtask"`
	OpenedBy string    `json:"opened_by"`
	OpenedAt time.Time `json:"opened_at"`
}

// RefinementSubtask is a subtask the team created in the room.
type RefinementSubtask struct {
	ItemID    string    `json:"item_id"`
	ItemKey   string    `json:"item_key"`
	Title     string    `json:"title"`
	ParentID  string    `json:"parent_id"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// RefinedItem is an item the room finished refining.
type RefinedItem struct {
	ItemID    string    `json:"item_id"`
	ItemKey   string    `json:"item_key"`
	ItemTitle string    `json:"item_title"`
	Estimate  string    `json:"estimate,omitempty" doc:"The accepted card, when the room estimated it"`
	Points    *float64  `json:"points,omitempty"`
	DoneBy    string    `json:"done_by"`
	DoneAt    time.Time `json:"done_at"`
}

// RefiningItem is the item being refined.
type RefiningItem struct {
	ItemID    string `json:"item_id"`
	ItemKey   string `json:"item_key"`
	ItemTitle string `json:"item_title" doc:"As it was when it became current; fetch the item for its fields"`
	Requested bool   `json:"requested" doc:"Whether an open refinement request waits for it"`
	Note      string `json:"note,omitempty" doc:"The request's note"`
}

// RefinementView is a backlog refinement room as one participant sees it.
type RefinementView struct {
	Current    *RefiningItem       `json:"current,omitempty" doc:"Absent when the queue is empty and nothing is picked"`
	Queue      []Request           `json:"queue" doc:"Open requests of the room's product, oldest first (the current item among them while its request is open)"`
	Form       *SharedForm         `json:"form,omitempty" doc:"The form open for everyone"`
	Subtasks   []RefinementSubtask `json:"subtasks" doc:"Subtasks of the current item created in this room"`
	Done       []RefinedItem       `json:"done" doc:"Items refined in this room, in order"`
	Estimation *PokerView          `json:"estimation" doc:"The room's estimation rounds; the current round is played in the estimation step"`
}

// Errors of refinement.
var (
	ErrNoCurrentItem = errkind.New(errkind.Conflict, "ceremony: no item is being refined; pick one")
	ErrNotEstimating = errkind.New(errkind.Conflict, "ceremony: start estimating the item first")
	ErrNoSubtasks    = errkind.New(errkind.Conflict, "ceremony: only stories, tasks and bugs have subtasks")
)

// refinementHolder: the rounds of a refinement room are its estimation,
// played in the estimation step.
var refinementHolder = roundHolder[refinementState]{
	rounds: func(s *refinementState) *pokerState { return &s.Estimation },
	ready: func(r *Room, s *refinementState) error {
		if r.Step != refineStepEstimation {
			return ErrNotEstimating
		}
		return nil
	},
}

type refinementRules struct{}

func (refinementRules) Start(ctx context.Context, env *Env, r *Room, s Start) error {
	deck, cards, err := deckOf(ctx, env, s)
	if err != nil {
		return err
	}
	st := refinementState{Subtasks: []RefinementSubtask{}, Done: []RefinedItem{},
		Estimation: pokerState{Deck: deck, Cards: cards, Rounds: []pokerRound{}}}
	if s.ItemID != "" {
		it, item, err := teamItem(ctx, env, s.ItemID)
		if err != nil {
			return err
		}
		if r.ProductID == "" {
			r.ProductID = item.ProductID
		} else if item.ProductID != r.ProductID {
			return &errkind.FieldError{Field: "item_id", Message: "is not in the room's product", Value: s.ItemID}
		}
		st.Current = it
	} else {
		queue, err := env.refinementQueue(ctx, r.ProductID)
		if err != nil {
			return err
		}
		if len(queue) > 0 {
			st.Current = roundItem{queue[0].ItemID, queue[0].ItemKey, queue[0].ItemTitle}
		}
	}
	r.Step = refineStepDiscussion
	return r.Save(st)
}

func (refinementRules) Act(ctx context.Context, env *Env, snap Room, a Action) (Apply, error) {
	if ap, ok, err := roundAct(ctx, env, snap, a, refinementHolder); ok {
		return ap, err
	}
	var snapState refinementState
	if err := snap.Load(&snapState); err != nil {
		return nil, err
	}
	cur := snapState.Current
	switch a.Type {
	case actRefinePick:
		if err := env.Steer(&snap); err != nil {
			return nil, err
		}
		if a.ItemID == "" {
			return nil, errkind.Field("item_id", "names the item to refine")
		}
		it, item, err := teamItem(ctx, env, a.ItemID)
		if err != nil {
			return nil, err
		}
		if snap.ProductID != "" && item.ProductID != snap.ProductID {
			return nil, &errkind.FieldError{Field: "item_id", Message: "is not in the room's product", Value: a.ItemID}
		}
		return refineApply(func(r *Room, st *refinementState) (Change, error) {
			if st.Current.ID == it.ID {
				return Change{}, errUnchanged
			}
			st.Current, st.Form, r.Step = it, nil, refineStepDiscussion
			return Note("item_picked", "item_id", it.ID), nil
		}), nil

	case actRefineOpenForm:
		if err := env.Participate(&snap); err != nil {
			return nil, err
		}
		name := strings.TrimSpace(a.Value)
		if !slices.Contains(refinementForms, name) {
			return nil, &errkind.FieldError{Field: "value", Message: "must name a form: " + strings.Join(refinementForms, ", "), Value: name}
		}
		return refineApply(func(r *Room, st *refinementState) (Change, error) {
			if st.Current.ID == "" {
				return Change{}, ErrNoCurrentItem
			}
			if st.Form != nil && st.Form.Name == name {
				return Change{}, errUnchanged
			}
			st.Form = &SharedForm{Name: name, OpenedBy: env.Actor(), OpenedAt: env.Now}
			return Note("form_opened", "form", name), nil
		}), nil

	case actRefineCloseForm:
		if err := env.Participate(&snap); err != nil {
			return nil, err
		}
		return refineApply(func(r *Room, st *refinementState) (Change, error) {
			if st.Form == nil {
				return Change{}, errUnchanged
			}
			st.Form = nil
			return Note("form_closed"), nil
		}), nil

	case actRefineAddSubtask:
		if err := env.Participate(&snap); err != nil {
			return nil, err
		}
		title := strings.TrimSpace(a.Text)
		if title == "" || utf8.RuneCountInString(title) > backlog.MaxTitle {
			return nil, errkind.Field("text", fmt.Sprintf("is the subtask's title: 1 to %d characters", backlog.MaxTitle))
		}
		if cur.ID == "" {
			return nil, ErrNoCurrentItem
		}
		parent, err := env.Items.Item(ctx, env.Team(), cur.ID)
		if err != nil {
			return nil, err
		}
		if parent.Kind != backlog.KindStory && parent.Kind != backlog.KindTask && parent.Kind != backlog.KindBug {
			return nil, ErrNoSubtasks
		}
		sub, err := env.CreateItem(ctx, backlog.NewItem{ProductID: parent.ProductID, Kind: backlog.KindSubtask,
			ParentID: parent.ID, Title: title, Origin: &backlog.Origin{Ceremony: backlog.CeremonyRefinement, SessionID: snap.ID}})
		if err != nil {
			return nil, err
		}
		return refineApply(func(r *Room, st *refinementState) (Change, error) {
			st.Subtasks = append(st.Subtasks, RefinementSubtask{ItemID: sub.ID, ItemKey: sub.Key, Title: sub.Title, ParentID: parent.ID,
				CreatedBy: env.Actor(), CreatedAt: env.Now})
			if st.Form != nil && st.Form.Name == FormCreateSubtask {
				st.Form = nil
			}
			return Note("subtask_added", "item_id", sub.ID, "parent_id", parent.ID), nil
		}), nil

	case actPokerEstimate:
		if err := env.Steer(&snap); err != nil {
			return nil, err
		}
		return refineApply(func(r *Room, st *refinementState) (Change, error) {
			if st.Current.ID == "" {
				return Change{}, ErrNoCurrentItem
			}
			if r.Step == refineStepEstimation {
				return Change{}, errUnchanged
			}
			r.Step, st.Form = refineStepEstimation, nil
			rd := st.Estimation.open(r, st.Current, env.Now)
			return Note("round_opened", "round", rd.Number, "item_id", rd.ItemID, "attempt", rd.Attempt), nil
		}), nil

	case actRefineBack:
		if err := env.Steer(&snap); err != nil {
			return nil, err
		}
		return refineApply(func(r *Room, st *refinementState) (Change, error) {
			if r.Step == refineStepDiscussion {
				return Change{}, errUnchanged
			}
			r.Step = refineStepDiscussion
			return Note("step", "step", refineStepDiscussion), nil
		}), nil

	case actRefineDone:
		if err := env.Steer(&snap); err != nil {
			return nil, err
		}
		if cur.ID == "" {
			return nil, ErrNoCurrentItem
		}
		if err := env.closeRefinementRequest(ctx, cur.ID, snap.ID); err != nil && !errors.Is(err, ErrNoRequest) {
			return nil, err
		}
		queue, err := env.refinementQueue(ctx, snap.ProductID)
		if err != nil {
			return nil, err
		}
		return refineApply(func(r *Room, st *refinementState) (Change, error) {
			if st.Current.ID != cur.ID {
				return Change{}, errUnchanged // someone finished it first
			}
			done := RefinedItem{ItemID: cur.ID, ItemKey: cur.Key, ItemTitle: cur.Title, DoneBy: env.Actor(), DoneAt: env.Now}
			for _, rd := range st.Estimation.Rounds {
				if rd.ItemID == cur.ID && rd.Final != "" {
					done.Estimate, done.Points = rd.Final, rd.Points
				}
			}
			st.Done = append(st.Done, done)
			st.Current, st.Form, r.Step = roundItem{}, nil, refineStepDiscussion
			for _, q := range queue {
				if q.ItemID != cur.ID && !slices.ContainsFunc(st.Done, func(d RefinedItem) bool { return d.ItemID == q.ItemID }) {
					st.Current = roundItem{q.ItemID, q.ItemKey, q.ItemTitle}
					break
				}
			}
			return Note("item_refined", "item_id", cur.ID, "next_item_id", st.Current.ID), nil
		}), nil
	}
	return nil, unknown(KindRefinement, a.Type, actRefinePick, actRefineOpenForm, actRefineCloseForm, actRefineAddSubtask, actPokerEstimate, actRefineBack, actRefineDone,
		actPokerVote, actPokerUnvote, actPokerReveal, actPokerRevote, actPokerAccept)
}

// refineApply is an Apply that changes a refinement room's state.
func refineApply(fn func(r *Room, st *refinementState) (Change, error)) Apply {
	return func(r *Room) (Change, error) {
		var st refinementState
		if err := r.Load(&st); err != nil {
			return Change{}, err
		}
		c, err := fn(r, &st)
		if err != nil {
			return c, err
		}
		return c, r.Save(st)
	}
}

// Expire reveals the estimation round when the step's timer runs out.
func (refinementRules) Expire(r *Room, now time.Time) (Change, bool, error) {
	if r.Step != refineStepEstimation {
		return Change{}, false, nil
	}
	var st refinementState
	if err := r.Load(&st); err != nil {
		return Change{}, false, err
	}
	rd := st.Estimation.current()
	if rd == nil || rd.Revealed {
		return Change{}, false, nil
	}
	st.Estimation.reveal(r, now, "", revealDeadline)
	if err := r.Save(st); err != nil {
		return Change{}, false, err
	}
	return Note("revealed", "round", rd.Number, "reason", revealDeadline), true, nil
}

// Left reveals the estimation round when it waited only for the one who left.
func (refinementRules) Left(r *Room, now time.Time) (Change, bool, error) {
	if r.Step != refineStepEstimation {
		return Change{}, false, nil
	}
	var st refinementState
	if err := r.Load(&st); err != nil {
		return Change{}, false, err
	}
	if !st.Estimation.settle(r, now) {
		return Change{}, false, nil
	}
	if err := r.Save(st); err != nil {
		return Change{}, false, err
	}
	return Note("revealed", "round", st.Estimation.current().Number, "reason", revealAllVoted), true, nil
}

func (refinementRules) View(ctx context.Context, env *Env, r *Room, v *View) error {
	var st refinementState
	if err := r.Load(&st); err != nil {
		return err
	}
	queue, err := env.refinementQueue(ctx, r.ProductID)
	if err != nil {
		return err
	}
	ref, err := env.estimationReference(ctx)
	if err != nil {
		return err
	}
	rv := &RefinementView{Queue: queue, Form: st.Form, Subtasks: []RefinementSubtask{}, Done: st.Done,
		Estimation: st.Estimation.view(r, v.Me, ref)}
	if rv.Queue == nil {
		rv.Queue = []Request{}
	}
	if rv.Done == nil {
		rv.Done = []RefinedItem{}
	}
	if st.Current.ID != "" {
		rv.Current = &RefiningItem{ItemID: st.Current.ID, ItemKey: st.Current.Key, ItemTitle: st.Current.Title}
		for _, q := range queue {
			if q.ItemID == st.Current.ID {
				rv.Current.Requested, rv.Current.Note = true, q.Note
			}
		}
		for _, s := range st.Subtasks {
			if s.ParentID == st.Current.ID {
				rv.Subtasks = append(rv.Subtasks, s)
			}
		}
	}
	v.Refinement = rv
	return nil
}

// refinementQueue lists the open refinement requests of a product ("":
// every product), oldest first.
func (e *Env) refinementQueue(ctx context.Context, productID string) ([]Request, error) {
	return e.svc.store.Requests(ctx, e.Team(), productID)
}

// closeRefinementRequest marks the open request of an item done in room.
func (e *Env) closeRefinementRequest(ctx context.Context, itemID, roomID string) error {
	return e.svc.store.CloseRequest(ctx, e.Team(), itemID, roomID)
}
