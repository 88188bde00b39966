package cli

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/app"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/config"
	"github.com/pamateam/pama/internal/sprint"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
)

func TestSeedDemo(t *testing.T) {
	engines := map[string]func(t *testing.T, c *config.Config){
		"sqlite":   func(t *testing.T, c *config.Config) {},
		"postgres": func(t *testing.T, c *config.Config) { c.DatabaseURL = sqlstoretest.PostgresURL(t) },
	}
	for name, setup := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := config.Defaults()
			cfg.Data = t.TempDir()
			setup(t, &cfg)
			ctx := context.Background()
			a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
			if err := seedDemo(ctx, a, now); err != nil {
				t.Fatal(err)
			}
			acc, err := a.Store.AccountByEmail(ctx, demoPeople[0].email)
			if err != nil {
				t.Fatal(err)
			}
			access, err := a.Teams.Access(ctx, demoSlug, acc.ID)
			if err != nil {
				t.Fatalf("the owner cannot reach the demo space: %v", err)
			}
			tm := access.Team.ID
			prod, err := a.Products.Get(ctx, tm, "SHOP")
			if err != nil {
				t.Fatal(err)
			}

			var items []backlog.Item
			q := backlog.Query{ProductID: prod.ID, Limit: backlog.MaxPage}
			p, err := a.Backlog.Search(ctx, tm, q)
			if err != nil {
				t.Fatal(err)
			}
			items = p.Items
			if n := len(items); n < 55 || n > 70 {
				t.Errorf("demo product has %d items, want about 60", n)
			}
			kinds := map[backlog.Kind]int{}
			for _, it := range items {
				kinds[it.Kind]++
			}
			if kinds[backlog.KindEpic] < 3 || kinds[backlog.KindSubtask] == 0 || kinds[backlog.KindBug] == 0 {
				t.Errorf("kinds = %v", kinds)
			}

			sprints, err := a.Sprints.List(ctx, tm, prod.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			var states []sprint.State
			for _, sp := range sprints {
				states = append(states, sp.State)
				if sp.State == sprint.StateCompleted && (sp.CompletedPoints <= 0 || sp.CommittedPoints < sp.CompletedPoints) {
					t.Errorf("%s: committed %v, completed %v points", sp.Name, sp.CommittedPoints, sp.CompletedPoints)
				}
				if sp.State != sprint.StatePlanned && (sp.StartedAt.IsZero() || !sp.StartedAt.Before(now)) {
					t.Errorf("%s started at %v", sp.Name, sp.StartedAt)
				}
			}
			want := []sprint.State{sprint.StateCompleted, sprint.StateCompleted, sprint.StateCompleted, sprint.StateActive, sprint.StatePlanned}
			if len(states) != len(want) {
				t.Fatalf("sprint states = %v", states)
			}
			for i := range want {
				if states[i] != want[i] {
					t.Fatalf("sprint states = %v, want %v", states, want)
				}
			}
			// The active sprint's board has work in several columns and a
			// ceremonies lane.
			board, err := a.Backlog.Board(ctx, tm, prod.ID, sprints[3].ID)
			if err != nil {
				t.Fatal(err)
			}
			busy := 0
			for _, c := range board.Columns {
				if c.Count > 0 {
					busy++
				}
			}
			born := 0
			for _, cell := range board.Lanes[1].Cells {
				born += len(cell)
			}
			if busy < 3 || born == 0 {
				t.Errorf("active board: %d busy columns, %d items born in ceremonies", busy, born)
			}
			// Moves were recorded in the past, by members, as status changes.
			feed, err := a.Store.ActivityFeed(ctx, tm, 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			moves := 0
			for _, e := range feed {
				if e.At.After(now) {
					t.Fatalf("activity in the future: %+v", e)
				}
				if e.EntityType == "item" && e.Action == "moved" && e.ActorID != "" {
					moves++
				}
			}
			if moves < 40 {
				t.Errorf("only %d recorded moves", moves)
			}
			if err := seedDemo(ctx, a, now); !errors.Is(err, errSeeded) {
				t.Errorf("second seed: %v, want a clear refusal", err)
			}
		})
	}
}
