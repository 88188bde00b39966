package ceremony_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/pamateam/pama/internal/apptest"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/ceremony"
	"github.com/pamateam/pama/internal/errkind"
)

// racingItems is the real backlog service; the first item it creates lets
// another request run to its end before the creating one goes on, as two
// people pressing the same button at once would.
type racingItems struct {
	*backlog.Service
	meanwhile func()
}

func (r *racingItems) CreateItem(ctx context.Context, team string, n backlog.NewItem) (backlog.Item, error) {
	it, err := r.Service.CreateItem(ctx, team, n)
	if f := r.meanwhile; f != nil && err == nil {
		r.meanwhile = nil
		f()
	}
	return it, err
}

// Two members make the same blocker an item at once: one item results, and
// the request that lost gets the conflict, leaving no orphan item behind.
func TestBlockerToItemTwiceAtOnceMakesOneItem(t *testing.T) {
	engines(t, func(t *testing.T, env *apptest.Env) {
		s := newSquad(t, env, "member")
		ana, li := s.members[0], s.members[1]
		sp := s.newSprint(t, "Sprint 1")
		s.startSprint(t, sp)
		var v dailyRoom
		s.start(t, ana, map[string]any{"kind": "daily", "product_id": s.product}, fresh(&v))
		id := v.ID
		s.do(t, li, id, map[string]any{"type": "join"}, nil)
		s.do(t, li, id, map[string]any{"type": "blocker", "text": "Waiting for the staging database"}, fresh(&v))
		bid := v.Daily.Blockers[0].ID

		ctx := context.Background()
		items := &racingItems{Service: env.App.Backlog}
		svc := ceremony.NewService(env.App.Store, items, env.App.Sprints, env.App.Teams, nil, ceremony.Config{}, slog.New(slog.DiscardHandler))
		anaAcc, err := env.App.Teams.Access(ctx, s.team, ana.Account.ID)
		if err != nil {
			t.Fatal(err)
		}
		liAcc, err := env.App.Teams.Access(ctx, s.team, li.Account.ID)
		if err != nil {
			t.Fatal(err)
		}
		act := ceremony.Action{Type: "blocker_to_item", TargetID: bid}
		var liErr error
		items.meanwhile = func() { _, liErr = svc.Act(ctx, liAcc, id, act) }
		_, anaErr := svc.Act(ctx, anaAcc, id, act)
		if liErr != nil {
			t.Fatalf("the request that ran first: %v", liErr)
		}
		if !errors.Is(anaErr, errkind.Conflict) {
			t.Fatalf("the request that lost = %v, want a conflict", anaErr)
		}

		page, err := env.App.Backlog.Search(ctx, s.team, backlog.Query{ProductID: s.product, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var made []string
		for _, it := range page.Items {
			if strings.HasPrefix(it.Title, "Blocker: ") {
				made = append(made, it.ID)
			}
		}
		s.view(t, ana, id, fresh(&v))
		if len(made) != 1 || v.Daily.Blockers[0].ItemID != made[0] {
			t.Fatalf("items made from the blocker = %v, the blocker names %q; want exactly the one it names", made, v.Daily.Blockers[0].ItemID)
		}
		must(t, ana.Do(t, "GET", "/api/v1/teams/"+s.team+"/items/"+made[0], nil), http.StatusOK, "the blocker's item")
	})
}
