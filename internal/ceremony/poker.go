package ceremony

import (
	"context"
	"time"
)

// PokerView is an estimation room as one participant sees it.
type PokerView struct{}

type pokerRules struct{}

func (pokerRules) Start(ctx context.Context, env *Env, r *Room, s Start) error {
	return r.Save(struct{}{})
}

func (pokerRules) Act(ctx context.Context, env *Env, snap Room, a Action) (Apply, error) {
	return nil, unknown(KindPoker, a.Type)
}

func (pokerRules) Expire(r *Room, now time.Time) (Change, bool, error) { return Change{}, false, nil }

func (pokerRules) View(ctx context.Context, env *Env, r *Room, v *View) error {
	v.Poker = &PokerView{}
	return nil
}
