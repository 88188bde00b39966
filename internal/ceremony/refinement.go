package ceremony

import (
	"context"
	"time"
)

// RefinementView is a backlog refinement room as one participant sees it.
type RefinementView struct{}

type refinementRules struct{}

func (refinementRules) Start(ctx context.Context, env *Env, r *Room, s Start) error {
	return r.Save(struct{}{})
}

func (refinementRules) Act(ctx context.Context, env *Env, snap Room, a Action) (Apply, error) {
	return nil, unknown(KindRefinement, a.Type)
}

func (refinementRules) Expire(r *Room, now time.Time) (Change, bool, error) {
	return Change{}, false, nil
}

func (refinementRules) View(ctx context.Context, env *Env, r *Room, v *View) error {
	v.Refinement = &RefinementView{}
	return nil
}
