// Package sqlstoretest opens real stores for tests: SQLite in a temporary
// directory always, and PostgreSQL in a fresh schema when
// PAMA_TEST_POSTGRES_URL is set. With PAMA_TEST_REQUIRE_SERVICES set (make
// test-integration, and so CI) a missing PostgreSQL
// fails the test instead of skipping it.
package sqlstoretest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/sqlstore"
)

// PostgresURLEnv names the variable that points the tests at PostgreSQL.
const PostgresURLEnv = "PAMA_TEST_POSTGRES_URL"

// SQLite returns a migrated store in a new temporary data dir, closed when the test ends.
func SQLite(t testing.TB) *sqlstore.Store {
	t.Helper()
	return SQLiteAt(t, t.TempDir())
}

// SQLiteAt returns a migrated store on the data dir dir, closed when the test ends.
func SQLiteAt(t testing.TB, dir string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), sqlstore.Options{DataDir: dir, TeamIdle: time.Minute})
	if err != nil {
		t.Fatalf("open sqlite store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// PostgresURL returns a URL of a fresh, empty schema on the test server,
// dropped when the test ends. It skips the test when no server is configured,
// or fails it when PAMA_TEST_REQUIRE_SERVICES is set.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresURLEnv)
	if base == "" {
		if os.Getenv("PAMA_TEST_REQUIRE_SERVICES") != "" {
			t.Fatalf("%s is not set; PAMA_TEST_REQUIRE_SERVICES demands the PostgreSQL tests", PostgresURLEnv)
		}
		t.Skipf("%s not set; skipping PostgreSQL", PostgresURLEnv)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("postgres url: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Postgres returns a migrated store on a fresh schema (see PostgresURL).
func Postgres(t testing.TB) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), sqlstore.Options{PostgresURL: PostgresURL(t)})
	if err != nil {
		t.Fatalf("open postgres store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Engines are the store constructors a conformance test runs on.
var Engines = []struct {
	Name string
	Open func(testing.TB) *sqlstore.Store
}{
	{"sqlite", SQLite},
	{"postgres", Postgres},
}

// Each runs fn once per engine as parallel subtests.
func Each(t *testing.T, fn func(t *testing.T, s *sqlstore.Store)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, e.Open(t))
		})
	}
}
