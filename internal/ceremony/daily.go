package ceremony

import (
	"context"
	"time"
)

// DailyView is a daily as one participant sees it.
type DailyView struct{}

type dailyRules struct{}

func (dailyRules) Start(ctx context.Context, env *Env, r *Room, s Start) error {
	return r.Save(struct{}{})
}

func (dailyRules) Act(ctx context.Context, env *Env, snap Room, a Action) (Apply, error) {
	return nil, unknown(KindDaily, a.Type)
}

func (dailyRules) Expire(r *Room, now time.Time) (Change, bool, error) { return Change{}, false, nil }

func (dailyRules) View(ctx context.Context, env *Env, r *Room, v *View) error {
	v.Daily = &DailyView{}
	return nil
}
