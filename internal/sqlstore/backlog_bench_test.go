package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/sqlstore"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
)

// The work-management benchmarks: one product with 10,000 items (override
// with PAMA_BENCH_ITEMS), on each engine. Each reports the p50 and p99 of
// single operations, timed one by one, besides ns/op:
//
//	go test ./internal/sqlstore/ -run '^$' -bench Backlog -benchtime 2000x
//
// PostgreSQL runs when PAMA_TEST_POSTGRES_URL is set.

var benchWords = strings.Fields(`account action agile alert answer archive audit backlog badge balance banner board
	bug build button cache calendar capacity captcha card cart chart checkout client cloud code column comment commit
	config cookie coverage crash csv cursor dashboard data deadline deck deploy design device dialog digest domain draft
	email endpoint epic error estimate event export feature feed field file filter flag form forecast gateway goal graph
	guest header health history hook icon import inbox index invite invoice issue item label lane layout limit link list
	load locale lock log login logo mail manual map member menu merge message metric migration mobile modal monitor
	note notice offline onboarding order owner page panel password payment permission photo pin plan player poker
	policy poll portal preview price print profile progress prompt proxy query queue quota rank rate receipt refund
	release report request retro review role route rule sample scale schedule schema screen search secret session
	setting share sidebar signup sitemap slot snapshot sort sprint status storage story stream style summary support
	survey sync table tag task team template tenant test theme thread ticket timer timezone toast token tooltip topic
	tour trace tracker traffic trial upload usage user vault vendor video view vote wallet webhook widget wizard workflow`)

type benchFixture struct {
	f     *fixture
	items []backlog.Item
	byID  map[string]int
}

func benchItems() int {
	if n, err := strconv.Atoi(os.Getenv("PAMA_BENCH_ITEMS")); err == nil && n > 0 {
		return n
	}
	return 10000
}

func newBenchFixture(b *testing.B, s *sqlstore.Store) *benchFixture {
	b.Helper()
	team := s.NewTeamForTest(b, "ann", "bob", "cy", "dee", "eve")
	f := &fixture{s: s, svc: backlog.NewService(s, nil), team: team,
		product: s.NewProductForTest(b, team, "BENCH"), ctx: activity.WithActor(context.Background(), "ann")}
	statuses, err := f.svc.Statuses(f.ctx, team)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 5))
	words := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = benchWords[rng.IntN(len(benchWords))]
		}
		return strings.Join(w, " ")
	}
	kinds := []backlog.Kind{backlog.KindStory, backlog.KindStory, backlog.KindStory, backlog.KindTask, backlog.KindBug}
	people := []string{"ann", "bob", "cy", "dee", "eve"}
	n := benchItems()
	start := time.Now()
	bf := &benchFixture{f: f, byID: map[string]int{}}
	for i := range n {
		pts := float64([]int{1, 2, 3, 5, 8, 13}[rng.IntN(6)])
		it, err := f.svc.CreateItem(f.ctx, team, backlog.NewItem{
			ProductID: f.product, Kind: kinds[rng.IntN(len(kinds))], Title: words(4 + rng.IntN(5)),
			Description: words(20 + rng.IntN(30)), Points: &pts, Assignees: []string{people[rng.IntN(len(people))]},
			Labels: []string{benchWords[rng.IntN(20)]}, StatusID: statuses[rng.IntN(len(statuses))].ID,
		})
		if err != nil {
			b.Fatal(err)
		}
		bf.byID[it.ID] = i
		bf.items = append(bf.items, it)
	}
	b.Logf("%s: %d items created in %s", s.Engine(), n, time.Since(start).Round(time.Millisecond))
	return bf
}

// timed runs op b.N times, timing each call, and reports p50 and p99.
func timed(b *testing.B, op func(i int) error) {
	b.Helper()
	d := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(d)
	pct := func(p float64) float64 {
		return float64(d[min(len(d)-1, int(float64(len(d))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

func BenchmarkBacklog(b *testing.B) {
	for _, e := range sqlstoretest.Engines {
		b.Run(e.Name, func(b *testing.B) {
			bf := newBenchFixture(b, e.Open(b))
			f := bf.f
			if p := os.Getenv("PAMA_BENCH_PRAGMA"); p != "" && e.Name == "sqlite" {
				f.s.ExecForTest(b, f.team, p)
			}
			rng := rand.New(rand.NewPCG(9, 9))
			if os.Getenv("PAMA_BENCH_PLANS") != "" {
				for _, q := range []backlog.Query{{ProductID: f.product, Limit: 50}, {ProductID: f.product, Limit: 50,
					Filter: backlog.Filter{Text: "invoice", Kinds: []backlog.Kind{backlog.KindStory, backlog.KindBug},
						Categories: []backlog.Category{backlog.CategoryTodo, backlog.CategoryInProgress}}}} {
					sqlText, args := f.s.ItemQueryForTest(f.team, q)
					b.Logf("plan of %s:\n%s", sqlText, f.s.ExplainForTest(b, f.team, sqlText, args...))
				}
			}

			b.Run("first-page", func(b *testing.B) {
				timed(b, func(int) error {
					p, err := f.s.ListItems(f.ctx, f.team, backlog.Query{ProductID: f.product, Limit: 50})
					if err == nil && len(p.Items) != 50 {
						err = fmt.Errorf("first page has %d items", len(p.Items))
					}
					return err
				})
			})

			b.Run("filtered-search", func(b *testing.B) {
				timed(b, func(int) error {
					q := backlog.Query{ProductID: f.product, Limit: 50, Filter: backlog.Filter{
						Text:       benchWords[rng.IntN(len(benchWords))],
						Kinds:      []backlog.Kind{backlog.KindStory, backlog.KindBug},
						Categories: []backlog.Category{backlog.CategoryTodo, backlog.CategoryInProgress},
					}}
					_, err := f.s.ListItems(f.ctx, f.team, q)
					return err
				})
			})

			b.Run("drag-reorder", func(b *testing.B) {
				timed(b, func(int) error {
					i := rng.IntN(len(bf.items))
					j := rng.IntN(len(bf.items))
					if i == j {
						j = (j + 1) % len(bf.items)
					}
					it := bf.items[i]
					moved, err := f.s.MoveItem(f.ctx, f.team, it.ID, backlog.Move{Version: it.Version,
						Position: backlog.Position{AfterID: bf.items[j].ID}})
					bf.items[i] = moved
					return err
				})
			})
		})
	}
}
