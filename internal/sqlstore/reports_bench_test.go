package sqlstore_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/report"
	"github.com/pamateam/pama/internal/sprint"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
)

// BenchmarkReportBurndown computes the burndown of a sprint of 200 items
// whose record holds 5,000 item entries (creations, moves, re-estimates,
// items leaving and rejoining the sprint) over twelve days, on SQLite:
//
//	go test ./internal/sqlstore/ -run '^$' -bench ReportBurndown -benchtime 20x
func BenchmarkReportBurndown(b *testing.B) {
	const items, entries = 200, 5000
	s := sqlstoretest.SQLite(b)
	start := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	f := newReportFixture(b, s, "Europe/Berlin", start.Add(-time.Hour))
	sp, err := f.sprints.Create(f.ctx, f.team, sprint.NewSprint{ProductID: f.product, StartDate: "2026-03-02", EndDate: "2026-03-13"})
	if err != nil {
		b.Fatal(err)
	}
	list := make([]backlog.Item, items)
	for i := range list {
		list[i] = f.item(b, float64(1+i%8), sp.ID)
	}
	f.clock = start
	if _, err := f.sprints.Start(f.ctx, f.team, sp.ID, sprint.Start{Version: sp.Version}); err != nil {
		b.Fatal(err)
	}
	statuses, err := f.svc.Statuses(f.ctx, f.team)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	step := 11 * 24 * time.Hour / (entries - items)
	for i := range entries - items {
		f.clock = f.clock.Add(step)
		k := rng.IntN(items)
		it := &list[k]
		var err error
		switch i % 4 {
		case 0, 1:
			st := statuses[rng.IntN(len(statuses))].ID
			for st == it.StatusID {
				st = statuses[rng.IntN(len(statuses))].ID
			}
			var res backlog.MoveResult
			res, err = f.svc.MoveItem(f.ctx, f.team, it.ID, backlog.Move{Version: it.Version, StatusID: st})
			*it = res.Item
		case 2:
			p := float64(1 + rng.IntN(13))
			for it.Points != nil && *it.Points == p {
				p = float64(1 + rng.IntN(13))
			}
			*it, err = f.svc.UpdateItem(f.ctx, f.team, it.ID, it.Version, backlog.Patch{Points: &p})
		case 3:
			to := sp.ID
			if it.SprintID == sp.ID {
				to = ""
			}
			*it, err = f.svc.UpdateItem(f.ctx, f.team, it.ID, it.Version, backlog.Patch{SprintID: &to})
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	recorded, err := s.ItemActivity(f.ctx, f.team, report.ItemQuery{Mentions: sp.ID})
	if err != nil || len(recorded) != entries {
		b.Fatalf("the record holds %d item entries (%v), want %d", len(recorded), err, entries)
	}
	svc := report.NewService(s, nil, func() time.Time { return time.Date(2026, 3, 13, 18, 0, 0, 0, time.UTC) })
	b.ResetTimer()
	for range b.N {
		bd, err := svc.Burndown(f.ctx, f.team, sp.ID)
		if err != nil || len(bd.Days) != 12 || bd.Days[11].ScopeItems == nil {
			b.Fatalf("burndown: %v, %d days", err, len(bd.Days))
		}
	}
}
