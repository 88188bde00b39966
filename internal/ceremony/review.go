package ceremony

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/sprint"
	"github.com/pamateam/pama/internal/team"
)

// ReviewStep is the one step of a sprint review.
const ReviewStep = "review"

// The verdicts on a done item.
const (
	VerdictPending  = "pending"
	VerdictAccepted = "accepted"
	VerdictSentBack = "sent_back"
)

// ReviewView is a sprint review as one participant sees it.
type ReviewView struct {
	Sprint     RoomSprint     `json:"sprint"`
	Progress   SprintProgress `json:"progress"`
	Done       []ReviewItem   `json:"done" doc:"The sprint's done items, to walk through"`
	Unfinished []ReviewItem   `json:"unfinished" doc:"The sprint's other items, which carry over when the sprint closes"`
	Current    *ReviewItem    `json:"current,omitempty" doc:"The item everyone looks at"`
	Accepted   int            `json:"accepted"`
	SentBack   int            `json:"sent_back"`
	Pending    int            `json:"pending" doc:"Done items without a verdict"`
	Closed     bool           `json:"closed" doc:"The sprint has been closed from this room"`
	CarriedTo  string         `json:"carried_to,omitempty" doc:"Where the unfinished items went: backlog, or a sprint's id"`
	Carried    []string       `json:"carried" doc:"Ids of the items carried over"`
	NextRoomID string         `json:"next_room_id,omitempty" doc:"The retrospective to go on to"`
}

// ReviewItem is an item of the sprint under review, with its verdict.
type ReviewItem struct {
	ID             string           `json:"id"`
	Key            string           `json:"key"`
	Title          string           `json:"title"`
	Kind           backlog.Kind     `json:"kind"`
	Points         *float64         `json:"points,omitempty"`
	StatusID       string           `json:"status_id"`
	StatusCategory backlog.Category `json:"status_category"`
	Verdict        string           `json:"verdict" enum:"pending,accepted,sent_back"`
	Reason         string           `json:"reason,omitempty" doc:"Why it was sent back"`
}

type reviewVerdict struct {
	Verdict string    `json:"verdict"`
	Reason  string    `json:"reason,omitempty"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

type reviewState struct {
	Current    string                   `json:"current,omitempty"`
	Verdicts   map[string]reviewVerdict `json:"verdicts"`
	Closed     bool                     `json:"closed,omitempty"`
	CarriedTo  string                   `json:"carried_to,omitempty"`
	Carried    []string                 `json:"carried,omitempty"`
	NextRoomID string                   `json:"next_room_id,omitempty"`
}

// The review's action types.
const (
	actReviewShow     = "show"
	actReviewAccept   = "accept"
	actReviewSendBack = "send_back"
	actReviewClose    = "close_sprint"
)

type reviewRules struct{}

// Start takes the sprint Start names, which must be active, or the
// product's active sprint.
func (reviewRules) Start(ctx context.Context, env *Env, r *Room, s Start) error {
	if _, err := roomSprint(ctx, env, r, s, sprint.StateActive, false); err != nil {
		return err
	}
	r.Step = ReviewStep
	return r.Save(reviewState{Verdicts: map[string]reviewVerdict{}})
}

func (reviewRules) Act(ctx context.Context, env *Env, snap Room, a Action) (Apply, error) {
	if err := env.Participate(&snap); err != nil {
		return nil, err
	}
	switch a.Type {
	case actReviewShow:
		if err := env.Steer(&snap); err != nil {
			return nil, err
		}
		it, err := sprintItem(ctx, env, snap, a.ItemID)
		if err != nil {
			return nil, err
		}
		return func(r *Room) (Change, error) {
			var st reviewState
			if err := r.Load(&st); err != nil {
				return Change{}, err
			}
			if st.Current == it.ID {
				return Change{}, errUnchanged
			}
			st.Current = it.ID
			if err := r.Save(st); err != nil {
				return Change{}, err
			}
			return Note("shown", "item_id", it.ID), nil
		}, nil

	case actReviewAccept, actReviewSendBack:
		it, err := sprintItem(ctx, env, snap, a.ItemID)
		if err != nil {
			return nil, err
		}
		if it.StatusCategory != backlog.CategoryDone {
			return nil, &errkind.FieldConflict{Field: "item_id", Message: "is not done"}
		}
		v := reviewVerdict{Verdict: VerdictAccepted, By: env.Actor(), At: env.Now}
		if a.Type == actReviewSendBack {
			if !env.Access.Can(team.PermEditBacklog) {
				return nil, team.ErrForbidden
			}
			v.Verdict, v.Reason = VerdictSentBack, strings.TrimSpace(a.Text)
			if v.Reason == "" {
				return nil, errkind.Field("text", "say why the item goes back")
			}
			to, err := reopenStatus(ctx, env)
			if err != nil {
				return nil, err
			}
			if _, err := env.Items.UpdateItem(ctx, env.Team(), it.ID, it.Version, backlog.Patch{StatusID: &to}); err != nil {
				return nil, err
			}
		}
		return func(r *Room) (Change, error) {
			var st reviewState
			if err := r.Load(&st); err != nil {
				return Change{}, err
			}
			if st.Verdicts == nil {
				st.Verdicts = map[string]reviewVerdict{}
			}
			if old, ok := st.Verdicts[it.ID]; ok && old.Verdict == v.Verdict && old.Reason == v.Reason {
				return Change{}, errUnchanged
			}
			st.Verdicts[it.ID] = v
			if err := r.Save(st); err != nil {
				return Change{}, err
			}
			if v.Verdict == VerdictSentBack {
				return Note("sent_back", "item_id", it.ID, "reason", v.Reason), nil
			}
			return Note("accepted", "item_id", it.ID), nil
		}, nil

	case actReviewClose:
		if err := env.Steer(&snap); err != nil {
			return nil, err
		}
		if !env.Access.Can(team.PermManageSprints) {
			return nil, team.ErrForbidden
		}
		to := strings.TrimSpace(a.Value)
		switch sprint.CarryTo(to) {
		case sprint.CarryToBacklog, sprint.CarryToNext:
		case "":
			return nil, errkind.Field("value", `say where unfinished items go: "backlog", "next" or a planned sprint's id`)
		default:
			target, err := env.Sprints.Sprint(ctx, env.Team(), to)
			if errors.Is(err, errkind.NotFound) || (err == nil && (target.ProductID != snap.ProductID || target.State != sprint.StatePlanned)) {
				return nil, errkind.Field("value", `must be "backlog", "next" or the id of a planned sprint of the product`)
			}
			if err != nil {
				return nil, err
			}
		}
		sp, err := env.Sprints.Sprint(ctx, env.Team(), snap.SprintID)
		if err != nil {
			return nil, err
		}
		done, err := env.Sprints.Complete(ctx, env.Team(), sp.ID, sp.Version, sprint.CarryTo(to))
		if err != nil {
			return nil, err
		}
		carriedTo := to
		if done.Next != nil {
			carriedTo = done.Next.ID
		}
		// The sprint is closed: a retrospective that cannot open must not
		// keep this room from recording it.
		next, err := retroRoom(ctx, env, snap)
		if err != nil && env.svc != nil && env.svc.log != nil {
			env.svc.log.Warn("open the retrospective after a review", "team", env.Team(), "room", snap.ID, "err", err)
		}
		return func(r *Room) (Change, error) {
			var st reviewState
			if err := r.Load(&st); err != nil {
				return Change{}, err
			}
			st.Closed, st.CarriedTo, st.Carried, st.NextRoomID = true, carriedTo, done.Carried, next
			if err := r.Save(st); err != nil {
				return Change{}, err
			}
			finish(r, env.Now)
			return Note("sprint_closed", "sprint_id", sp.ID, "carried_to", carriedTo, "carried", len(done.Carried),
				"next_room_id", next), nil
		}, nil
	}
	return nil, unknown(KindReview, a.Type, actReviewShow, actReviewAccept, actReviewSendBack, actReviewClose)
}

// retroRoom returns the product's active retrospective, or opens one for
// the sprint just closed.
func retroRoom(ctx context.Context, env *Env, snap Room) (string, error) {
	if env.svc == nil {
		return "", nil
	}
	open, err := env.svc.store.Rooms(ctx, env.Team(), Filter{Kind: KindRetro, Status: StatusActive, ProductID: snap.ProductID, Limit: 1})
	if err != nil {
		return "", err
	}
	if len(open) > 0 {
		return open[0].ID, nil
	}
	v, err := env.svc.Create(ctx, env.Access, Start{Kind: KindRetro, ProductID: snap.ProductID, SprintID: snap.SprintID})
	if err != nil {
		return "", err
	}
	return v.ID, nil
}

// reopenStatus is where a sent-back item goes: the first status of the
// workflow that is not done.
func reopenStatus(ctx context.Context, env *Env) (string, error) {
	sts, err := env.Items.Statuses(ctx, env.Team())
	if err != nil {
		return "", err
	}
	for _, s := range sts {
		if s.Category != backlog.CategoryDone {
			return s.ID, nil
		}
	}
	return "", errkind.New(errkind.Conflict, "ceremony: the workflow has no status to send an item back to")
}

// sprintItem reads the item an action names, which must be in the room's
// sprint.
func sprintItem(ctx context.Context, env *Env, snap Room, id string) (backlog.Item, error) {
	it, err := productItem(ctx, env, snap, id)
	if err != nil {
		return it, err
	}
	if it.SprintID != snap.SprintID {
		return backlog.Item{}, errkind.Field("item_id", "is not in the sprint under review")
	}
	return it, nil
}

func (reviewRules) Expire(r *Room, now time.Time) (Change, bool, error) { return Change{}, false, nil }

func (reviewRules) View(ctx context.Context, env *Env, r *Room, v *View) error {
	var st reviewState
	if err := r.Load(&st); err != nil {
		return err
	}
	rv := &ReviewView{Done: []ReviewItem{}, Unfinished: []ReviewItem{}, Carried: st.Carried, Closed: st.Closed,
		CarriedTo: st.CarriedTo, NextRoomID: st.NextRoomID}
	if rv.Carried == nil {
		rv.Carried = []string{}
	}
	sp, err := env.Sprints.Sprint(ctx, env.Team(), r.SprintID)
	if errors.Is(err, errkind.NotFound) {
		v.Review = rv
		return nil
	}
	if err != nil {
		return err
	}
	rv.Sprint = *sprintInfo(sp)
	items, err := allItems(ctx, env, backlog.Query{ProductID: r.ProductID, Filter: backlog.Filter{SprintID: sp.ID}})
	if err != nil {
		return err
	}
	rv.Progress = progress(items)
	for _, it := range items {
		if it.Kind == backlog.KindSubtask {
			continue // subtasks go with their parents
		}
		ri := ReviewItem{ID: it.ID, Key: it.Key, Title: it.Title, Kind: it.Kind, Points: it.Points, StatusID: it.StatusID,
			StatusCategory: it.StatusCategory, Verdict: VerdictPending}
		if vd, ok := st.Verdicts[it.ID]; ok {
			ri.Verdict, ri.Reason = vd.Verdict, vd.Reason
		}
		if it.StatusCategory == backlog.CategoryDone {
			rv.Done = append(rv.Done, ri)
			switch ri.Verdict {
			case VerdictAccepted:
				rv.Accepted++
			case VerdictPending:
				rv.Pending++
			}
		} else {
			rv.Unfinished = append(rv.Unfinished, ri)
		}
		if ri.Verdict == VerdictSentBack {
			rv.SentBack++
		}
		if it.ID == st.Current {
			cur := ri
			rv.Current = &cur
		}
	}
	v.Review = rv
	return nil
}
