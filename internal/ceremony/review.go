package ceremony

import (
	"context"
	"time"
)

// ReviewView is a sprint review as one participant sees it.
type ReviewView struct{}

type reviewRules struct{}

func (reviewRules) Start(ctx context.Context, env *Env, r *Room, s Start) error {
	return r.Save(struct{}{})
}

func (reviewRules) Act(ctx context.Context, env *Env, snap Room, a Action) (Apply, error) {
	return nil, unknown(KindReview, a.Type)
}

func (reviewRules) Expire(r *Room, now time.Time) (Change, bool, error) { return Change{}, false, nil }

func (reviewRules) View(ctx context.Context, env *Env, r *Room, v *View) error {
	v.Review = &ReviewView{}
	return nil
}
