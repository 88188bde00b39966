package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

func openCacheTestDB(t *testing.T) *sql.DB {
	t.Helper()
	db := openSQLite("file:" + filepath.Join(t.TempDir(), "c.db") + "?mode=rwc&_pragma=journal_mode(WAL)&_txlock=immediate")
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if _, err := db.Exec(`INSERT INTO t (id, name) VALUES (?, ?)`, i, fmt.Sprint("n", i)); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// cached returns the texts the one connection of db keeps compiled.
func cached(t *testing.T, db *sql.DB) map[string]bool {
	t.Helper()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	out := map[string]bool{}
	c.Raw(func(dc any) error {
		for q := range dc.(*cachedConn).stmts {
			out[q] = true
		}
		return nil
	})
	return out
}

func TestStatementCacheReusesCompiledStatements(t *testing.T) {
	db := openCacheTestDB(t)
	const q = `SELECT name FROM t WHERE id = ?`
	for i := 1; i <= 3; i++ {
		var name string
		if err := db.QueryRow(q, i).Scan(&name); err != nil || name != fmt.Sprint("n", i) {
			t.Fatalf("row %d: %q, %v", i, name, err)
		}
	}
	if got := cached(t, db); !got[q] || !got[`INSERT INTO t (id, name) VALUES (?, ?)`] {
		t.Fatalf("cached = %v, want the query and the insert", got)
	}
}

// The same text asked while its rows are open (a query inside the loop over
// another's rows) runs on its own statement and both give their rows.
func TestStatementCacheNestedSameQuery(t *testing.T) {
	db := openCacheTestDB(t)
	const q = `SELECT id, name FROM t WHERE id >= ? ORDER BY id`
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	outer, err := tx.Query(q, 1)
	if err != nil {
		t.Fatal(err)
	}
	var pairs []string
	for outer.Next() {
		var id int
		var name string
		if err := outer.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		inner, err := tx.Query(q, id)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for inner.Next() {
			n++
		}
		if err := inner.Close(); err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, fmt.Sprintf("%s:%d", name, n))
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	outer.Close()
	if fmt.Sprint(pairs) != "[n1:3 n2:2 n3:1]" {
		t.Fatalf("pairs = %v", pairs)
	}
	// The cached statement is free again and gives the right rows.
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM (`+q+`)`, 2).Scan(&n); err != nil || n != 2 {
		t.Fatalf("count = %d, %v", n, err)
	}
}

// More texts than the cache holds: the oldest go, every query still answers,
// and a statement compiled before a schema change runs after it.
func TestStatementCacheEvictsAndSurvivesSchemaChanges(t *testing.T) {
	db := openCacheTestDB(t)
	for i := range stmtCacheSize + 20 {
		var v int
		if err := db.QueryRow(fmt.Sprintf(`SELECT %d + id FROM t WHERE id = 1`, i)).Scan(&v); err != nil || v != i+1 {
			t.Fatalf("query %d: %d, %v", i, v, err)
		}
	}
	got := cached(t, db)
	if len(got) != stmtCacheSize || got[`SELECT 0 + id FROM t WHERE id = 1`] {
		t.Fatalf("cache holds %d statements (the first: %v), want %d without the oldest", len(got), got[`SELECT 0 + id FROM t WHERE id = 1`], stmtCacheSize)
	}
	const q = `SELECT * FROM t WHERE id = 2`
	var id int
	var name string
	if err := db.QueryRow(q).Scan(&id, &name); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`ALTER TABLE t ADD COLUMN extra TEXT NOT NULL DEFAULT 'x'`); err != nil {
		t.Fatal(err)
	}
	var extra string
	if err := db.QueryRow(q).Scan(&id, &name, &extra); err != nil || extra != "x" {
		t.Fatalf("after the change: %q, %v", extra, err)
	}
}
