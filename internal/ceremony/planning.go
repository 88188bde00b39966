package ceremony

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/sprint"
	"github.com/pamateam/pama/internal/team"
)

// PlanningStep is the one step of a sprint planning.
const PlanningStep = "planning"

// ForecastSprints is how many recent completed sprints the forecast reads.
const ForecastSprints = 6

// PlanningView is a sprint planning as one participant sees it.
type PlanningView struct {
	Sprint          RoomSprint        `json:"sprint"`
	Candidates      []PlanItem        `json:"candidates" doc:"Product backlog items in no sprint and not done, in backlog order"`
	MoreCandidates  bool              `json:"more_candidates" doc:"The backlog has more candidates than shown"`
	Items           []PlanItem        `json:"items" doc:"The sprint's items"`
	CommittedPoints float64           `json:"committed_points" doc:"Points of the sprint's items"`
	CommittedItems  int               `json:"committed_items"`
	Unestimated     int               `json:"unestimated" doc:"Sprint items without an estimate"`
	Capacity        []sprint.Capacity `json:"capacity" doc:"Each member's capacity in the sprint"`
	CapacityDays    float64           `json:"capacity_days"`
	CapacityPoints  float64           `json:"capacity_points" doc:"0 when no member planned points"`
	Forecast        PlanningForecast  `json:"forecast"`
	OverForecast    bool              `json:"over_forecast" doc:"Committed points exceed the forecast's upper bound"`
	OverCapacity    bool              `json:"over_capacity" doc:"Committed points exceed the members' capacity"`
	Pulled          []string          `json:"pulled" doc:"Items pulled in this room"`
}

// PlanItem is an item as planning shows it.
type PlanItem struct {
	ID             string           `json:"id"`
	Key            string           `json:"key"`
	Title          string           `json:"title"`
	Kind           backlog.Kind     `json:"kind"`
	Points         *float64         `json:"points,omitempty"`
	Estimated      bool             `json:"estimated"`
	StatusCategory backlog.Category `json:"status_category"`
	Assignees      []string         `json:"assignees"`
	// NeedsRefinement: someone asked for the item to be refined and no
	// refinement has closed the request yet.
	NeedsRefinement bool `json:"needs_refinement,omitempty" doc:"An open refinement request waits on the item"`
}

func planItem(it backlog.Item, requested map[string]bool) PlanItem {
	as := it.Assignees
	if as == nil {
		as = []string{}
	}
	return PlanItem{ID: it.ID, Key: it.Key, Title: it.Title, Kind: it.Kind, Points: it.Points, Estimated: it.Points != nil,
		StatusCategory: it.StatusCategory, Assignees: as, NeedsRefinement: requested[it.ID]}
}

// PlanningForecast is the likely range of points the team completes in a sprint,
// from the completed points of its recent sprints.
type PlanningForecast struct {
	NoHistory bool      `json:"no_history" doc:"No completed sprint yet: nothing to forecast from"`
	Sprints   int       `json:"sprints" doc:"How many completed sprints it reads (the last six at most)"`
	History   []float64 `json:"history" doc:"Their completed points, oldest first"`
	Low       float64   `json:"low" doc:"Lower bound: the least of fewer than four sprints, else the 25th percentile"`
	High      float64   `json:"high" doc:"Upper bound: the most of fewer than four sprints, else the 75th percentile"`
	Mean      float64   `json:"mean"`
}

// forecast computes the range from completed points, oldest first.
func forecast(history []float64) PlanningForecast {
	if len(history) > ForecastSprints {
		history = history[len(history)-ForecastSprints:]
	}
	f := PlanningForecast{History: slices.Clone(history), Sprints: len(history)}
	if f.History == nil {
		f.History = []float64{}
	}
	if len(history) == 0 {
		f.NoHistory = true
		return f
	}
	sorted := slices.Clone(history)
	slices.Sort(sorted)
	sum := 0.0
	for _, v := range sorted {
		sum += v
	}
	f.Mean = round1(sum / float64(len(sorted)))
	if len(sorted) < 4 {
		f.Low, f.High = sorted[0], sorted[len(sorted)-1]
	} else {
		f.Low, f.High = round1(percentile(sorted, 0.25)), round1(percentile(sorted, 0.75))
	}
	return f
}

// percentile interpolates linearly between the closest ranks of sorted.
func percentile(sorted []float64, p float64) float64 {
	pos := p * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	return sorted[lo] + (sorted[hi]-sorted[lo])*(pos-float64(lo))
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

type planningState struct {
	Pulled []string `json:"pulled"`
}

// The planning's action types.
const (
	actPlanningPull        = "pull"
	actPlanningDrop        = "drop"
	actPlanningGoal        = "goal"
	actPlanningStartSprint = "start_sprint"
)

type planningRules struct{}

// Start takes the sprint Start names (it must be planned) or the product's
// next planned sprint; a product with none gets a new one when the starter
// may plan sprints.
func (planningRules) Start(ctx context.Context, env *Env, r *Room, s Start) error {
	_, err := roomSprint(ctx, env, r, s, sprint.StatePlanned, true)
	if err != nil {
		return err
	}
	if r.SprintID == "" {
		if !env.Access.Can(team.PermManageSprints) {
			return errkind.New(errkind.Conflict, "ceremony: the product has no planned sprint; ask a scrum master or product owner to plan one")
		}
		sp, err := env.Sprints.Create(ctx, env.Team(), sprint.NewSprint{ProductID: r.ProductID})
		if err != nil {
			return err
		}
		r.SprintID = sp.ID
	}
	r.Step = PlanningStep
	return r.Save(planningState{Pulled: []string{}})
}

func (planningRules) Act(ctx context.Context, env *Env, snap Room, a Action) (Apply, error) {
	if err := env.Participate(&snap); err != nil {
		return nil, err
	}
	switch a.Type {
	case actPlanningPull, actPlanningDrop:
		if !env.Access.Can(team.PermEditBacklog) {
			return nil, team.ErrForbidden
		}
		it, err := productItem(ctx, env, snap, a.ItemID)
		if err != nil {
			return nil, err
		}
		to := ""
		if a.Type == actPlanningPull {
			if it.Kind == backlog.KindEpic {
				return nil, errkind.Field("item_id", "is an epic; pull its stories")
			}
			if it.SprintID == snap.SprintID {
				return noChange, nil
			}
			if it.SprintID != "" {
				return nil, &errkind.FieldConflict{Field: "item_id", Message: "is in another sprint"}
			}
			to = snap.SprintID
		} else if it.SprintID != snap.SprintID {
			return nil, &errkind.FieldConflict{Field: "item_id", Message: "is not in the sprint"}
		}
		if _, err := env.Items.UpdateItem(ctx, env.Team(), it.ID, it.Version, backlog.Patch{SprintID: &to}); err != nil {
			return nil, err
		}
		pulled := a.Type == actPlanningPull
		return func(r *Room) (Change, error) {
			var st planningState
			if err := r.Load(&st); err != nil {
				return Change{}, err
			}
			st.Pulled = slices.DeleteFunc(st.Pulled, func(id string) bool { return id == it.ID })
			action := "dropped"
			if pulled {
				st.Pulled = append(st.Pulled, it.ID)
				action = "pulled"
			}
			if err := r.Save(st); err != nil {
				return Change{}, err
			}
			return Note(action, "item_id", it.ID, "points", it.Points), nil
		}, nil

	case actPlanningGoal:
		if !env.Access.Can(team.PermManageSprints) {
			return nil, team.ErrForbidden
		}
		goal := strings.TrimSpace(a.Text)
		if len([]rune(goal)) > sprint.MaxGoal {
			return nil, errkind.Field("text", "must be at most 1000 characters")
		}
		sp, err := env.Sprints.Sprint(ctx, env.Team(), snap.SprintID)
		if err != nil {
			return nil, err
		}
		if _, err := env.Sprints.Update(ctx, env.Team(), sp.ID, sp.Version, sprint.Patch{Goal: &goal}); err != nil {
			return nil, goalField(err)
		}
		return func(r *Room) (Change, error) { return Note("goal", "goal", goal), nil }, nil

	case actPlanningStartSprint:
		if err := env.Steer(&snap); err != nil {
			return nil, err
		}
		if !env.Access.Can(team.PermManageSprints) {
			return nil, team.ErrForbidden
		}
		sp, err := env.Sprints.Sprint(ctx, env.Team(), snap.SprintID)
		if err != nil {
			return nil, err
		}
		if sp.State != sprint.StatePlanned {
			return nil, sprint.ErrNotPlanned
		}
		st := sprint.Start{Version: sp.Version}
		// A sprint planned without dates runs from today for the team's
		// sprint length.
		if sp.StartDate == "" || sp.EndDate == "" {
			set, err := env.Teams.Settings(ctx, env.Access)
			if err != nil {
				return nil, err
			}
			days := set.SprintLengthDays
			if days <= 0 {
				days = team.DefaultSprintDays
			}
			start := env.Now
			if sp.StartDate != "" {
				if d, err := time.Parse(time.DateOnly, sp.StartDate); err == nil {
					start = d
				}
			} else {
				st.StartDate = start.Format(time.DateOnly)
			}
			if sp.EndDate == "" {
				st.EndDate = start.AddDate(0, 0, days-1).Format(time.DateOnly)
			}
		}
		started, err := env.Sprints.Start(ctx, env.Team(), sp.ID, st)
		if err != nil {
			return nil, err
		}
		return func(r *Room) (Change, error) {
			finish(r, env.Now)
			return Note("sprint_started", "sprint_id", started.ID, "committed_points", started.CommittedPoints,
				"committed_items", started.CommittedItems), nil
		}, nil
	}
	return nil, unknown(KindPlanning, a.Type, actPlanningPull, actPlanningDrop, actPlanningGoal, actPlanningStartSprint)
}

// noChange is the Apply of an action that changes nothing.
func noChange(*Room) (Change, error) { return Change{}, errUnchanged }

// goalField names the action's field in a sprint's complaint about the goal.
func goalField(err error) error {
	var fe *errkind.FieldError
	if errors.As(err, &fe) && fe.Field == "goal" {
		return errkind.Field("text", fe.Message)
	}
	return err
}

// productItem reads the item an action names, which must belong to the
// room's product.
func productItem(ctx context.Context, env *Env, snap Room, id string) (backlog.Item, error) {
	if strings.TrimSpace(id) == "" {
		return backlog.Item{}, errkind.Field("item_id", "name an item")
	}
	it, err := env.Items.Item(ctx, env.Team(), id)
	if errors.Is(err, errkind.NotFound) || (err == nil && it.ProductID != snap.ProductID) {
		return backlog.Item{}, errkind.Field("item_id", "is not an item of this product")
	}
	return it, err
}

func (planningRules) Expire(r *Room, now time.Time) (Change, bool, error) {
	return Change{}, false, nil
}

func (planningRules) View(ctx context.Context, env *Env, r *Room, v *View) error {
	var st planningState
	if err := r.Load(&st); err != nil {
		return err
	}
	pv := &PlanningView{Candidates: []PlanItem{}, Items: []PlanItem{}, Pulled: st.Pulled}
	if pv.Pulled == nil {
		pv.Pulled = []string{}
	}
	sp, err := env.Sprints.Sprint(ctx, env.Team(), r.SprintID)
	if errors.Is(err, errkind.NotFound) {
		v.Planning = pv // the sprint was deleted
		return nil
	}
	if err != nil {
		return err
	}
	pv.Sprint = *sprintInfo(sp)

	requested := map[string]bool{}
	if env.svc != nil {
		reqs, err := env.svc.store.Requests(ctx, env.Team(), r.ProductID)
		if err != nil {
			return err
		}
		for _, q := range reqs {
			requested[q.ItemID] = true
		}
	}
	items, err := allItems(ctx, env, backlog.Query{ProductID: r.ProductID, Filter: backlog.Filter{SprintID: sp.ID}})
	if err != nil {
		return err
	}
	for _, it := range items {
		pv.Items = append(pv.Items, planItem(it, requested))
		pv.CommittedItems++
		if it.Points != nil {
			pv.CommittedPoints += *it.Points
		} else if it.Kind != backlog.KindSubtask {
			pv.Unestimated++
		}
	}
	if r.Status == StatusActive {
		page, err := env.Items.Search(ctx, env.Team(), backlog.Query{ProductID: r.ProductID, Limit: backlog.MaxPage,
			Filter: backlog.Filter{SprintID: backlog.SprintNone,
				Kinds:      []backlog.Kind{backlog.KindStory, backlog.KindTask, backlog.KindBug},
				Categories: []backlog.Category{backlog.CategoryTodo, backlog.CategoryInProgress}}})
		if err != nil {
			return err
		}
		for _, it := range page.Items {
			pv.Candidates = append(pv.Candidates, planItem(it, requested))
		}
		pv.MoreCandidates = page.NextCursor != ""
	}

	if pv.Capacity, err = env.Sprints.Capacity(ctx, env.Team(), sp.ID); err != nil {
		return err
	}
	if pv.Capacity == nil {
		pv.Capacity = []sprint.Capacity{}
	}
	for _, c := range pv.Capacity {
		pv.CapacityDays += c.Days
		pv.CapacityPoints += c.Points
	}
	done, err := env.Sprints.List(ctx, env.Team(), r.ProductID, sprint.StateCompleted)
	if err != nil {
		return err
	}
	var history []float64
	for _, s := range done {
		history = append(history, s.CompletedPoints)
	}
	pv.Forecast = forecast(history)
	pv.OverForecast = !pv.Forecast.NoHistory && pv.CommittedPoints > pv.Forecast.High
	pv.OverCapacity = pv.CapacityPoints > 0 && pv.CommittedPoints > pv.CapacityPoints
	v.Planning = pv
	return nil
}
