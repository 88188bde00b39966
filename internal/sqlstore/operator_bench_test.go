package sqlstore_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/operator"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
	"github.com/pamateam/pama/internal/team"
)

// BenchmarkListSpaces lists the first page of PAMA_BENCH_SPACES (default
// 10,000) spaces by name, by items (descending) and with a search, on each
// engine: the operator console's list, which reads only the platform
// database.
//
//	go test ./internal/sqlstore/ -run '^$' -bench ListSpaces -benchtime 300x
func BenchmarkListSpaces(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("PAMA_BENCH_SPACES")); err == nil && v > 0 {
		n = v
	}
	ctx := activity.WithActor(context.Background(), "bench")
	for _, eng := range sqlstoretest.Engines {
		b.Run(eng.Name, func(b *testing.B) {
			s := eng.Open(b)
			if err := s.SeedSpacesForBench(ctx, n); err != nil {
				b.Fatal(err)
			}
			svc := operator.New(operator.Deps{Store: s}, operator.Config{})
			queries := []operator.ListQuery{
				{Limit: 50},
				{Sort: operator.SortItems, Descending: true, Limit: 50},
				{Filter: operator.SpaceFilter{Search: "42", States: []team.State{team.StateActive}}, Limit: 50},
			}
			times := make([][]time.Duration, len(queries))
			for i := 0; b.Loop(); i++ {
				k := i % len(queries)
				t0 := time.Now()
				list, _, err := svc.List(ctx, queries[k])
				if err != nil || len(list) == 0 {
					b.Fatal(err, len(list))
				}
				times[k] = append(times[k], time.Since(t0))
			}
			for k, name := range []string{"name", "items", "search"} {
				d := times[k]
				if len(d) == 0 {
					continue
				}
				slices.Sort(d)
				b.ReportMetric(float64(d[len(d)/2])/1e6, name+"-p50-ms")
				b.ReportMetric(float64(d[min(len(d)-1, len(d)*99/100)])/1e6, name+"-p99-ms")
			}
		})
	}
}
