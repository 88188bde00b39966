package operator_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/apptest"
	"github.com/pamateam/pama/internal/blob"
	"github.com/pamateam/pama/internal/config"
	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/operator"
	"github.com/pamateam/pama/internal/product"
	"github.com/pamateam/pama/internal/sqlstore"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
	"github.com/pamateam/pama/internal/team"
)

// Benchmarks of the operator console (docs/benchmarks.md, "Operations").
//
//	go test ./internal/operator/ -run '^$' -bench Space -benchtime 10x
//	go test ./internal/operator/ -run '^$' -bench RollingMigration -benchtime 1x
//	go test ./internal/sqlstore/ -run '^$' -bench ListSpaces -benchtime 300x
//
// PAMA_BENCH_ITEMS sets the items of the space (default 5000),
// PAMA_BENCH_SPACES the spaces of the rolling migration (default 1000).

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// durations collects timings and reports their percentiles.
type durations []time.Duration

func (d durations) pct(p float64) float64 {
	s := slices.Clone(d)
	slices.Sort(s)
	return float64(s[min(len(s)-1, int(p*float64(len(s))))]) / 1e6
}

func (d durations) report(b *testing.B, name string) {
	b.ReportMetric(d.pct(0.5), name+"-p50-ms")
	b.ReportMetric(d.pct(0.99), name+"-p99-ms")
}

// BenchmarkSpaceOperations times suspend, resume, export, import, archive
// and restore of one space with PAMA_BENCH_ITEMS items, on each engine.
func BenchmarkSpaceOperations(b *testing.B) {
	for _, eng := range sqlstoretest.Engines {
		b.Run(eng.Name, func(b *testing.B) {
			s := eng.Open(b)
			e := &env{store: s}
			e.files, _ = blob.NewLocal(b.TempDir())
			e.svc = operator.New(operator.Deps{Store: s, Blobs: files{e.files}}, operator.Config{ExportDir: b.TempDir()})
			n := envInt("PAMA_BENCH_ITEMS", 5000)
			start := time.Now()
			tm, _ := e.space(b, "bench", n)
			b.Logf("%s: made a space with %d items in %s", eng.Name, n, time.Since(start).Round(time.Millisecond))
			target := eng.Open(b) // a second install to import into
			te := &env{store: target}
			te.files, _ = blob.NewLocal(b.TempDir())
			te.svc = operator.New(operator.Deps{Store: target, Blobs: files{te.files}}, operator.Config{ExportDir: b.TempDir()})

			var susp, res, exp, imp, arc, rst durations
			var size int
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				if _, err := e.svc.Suspend(ctx, tm.ID, operator.ReadOnly, ""); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := e.svc.Resume(ctx, tm.ID, ""); err != nil {
					b.Fatal(err)
				}
				t2 := time.Now()
				var buf bytes.Buffer
				if err := e.svc.Export(ctx, tm.ID, &buf); err != nil {
					b.Fatal(err)
				}
				t3 := time.Now()
				size = buf.Len()
				r, err := te.svc.Import(ctx, &buf, operator.ImportOptions{Slug: fmt.Sprintf("copy-%d", i)})
				if err != nil {
					b.Fatal(err)
				}
				t4 := time.Now()
				if _, err := e.svc.Archive(ctx, tm.ID, ""); err != nil {
					b.Fatal(err)
				}
				t5 := time.Now()
				if _, err := e.svc.Restore(ctx, tm.ID, ""); err != nil {
					b.Fatal(err)
				}
				t6 := time.Now()
				susp, res, exp, imp = append(susp, t1.Sub(t0)), append(res, t2.Sub(t1)), append(exp, t3.Sub(t2)), append(imp, t4.Sub(t3))
				arc, rst = append(arc, t5.Sub(t4)), append(rst, t6.Sub(t5))
				// Keep the target small: erase the copy.
				b.StopTimer()
				if _, err := te.svc.Delete(ctx, r.Space.ID, ""); err != nil {
					b.Fatal(err)
				}
				te.svc.SetClock(func() time.Time { return time.Now().Add(8 * 24 * time.Hour) })
				if err := te.svc.Purge(ctx, r.Space.ID); err != nil {
					b.Fatal(err)
				}
				te.svc.SetClock(time.Now)
				b.StartTimer()
			}
			susp.report(b, "suspend")
			res.report(b, "resume")
			exp.report(b, "export")
			imp.report(b, "import")
			arc.report(b, "archive")
			rst.report(b, "restore")
			b.ReportMetric(float64(size)/1024, "archive-KiB")
		})
	}
}

// BenchmarkRollingMigration makes PAMA_BENCH_SPACES SQLite spaces one
// schema version behind, starts the real app on them, and runs a migrate
// job over all of them while a client keeps reading the backlogs of 50
// other spaces through the API. It reports how long the job took and the
// readers' latency before and during it.
func BenchmarkRollingMigration(b *testing.B) {
	for b.Loop() {
		rollingMigration(b)
	}
}

func rollingMigration(b *testing.B) {
	n := envInt("PAMA_BENCH_SPACES", 1000)
	dir := b.TempDir()
	// Phase one: the spaces, made by a store of this version.
	s, err := sqlstore.Open(context.Background(), sqlstore.Options{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	owner, err := s.CreateAccount(ctx, identity.Account{Email: "owner@example.com", DisplayName: "Owner"})
	if err != nil {
		b.Fatal(err)
	}
	type sp struct{ id, slug, product string }
	var spaces []sp
	for i := range n + 50 {
		slug := fmt.Sprintf("space-%04d", i)
		if i >= n {
			slug = fmt.Sprintf("busy-%02d", i-n)
		}
		c, err := s.CreateTeam(activity.WithActor(ctx, owner.ID), team.NewTeam{Slug: slug, Name: slug,
			CreatedBy: owner.ID, Settings: team.DefaultSettings("Space"), FirstProduct: &product.Product{Key: "P", Name: "P"}})
		if err != nil {
			b.Fatal(err)
		}
		spaces = append(spaces, sp{c.Team.ID, c.Team.Slug, c.Product.ID})
	}
	s.Close()
	// Take the first n one version back: drop the latest migration's tables.
	start := time.Now()
	for _, x := range spaces[:n] {
		if err := downgrade(filepath.Join(dir, "teams", x.id+".db")); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("made %d spaces, %d of them one schema version back, in %s", len(spaces), n, time.Since(start).Round(time.Millisecond))

	// Phase two: the app of the new version on the same data.
	env := apptest.New(b, func(c *config.Config) {
		c.Data, c.Operators, c.HealthEvery, c.TeamIdle = dir, []string{"ops@example.com"}, 0, 30*time.Second
	})
	env.App.Start(context.Background())
	ops := env.SignIn(b, "ops@example.com")
	member := env.SignIn(b, "owner@example.com")
	busy := spaces[n:]

	read := func(stop <-chan struct{}, out *durations, errs *int) {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			x := busy[rand.IntN(len(busy))]
			t0 := time.Now()
			r := member.Do(b, "GET", "/api/v1/teams/"+x.slug+"/products/"+x.product+"/items?limit=50", nil)
			*out = append(*out, time.Since(t0))
			if r.Status != http.StatusOK {
				*errs++
			}
		}
	}
	// Open every busy space once, so the baseline does not count first openings.
	for _, x := range busy {
		if r := member.Do(b, "GET", "/api/v1/teams/"+x.slug+"/products/"+x.product+"/items?limit=50", nil); r.Status != http.StatusOK {
			b.Fatalf("warm-up read: %d %s", r.Status, r.Body)
		}
	}
	// Baseline: the readers alone, for 3 seconds.
	var before, during durations
	var errsBefore, errsDuring int
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); read(stop, &before, &errsBefore) }()
	time.Sleep(3 * time.Second)
	close(stop)
	wg.Wait()

	stop = make(chan struct{})
	wg.Add(1)
	go func() { defer wg.Done(); read(stop, &during, &errsDuring) }()
	t0 := time.Now()
	r := ops.Do(b, "POST", "/api/v1/admin/jobs", map[string]any{"kind": "migrate", "filter": map[string]any{"search": "space-"}})
	if r.Status != http.StatusCreated {
		b.Fatalf("create job: %d %s", r.Status, r.Body)
	}
	var job operator.Job
	r.JSON(b, &job)
	for job.State != operator.JobDone {
		time.Sleep(50 * time.Millisecond)
		ops.Do(b, "GET", "/api/v1/admin/jobs/"+job.ID, nil).JSON(b, &job)
		if job.State == operator.JobFailed || time.Since(t0) > 20*time.Minute {
			b.Fatalf("job = %+v", job)
		}
	}
	took := time.Since(t0)
	close(stop)
	wg.Wait()
	items, err := env.App.Operator.JobItems(ctx, job.ID, 0, 200)
	if err != nil {
		b.Fatal(err)
	}
	migrated := 0
	for _, it := range items {
		if it.State == "done" && it.Result == fmt.Sprintf("migrated from schema %d to %d", 10, s.TeamSchemaVersion()) {
			migrated++
		}
	}
	b.Logf("job over %d spaces took %s (%d failed); of the first %d items %d were migrated; readers: %d requests before (%d errors), %d during (%d errors)",
		job.Total, took.Round(time.Millisecond), job.Failed, min(200, len(items)), migrated, len(before), errsBefore, len(during), errsDuring)
	b.ReportMetric(took.Seconds(), "job-s")
	b.ReportMetric(float64(took.Milliseconds())/float64(job.Total), "ms/space")
	before.report(b, "read-before")
	during.report(b, "read-during")
	b.ReportMetric(float64(errsDuring), "read-errors")
	if job.Failed > 0 || migrated == 0 {
		b.Fatalf("migration did not migrate: %d failed, %d migrated", job.Failed, migrated)
	}
}

// downgrade takes a closed team file one schema version back by running the
// Down section of its latest migration by hand.
func downgrade(path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	for _, q := range []string{`DROP TABLE saved_filters`, `DROP TABLE sprint_capacity`, `DROP TABLE sprints`,
		`DELETE FROM pama_migrations WHERE version_id = 11`, `PRAGMA user_version = 10`} {
		if _, err := db.Exec(q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}
