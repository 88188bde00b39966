package sqlstore

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
)

// testPostgresURL mirrors sqlstoretest.PostgresURL for this package's own tests.
func testPostgresURL(t *testing.T) string {
	base := os.Getenv("PAMA_TEST_POSTGRES_URL")
	if base == "" {
		if os.Getenv("PAMA_TEST_REQUIRE_SERVICES") != "" {
			t.Fatal("PAMA_TEST_POSTGRES_URL is not set; PAMA_TEST_REQUIRE_SERVICES demands the PostgreSQL tests")
		}
		t.Skip("PAMA_TEST_POSTGRES_URL not set")
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db, _ := sql.Open("pgx", base)
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
