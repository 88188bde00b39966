package sqlstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/errkind"
)

// openBoth returns a SQLite store and, when configured, a PostgreSQL store.
// (The sqlstoretest package cannot be used here: it imports this one.)
func eachEngineInternal(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		s, err := Open(context.Background(), Options{DataDir: t.TempDir(), TeamIdle: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		s, err := Open(context.Background(), Options{PostgresURL: testPostgresURL(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, s)
	})
}

// makeTeam makes the storage of a team space without the registry.
func makeTeam(t *testing.T, s *Store) string {
	t.Helper()
	id := newID()
	if s.engine == SQLite {
		if err := s.teams.create(id); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

func TestTeamTransactionsSeeOnlyTheirTeam(t *testing.T) {
	eachEngineInternal(t, func(t *testing.T, s *Store) {
		ctx := activity.WithActor(context.Background(), "acct-1")
		a, b := makeTeam(t, s), makeTeam(t, s)
		for _, team := range []string{a, b} {
			err := s.inTeam(ctx, team, "test.insert", func(t *tx) error {
				_, err := t.ExecContext(ctx, `INSERT INTO products (id, team_id, key, name, created_at, updated_at) VALUES ($1, $2, 'P', 'p', 0, 0)`, newID(), team)
				if err != nil {
					return err
				}
				return t.record("product", "x", "created", 1, nil)
			})
			if err != nil {
				t.Fatalf("insert into %s: %v", team, err)
			}
		}
		// A query that forgets its team_id filter still sees only its team.
		var n int
		err := s.readTeam(ctx, a, "test.count", func(q queryer) error {
			return q.QueryRowContext(ctx, `SELECT count(*) FROM products`).Scan(&n)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("team %s sees %d products without a filter, want 1", a, n)
		}
		// Writing another team's id inside a team transaction is refused (PostgreSQL RLS)
		// or lands in the caller's own file (SQLite), never in the other team.
		err = s.inTeam(ctx, a, "test.cross", func(t *tx) error {
			_, err := t.ExecContext(ctx, `INSERT INTO products (id, team_id, key, name, created_at, updated_at) VALUES ($1, $2, 'Q', 'q', 0, 0)`, newID(), b)
			return err
		})
		if s.engine == Postgres && err == nil {
			t.Error("postgres accepted a row for another team inside a team transaction")
		}
		s.readTeam(ctx, b, "test.count", func(q queryer) error {
			return q.QueryRowContext(ctx, `SELECT count(*) FROM products`).Scan(&n)
		})
		if n != 1 {
			t.Errorf("team %s has %d products after a cross-team write, want 1", b, n)
		}
		feed, err := s.ActivityFeed(ctx, a, 0, 10)
		if err != nil || len(feed) != 1 || feed[0].ActorID != "acct-1" || feed[0].TeamID != a {
			t.Errorf("ActivityFeed(a) = %+v, %v", feed, err)
		}
	})
}

func TestCommitHookGetsEntriesOnlyAfterCommit(t *testing.T) {
	eachEngineInternal(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		team := makeTeam(t, s)
		var got []activity.Entry
		s.SetOnCommit(func(tm string, es []activity.Entry) { got = append(got, es...) })
		boom := errors.New("boom")
		err := s.inTeam(ctx, team, "test.rollback", func(t *tx) error {
			if err := t.record("product", "x", "created", 1, nil); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || len(got) != 0 {
			t.Fatalf("rolled back: err=%v, hook got %d entries", err, len(got))
		}
		feed, _ := s.ActivityFeed(ctx, team, 0, 10)
		if len(feed) != 0 {
			t.Errorf("rolled-back entry is in the feed: %+v", feed)
		}
		err = s.inTeam(ctx, team, "test.commit", func(t *tx) error {
			return t.record("product", "x", "created", 1, nil)
		})
		if err != nil || len(got) != 1 || got[0].Seq == 0 {
			t.Errorf("committed: err=%v, hook got %+v", err, got)
		}
		un, _ := s.Unpublished(ctx, team, 10)
		if len(un) != 1 {
			t.Fatalf("unpublished = %d, want 1", len(un))
		}
		if err := s.MarkPublished(ctx, team, un[0].Seq); err != nil {
			t.Fatal(err)
		}
		if un, _ = s.Unpublished(ctx, team, 10); len(un) != 0 {
			t.Errorf("after MarkPublished, unpublished = %d", len(un))
		}
	})
}

func TestTeamFilesOpenLazilyAndCloseWhenIdle(t *testing.T) {
	s, err := Open(context.Background(), Options{DataDir: t.TempDir(), TeamIdle: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	team := makeTeam(t, s)
	if n := s.OpenTeamCount(); n != 0 {
		t.Fatalf("open teams after create = %d, want 0", n)
	}
	if _, err := s.ActivityFeed(ctx, team, 0, 1); err != nil {
		t.Fatal(err)
	}
	if n := s.OpenTeamCount(); n != 1 {
		t.Fatalf("open teams after a read = %d, want 1", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.OpenTeamCount() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := s.OpenTeamCount(); n != 0 {
		t.Errorf("open teams after idle = %d, want 0", n)
	}
	// An unknown team id is not found, and no file is created for it.
	if _, err := s.ActivityFeed(ctx, newID(), 0, 1); !errors.Is(err, errkind.NotFound) {
		t.Errorf("unknown team: err = %v, want NotFound", err)
	}
	if _, err := s.ActivityFeed(ctx, "../platform", 0, 1); !errors.Is(err, errkind.NotFound) {
		t.Errorf("path-like team id: err = %v, want NotFound", err)
	}
}

func TestConcurrentWritersToDifferentTeamsDoNotBlockEachOther(t *testing.T) {
	s, err := Open(context.Background(), Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	a, b := makeTeam(t, s), makeTeam(t, s)
	inA := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.inTeam(ctx, a, "test.hold", func(t *tx) error {
			close(inA)
			<-release // hold team a's write lock
			return nil
		})
	}()
	<-inA
	// A write to team b completes while team a's writer is held.
	if err := s.inTeam(ctx, b, "test.write", func(t *tx) error { return t.record("x", "y", "created", 1, nil) }); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
