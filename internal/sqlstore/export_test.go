package sqlstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/pamateam/pama/internal/backlog"
)

// NewTeamForTest makes the storage of a team space with the given members,
// for tests outside this package that need a team before the team service
// can make one.
func (s *Store) NewTeamForTest(t testing.TB, members ...string) string {
	t.Helper()
	id := newID()
	if s.engine == SQLite {
		if err := s.teams.create(id); err != nil {
			t.Fatal(err)
		}
	}
	err := s.inTeam(context.Background(), id, "test.team", func(tx *tx) error {
		for _, m := range members {
			if _, err := tx.ExecContext(tx.ctx, `INSERT INTO members (team_id, account_id, role, joined_at, updated_at) VALUES ($1, $2, 'member', 0, 0)`, id, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// NewProductForTest adds a product with key to team and returns its id.
func (s *Store) NewProductForTest(t testing.TB, team, key string) string {
	t.Helper()
	id := newID()
	err := s.inTeam(context.Background(), team, "test.product", func(tx *tx) error {
		_, err := tx.ExecContext(tx.ctx, `INSERT INTO products (id, team_id, key, name, created_at, updated_at) VALUES ($1, $2, $3, $3, 0, 0)`, id, team, key)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// RanksForTest returns every item of product as id -> rank and version.
func (s *Store) RanksForTest(t testing.TB, team, product string) map[string][2]any {
	t.Helper()
	out := map[string][2]any{}
	err := s.readTeam(context.Background(), team, "test.ranks", func(q queryer) error {
		rows, err := q.QueryContext(context.Background(), `SELECT id, rank, version FROM items WHERE team_id = $1 AND product_id = $2`, team, product)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, r string
			var v int64
			if err := rows.Scan(&id, &r, &v); err != nil {
				return err
			}
			out[id] = [2]any{r, v}
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// ExplainForTest returns the query plan of the first page of a product's
// backlog, as the engine reports it.
func (s *Store) ExplainForTest(t testing.TB, team, query string, args ...any) string {
	t.Helper()
	prefix := "EXPLAIN QUERY PLAN "
	if s.engine == Postgres {
		prefix = "EXPLAIN "
	}
	var plan string
	err := s.readTeam(context.Background(), team, "test.explain", func(q queryer) error {
		rows, err := q.QueryContext(context.Background(), prefix+query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			plan += fmt.Sprintln(vals[len(vals)-1])
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// ItemQueryForTest returns the SQL and arguments ListItems runs for q.
func (s *Store) ItemQueryForTest(team string, q backlog.Query) (string, []any) {
	return s.itemQuery(team, q)
}

// ExecForTest runs a statement in a write transaction of team.
func (s *Store) ExecForTest(t testing.TB, team, stmt string) {
	t.Helper()
	err := s.inTeam(context.Background(), team, "test.exec", func(tx *tx) error {
		_, err := tx.ExecContext(tx.ctx, stmt)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// SeedSpacesForBench registers n team spaces (registry and console rows
// only, no team data), for benchmarks of the operator console's list.
func (s *Store) SeedSpacesForBench(ctx context.Context, n int) error {
	return s.inPlatform(ctx, "bench.seed_spaces", func(t *tx) error {
		states := []string{"active", "active", "active", "suspended", "archived", "deleted"}
		health := []string{"ok", "ok", "ok", "failing", "alert", "unknown"}
		for i := range n {
			id := newID()
			if _, err := t.ExecContext(ctx, `INSERT INTO teams (id, slug, name, state, created_by, created_at, updated_at)
				VALUES ($1, $2, $3, $4, 'bench', $5, $5)`, id, fmt.Sprintf("space-%05d", i), fmt.Sprintf("Space %05d", i),
				states[i%len(states)], int64(1700000000000+i)); err != nil {
				return err
			}
			if _, err := t.ExecContext(ctx, `INSERT INTO team_ops (team_id, members, items, db_bytes, last_activity_at, usage_at, health, health_at)
				VALUES ($1, $2, $3, $4, $5, $5, $6, $5)`, id, i%40, (i*7919)%5000, int64(i%100)*4096, int64(1700000000000+i*1000),
				health[i%len(health)]); err != nil {
				return err
			}
		}
		return nil
	})
}
