package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

// Migrations are plain SQL files, one set per database and dialect:
//
//	migrations/platform/sqlite    platform.db
//	migrations/team/sqlite        every team file
//	migrations/platform/postgres  the platform tables
//	migrations/team/postgres      the team tables (with team_id and row-level security)
//
// Each file is NNNNN_name.sql with goose Up and Down sections. A change to the
// schema adds a file to both dialects of its set.
//
//go:embed migrations
var migrationFiles embed.FS

// migrationSet names one set of migrations.
type migrationSet string

const (
	platformMigrations migrationSet = "platform"
	teamMigrations     migrationSet = "team"
)

func (m migrationSet) files(dialect string) fs.FS {
	sub, err := fs.Sub(migrationFiles, path.Join("migrations", string(m), dialect))
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// latest returns the highest version in the set for dialect.
func (m migrationSet) latest(dialect string) int64 {
	entries, _ := fs.ReadDir(m.files(dialect), ".")
	var v int64
	for _, e := range entries {
		n, _, _ := strings.Cut(e.Name(), "_")
		if x, err := strconv.ParseInt(n, 10, 64); err == nil && x > v {
			v = x
		}
	}
	return v
}

// migrateSQLite brings one SQLite file up to date. PRAGMA user_version holds
// the latest applied version, so an up-to-date file costs one query.
func migrateSQLite(ctx context.Context, db *sql.DB, set migrationSet, log *slog.Logger) error {
	want := set.latest("sqlite")
	var have int64
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
		return fmt.Errorf("sqlstore: read schema version: %w", err)
	}
	if have == want {
		return nil
	}
	if have > want {
		return fmt.Errorf("sqlstore: %s schema version %d is newer than this binary knows (%d); upgrade pama", set, have, want)
	}
	store, err := database.NewStore(database.DialectSQLite3, "pama_migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider("", db, set.files("sqlite"), goose.WithStore(store),
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("sqlstore: %s migrations: %w", set, err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate %s: %w", set, err)
	}
	if len(res) > 0 {
		log.Info("migrated", "set", string(set), "engine", "sqlite", "applied", len(res), "version", want)
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", want)); err != nil {
		return fmt.Errorf("sqlstore: write schema version: %w", err)
	}
	return nil
}

// migratePostgres brings the platform and team tables up to date. Nodes that
// start together take turns through an advisory lock per schema.
func migratePostgres(ctx context.Context, db *sql.DB, log *slog.Logger) error {
	var schema string
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return fmt.Errorf("sqlstore: current schema: %w", err)
	}
	h := fnv.New64a()
	h.Write([]byte("pama-migrate:" + schema))
	for _, set := range []migrationSet{platformMigrations, teamMigrations} {
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64()>>1)), lock.WithLockTimeout(1, 300))
		if err != nil {
			return err
		}
		store, err := database.NewStore(database.DialectPostgres, "pama_"+string(set)+"_migrations")
		if err != nil {
			return err
		}
		p, err := goose.NewProvider("", db, set.files("postgres"), goose.WithStore(store),
			goose.WithDisableGlobalRegistry(true), goose.WithSessionLocker(locker))
		if err != nil {
			return fmt.Errorf("sqlstore: %s migrations: %w", set, err)
		}
		res, err := p.Up(ctx)
		if err != nil {
			return fmt.Errorf("sqlstore: migrate %s: %w", set, err)
		}
		if len(res) > 0 {
			log.Info("migrated", "set", string(set), "engine", "postgres", "applied", len(res))
		}
	}
	return nil
}

// MigrationReport says what Migrate did.
type MigrationReport struct {
	Engine       Engine
	Teams        int // team files checked (SQLite)
	TeamsChanged int // team files that needed migrating (SQLite)
}

// MigrateAll applies pending migrations to the platform schema and, on SQLite,
// to every team file, one at a time. It is what `pama migrate` runs.
func (s *Store) MigrateAll(ctx context.Context) (MigrationReport, error) {
	rep := MigrationReport{Engine: s.engine}
	if s.engine == Postgres {
		return rep, migratePostgres(ctx, s.platform, s.log)
	}
	if err := migrateSQLite(ctx, s.platform, platformMigrations, s.log); err != nil {
		return rep, err
	}
	entries, err := os.ReadDir(s.teams.dir)
	if err != nil {
		return rep, fmt.Errorf("sqlstore: list team files: %w", err)
	}
	want := teamMigrations.latest("sqlite")
	for _, e := range entries {
		team, ok := strings.CutSuffix(e.Name(), ".db")
		if !ok || !validTeamFileName(team) {
			continue
		}
		rep.Teams++
		w, r, err := openSQLiteFile(s.teams.path(team), false)
		if err != nil {
			return rep, err
		}
		r.Close()
		var have int64
		w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have)
		if have != want {
			rep.TeamsChanged++
		}
		err = migrateSQLite(ctx, w, teamMigrations, s.log)
		w.Close()
		if err != nil {
			return rep, fmt.Errorf("sqlstore: migrate team %s: %w", team, err)
		}
	}
	return rep, nil
}
