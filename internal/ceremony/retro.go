package ceremony

import (
	"context"
	"time"
)

// RetroView is a retrospective as one participant sees it.
type RetroView struct{}

type retroRules struct{}

func (retroRules) Start(ctx context.Context, env *Env, r *Room, s Start) error {
	return r.Save(struct{}{})
}

func (retroRules) Act(ctx context.Context, env *Env, snap Room, a Action) (Apply, error) {
	return nil, unknown(KindRetro, a.Type)
}

func (retroRules) Expire(r *Room, now time.Time) (Change, bool, error) { return Change{}, false, nil }

func (retroRules) View(ctx context.Context, env *Env, r *Room, v *View) error {
	v.Retro = &RetroView{}
	return nil
}
