package ceremony

import (
	"context"
	"time"
)

// PlanningView is a sprint planning as one participant sees it.
type PlanningView struct{}

type planningRules struct{}

func (planningRules) Start(ctx context.Context, env *Env, r *Room, s Start) error {
	return r.Save(struct{}{})
}

func (planningRules) Act(ctx context.Context, env *Env, snap Room, a Action) (Apply, error) {
	return nil, unknown(KindPlanning, a.Type)
}

func (planningRules) Expire(r *Room, now time.Time) (Change, bool, error) {
	return Change{}, false, nil
}

func (planningRules) View(ctx context.Context, env *Env, r *Room, v *View) error {
	v.Planning = &PlanningView{}
	return nil
}
