// Package sqlstore is Pama's one store for SQLite and PostgreSQL.
//
// With SQLite (the embedded default) the data dir holds platform.db (accounts,
// sessions, tokens, the team-space registry) and one file per team space under
// teams/. A team file is opened when first used, migrated when opened, closed
// when idle, and has exactly one writer connection, so different teams never
// share a write lock and a stopped space costs nothing. Every SQLite
// connection keeps the statements it compiled (stmtcache.go).
//
// With PostgreSQL everything lives in one database and every team row carries
// team_id. Team transactions switch to the role pama_team and set
// pama.team_id, and row-level security on every team table admits only that
// team's rows: a second fence behind the team_id filter in every query.
//
// Every exported method that touches team data takes the team id, and every
// mutation writes its activity record in the same transaction. After commit
// the store hands the new records to the OnCommit hook, which the real-time
// layer uses to publish them.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"               // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/errkind"
)

// Engine names a database engine.
type Engine string

// The engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Options configure Open.
type Options struct {
	// DataDir holds platform.db and teams/ when PostgresURL is empty.
	DataDir string
	// PostgresURL selects PostgreSQL: postgres://user@host:port/db?options.
	PostgresURL string
	// TeamIdle is how long an unused team file stays open (SQLite). Default 2m.
	TeamIdle time.Duration
	// Logger receives store events; nil discards them.
	Logger *slog.Logger
	// Observe, when set, is called after every store operation with its
	// name, duration and error, for metrics.
	Observe func(op string, d time.Duration, err error)
	// OpenTeams, when set, is called whenever the number of open team files changes.
	OpenTeams func(n int)
	// SkipMigrate leaves the schema as it is (pama migrate runs it explicitly).
	SkipMigrate bool
}

// Store is the SQL store. Its methods are safe for concurrent use.
type Store struct {
	engine   Engine
	log      *slog.Logger
	platform *sql.DB // writes (SQLite: one connection)
	reader   *sql.DB // reads (SQLite: a pool of read-only connections; PostgreSQL: same as platform)
	// ckpt checkpoints platform.db in the background (SQLite), as team
	// files are, so no request pays for a checkpoint.
	ckpt     *checkpointer
	teams    *teamFiles
	observe  func(op string, d time.Duration, err error)
	onCommit func(teamID string, entries []activity.Entry)
	now      func() time.Time

	stats      *teamStats              // recent operations and errors per team (operator.go)
	indexMu    sync.Mutex              // orders rewrites of the team index (index.go)
	createHook func(step string) error // tests: fail team creation at a step (team.go)
}

// Pools returns the store's connection pools by name, for their statistics
// (connections open and in use, waits for a free one): with SQLite the
// platform database's writer and readers (team files come and go), with
// PostgreSQL the one pool everything uses.
func (s *Store) Pools() map[string]*sql.DB {
	if s.engine == Postgres {
		return map[string]*sql.DB{"postgres": s.platform}
	}
	return map[string]*sql.DB{"platform": s.platform, "platform_read": s.reader}
}

// Open connects to the configured engine, creating the data dir and applying
// migrations unless opts.SkipMigrate is set.
func Open(ctx context.Context, opts Options) (*Store, error) {
	s := &Store{
		log:     opts.Logger,
		observe: opts.Observe,
		now:     time.Now,
		stats:   newTeamStats(),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.observe == nil {
		s.observe = func(string, time.Duration, error) {}
	}
	var err error
	if opts.PostgresURL != "" {
		err = s.openPostgres(ctx, opts)
	} else {
		err = s.openSQLite(ctx, opts)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) openSQLite(ctx context.Context, opts Options) error {
	s.engine = SQLite
	if opts.DataDir == "" {
		return errors.New("sqlstore: no data dir")
	}
	if err := os.MkdirAll(filepath.Join(opts.DataDir, "teams"), 0o750); err != nil {
		return fmt.Errorf("sqlstore: create data dir: %w", err)
	}
	path := filepath.Join(opts.DataDir, "platform.db")
	var err error
	if s.platform, s.reader, err = openSQLiteFile(path, true); err != nil {
		return err
	}
	if !opts.SkipMigrate {
		if err := migrateSQLite(ctx, s.platform, platformMigrations, s.log); err != nil {
			return err
		}
	}
	if _, err := s.platform.ExecContext(ctx, fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", backstopCheckpoint)); err != nil {
		return fmt.Errorf("sqlstore: open %s: %w", path, err)
	}
	s.ckpt = startCheckpointer(path, s.log)
	idle := opts.TeamIdle
	if idle <= 0 {
		idle = 2 * time.Minute
	}
	s.teams = newTeamFiles(filepath.Join(opts.DataDir, "teams"), idle, s.log, opts.OpenTeams, opts.SkipMigrate)
	s.teams.onOpen = s.reconcileTeamIndex
	if !opts.SkipMigrate {
		if _, err := s.repairStuckTeams(ctx, s.now().Add(-stuckAfter)); err != nil {
			s.log.Warn("repair team spaces", "err", err)
		}
	}
	s.teams.wg.Add(1)
	go func() {
		defer s.teams.wg.Done()
		s.repairLoop(s.teams.stop)
	}()
	return nil
}

// openSQLiteFile opens one SQLite file as a single-connection writer and a
// pool of read-only connections. create allows creating the file.
func openSQLiteFile(path string, create bool) (w, r *sql.DB, err error) {
	mode := "rw"
	if create {
		mode = "rwc"
	}
	base := "file:" + path + "?mode=" + mode +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(ON)&_pragma=cache_size(-2000)&_time_format=sqlite"
	w = openSQLite(base + "&_txlock=immediate")
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("sqlstore: open %s: %w", path, err)
	}
	r = openSQLite(strings.Replace(base, "mode="+mode, "mode=ro", 1) + "&_pragma=query_only(1)")
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(2)
	r.SetConnMaxIdleTime(time.Minute)
	return w, r, nil
}

func (s *Store) openPostgres(ctx context.Context, opts Options) error {
	s.engine = Postgres
	db, err := sql.Open("pgx", opts.PostgresURL)
	if err != nil {
		return fmt.Errorf("sqlstore: open postgres: %w", err)
	}
	// Keep as many idle as may be open: under load a smaller idle pool
	// closes connections that the next moment opens again, each a new
	// PostgreSQL backend. Idle ones still close after five minutes.
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s.platform, s.reader = db, db
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		return fmt.Errorf("sqlstore: connect to postgres: %w", err)
	}
	if !opts.SkipMigrate {
		return migratePostgres(ctx, db, s.log)
	}
	return nil
}

// DataDir returns the data dir of a SQLite store ("" on PostgreSQL).
func (s *Store) DataDir() string {
	if s.teams == nil {
		return ""
	}
	return filepath.Dir(s.teams.dir)
}

// Engine reports which engine the store runs on.
func (s *Store) Engine() Engine { return s.engine }

// Close closes every open database. The store is unusable afterwards.
func (s *Store) Close() error {
	if s.teams != nil {
		s.teams.close()
	}
	if s.ckpt != nil {
		s.ckpt.stop()
		s.ckpt = nil
	}
	var errs []error
	if s.reader != nil && s.reader != s.platform {
		errs = append(errs, s.reader.Close())
	}
	if s.platform != nil {
		errs = append(errs, s.platform.Close())
	}
	return errors.Join(errs...)
}

// Ping checks that the platform database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.reader.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("sqlstore: ping: %w", errors.Join(errkind.Unavailable, err))
	}
	return nil
}

// SetOnCommit installs the hook that receives the activity entries of every
// committed transaction, in commit order per team. It must not block for long;
// it is called before the mutating method returns. Call it before serving.
func (s *Store) SetOnCommit(fn func(teamID string, entries []activity.Entry)) { s.onCommit = fn }

// OpenTeamCount reports how many team files are open now (0 on PostgreSQL).
func (s *Store) OpenTeamCount() int {
	if s.teams == nil {
		return 0
	}
	return s.teams.count()
}

// newID returns a new time-ordered identifier (a UUIDv7).
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// queryer is what read functions need: a *sql.DB, *sql.Tx or *sql.Conn.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// tx is a write transaction on one database (platform or one team), with the
// activity entries recorded in it.
type tx struct {
	*sql.Tx
	ctx     context.Context
	team    string // "" for the platform database
	now     time.Time
	entries []activity.Entry
}

// record writes an activity entry in the transaction. The actor comes from
// the context.
func (t *tx) record(entityType, entityID, action string, version int64, changes []activity.Change) error {
	e := activity.Entry{
		TeamID:     t.team,
		At:         t.now,
		ActorID:    activity.Actor(t.ctx),
		EntityType: entityType,
		EntityID:   entityID,
		Action:     action,
		Version:    version,
		Changes:    changes,
	}
	raw, err := marshalChanges(changes)
	if err != nil {
		return err
	}
	table := "activity"
	if t.team == "" {
		table = "platform_activity"
	}
	err = t.QueryRowContext(t.ctx, `INSERT INTO `+table+` (team_id, at, actor_id, entity_type, entity_id, action, version, changes)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq`,
		e.TeamID, ms(e.At), e.ActorID, e.EntityType, e.EntityID, e.Action, e.Version, raw).Scan(&e.Seq)
	if err != nil {
		return fmt.Errorf("sqlstore: record activity: %w", err)
	}
	t.entries = append(t.entries, e)
	return nil
}

// inPlatform runs fn in a write transaction on the platform database.
func (s *Store) inPlatform(ctx context.Context, op string, fn func(*tx) error) (err error) {
	start := time.Now()
	defer func() { s.observe(op, time.Since(start), err) }()
	return s.runTx(ctx, s.platform, "", fn)
}

// readPlatform runs fn against the platform database's readers.
func (s *Store) readPlatform(ctx context.Context, op string, fn func(queryer) error) (err error) {
	start := time.Now()
	defer func() { s.observe(op, time.Since(start), err) }()
	return fn(s.reader)
}

// inTeam runs fn in a write transaction on team's data. On PostgreSQL the
// transaction runs as pama_team with pama.team_id set, so row-level security
// fences it to that team.
func (s *Store) inTeam(ctx context.Context, team, op string, fn func(*tx) error) (err error) {
	start := time.Now()
	defer func() { s.observe(op, time.Since(start), err); s.stats.note(team, err) }()
	if s.engine == Postgres {
		return s.runTx(ctx, s.platform, team, fn)
	}
	h, err := s.teams.acquire(ctx, team)
	if err != nil {
		return err
	}
	defer h.release()
	if err := s.runTx(ctx, h.w, team, fn); err != nil {
		return err
	}
	h.wrote()
	return nil
}

// readTeam runs fn with read access to team's data.
func (s *Store) readTeam(ctx context.Context, team, op string, fn func(queryer) error) (err error) {
	start := time.Now()
	defer func() { s.observe(op, time.Since(start), err); s.stats.note(team, err) }()
	if s.engine == Postgres {
		t, err := s.platform.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return fmt.Errorf("sqlstore: begin: %w", errors.Join(errkind.Unavailable, err))
		}
		defer t.Rollback()
		if err := fence(ctx, t, team); err != nil {
			return err
		}
		if err := fn(t); err != nil {
			return err
		}
		return t.Commit()
	}
	h, err := s.teams.acquire(ctx, team)
	if err != nil {
		return err
	}
	defer h.release()
	return fn(h.r)
}

// fence switches a PostgreSQL transaction to the team role and team id.
func fence(ctx context.Context, t *sql.Tx, team string) error {
	if team == "" {
		return errors.New("sqlstore: team transaction without a team")
	}
	if _, err := t.ExecContext(ctx, `SELECT set_config('role', 'pama_team', true), set_config('pama.team_id', $1, true)`, team); err != nil {
		return fmt.Errorf("sqlstore: fence to team: %w", err)
	}
	return nil
}

func (s *Store) runTx(ctx context.Context, db *sql.DB, team string, fn func(*tx) error) error {
	sqlTx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: begin: %w", errors.Join(errkind.Unavailable, err))
	}
	t := &tx{Tx: sqlTx, ctx: ctx, team: team, now: s.now().UTC().Truncate(time.Millisecond)}
	if s.engine == Postgres && team != "" {
		if err := fence(ctx, sqlTx, team); err != nil {
			sqlTx.Rollback()
			return err
		}
	}
	if err := fn(t); err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: commit: %w", err)
	}
	if db == s.platform && s.ckpt != nil {
		s.ckpt.wrote()
	}
	if len(t.entries) > 0 && s.onCommit != nil {
		s.onCommit(team, t.entries)
	}
	return nil
}

// ms converts a time to the stored form: Unix milliseconds.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS converts stored Unix milliseconds back to a UTC time; 0 is the zero time.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// nullMS converts an optional stored time.
func nullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

// optMS stores an optional time: NULL for the zero time.
func optMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// isUniqueViolation reports whether err is a unique-constraint (or primary
// key) violation on either engine.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		c := sqErr.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}
