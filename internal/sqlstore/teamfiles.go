package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pamateam/pama/internal/errkind"
)

// ErrNoTeamFile reports a team id whose file does not exist.
var ErrNoTeamFile = fmt.Errorf("sqlstore: team space %w", errkind.NotFound)

// teamFiles keeps the open SQLite files of team spaces. A file opens on first
// use (and is migrated then), stays open while used, and closes after idle.
type teamFiles struct {
	dir         string
	idle        time.Duration
	log         *slog.Logger
	report      func(n int)
	skipMigrate bool
	onOpen      func(ctx context.Context, team string, r queryer) // called once per open, after migration

	mu     sync.Mutex
	open   map[string]*teamFile
	sealed map[string]bool // files kept shut while an operator moves them
	stop   chan struct{}
	closed bool
	wg     sync.WaitGroup

	templateOnce sync.Once
	template     []byte
	templateErr  error
}

type teamFile struct {
	ready    chan struct{} // closed when w, r and err are set
	w, r     *sql.DB
	err      error
	refs     int
	lastUsed time.Time
	ckpt     *checkpointer
}

// teamHandle is one use of an open team file; release it when done, and
// call wrote after each committed write.
type teamHandle struct {
	w, r    *sql.DB
	release func()
	wrote   func()
}

func newTeamFiles(dir string, idle time.Duration, log *slog.Logger, report func(int), skipMigrate bool) *teamFiles {
	f := &teamFiles{dir: dir, idle: idle, log: log, report: report, skipMigrate: skipMigrate,
		open: map[string]*teamFile{}, sealed: map[string]bool{}, stop: make(chan struct{})}
	if f.report == nil {
		f.report = func(int) {}
	}
	f.wg.Add(1)
	go f.janitor()
	return f
}

func (f *teamFiles) path(team string) string { return filepath.Join(f.dir, team+".db") }

// acquire opens team's file if needed and returns a handle to it.
func (f *teamFiles) acquire(ctx context.Context, team string) (teamHandle, error) {
	if !validTeamFileName(team) {
		return teamHandle{}, ErrNoTeamFile
	}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return teamHandle{}, fmt.Errorf("sqlstore: store closed: %w", errkind.Unavailable)
	}
	for waited := time.Duration(0); f.sealed[team]; waited += 5 * time.Millisecond {
		// An operator is moving or migrating the file: wait a little for it.
		f.mu.Unlock()
		if waited >= sealWait {
			return teamHandle{}, ErrSealed
		}
		select {
		case <-ctx.Done():
			return teamHandle{}, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			return teamHandle{}, fmt.Errorf("sqlstore: store closed: %w", errkind.Unavailable)
		}
	}
	tf, ok := f.open[team]
	if !ok {
		tf = &teamFile{ready: make(chan struct{})}
		f.open[team] = tf
		n := len(f.open)
		f.mu.Unlock()
		f.report(n)
		tf.w, tf.r, tf.err = f.openFile(ctx, team)
		if tf.err == nil {
			tf.ckpt = startCheckpointer(f.path(team), f.log)
		}
		f.mu.Lock()
		if tf.err != nil {
			delete(f.open, team)
			n = len(f.open)
			defer f.report(n)
		}
		close(tf.ready)
	}
	tf.refs++
	f.mu.Unlock()

	select {
	case <-tf.ready:
	case <-ctx.Done():
		f.releaseFile(tf)
		return teamHandle{}, ctx.Err()
	}
	if tf.err != nil {
		f.releaseFile(tf)
		return teamHandle{}, tf.err
	}
	return teamHandle{w: tf.w, r: tf.r, release: func() { f.releaseFile(tf) }, wrote: tf.ckpt.wrote}, nil
}

func (f *teamFiles) releaseFile(tf *teamFile) {
	f.mu.Lock()
	tf.refs--
	tf.lastUsed = time.Now()
	f.mu.Unlock()
}

func (f *teamFiles) openFile(ctx context.Context, team string) (w, r *sql.DB, err error) {
	path := f.path(team)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil, ErrNoTeamFile
	}
	w, r, err = openSQLiteFile(path, false)
	if err != nil {
		return nil, nil, err
	}
	if !f.skipMigrate {
		if err := migrateSQLite(ctx, w, teamMigrations, f.log); err != nil {
			w.Close()
			r.Close()
			return nil, nil, fmt.Errorf("sqlstore: migrate team %s: %w", team, err)
		}
	}
	// Background checkpoints keep the log short; SQLite's own stays as a backstop.
	if _, err := w.ExecContext(ctx, fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", backstopCheckpoint)); err != nil {
		w.Close()
		r.Close()
		return nil, nil, fmt.Errorf("sqlstore: open team %s: %w", team, err)
	}
	if f.onOpen != nil {
		f.onOpen(ctx, team, r)
	}
	return w, r, nil
}

// create makes team's file from the migrated template. It fails if the file exists.
func (f *teamFiles) create(team string) error {
	if !validTeamFileName(team) {
		return fmt.Errorf("sqlstore: bad team id %q", team)
	}
	f.templateOnce.Do(func() { f.template, f.templateErr = buildTeamTemplate(f.dir, f.log) })
	if f.templateErr != nil {
		return f.templateErr
	}
	path := f.path(team)
	tmp := path + ".new"
	if err := os.WriteFile(tmp, f.template, 0o640); err != nil {
		return fmt.Errorf("sqlstore: create team file: %w", err)
	}
	if _, err := os.Stat(path); err == nil {
		os.Remove(tmp)
		return fmt.Errorf("sqlstore: team file %s exists", path)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("sqlstore: create team file: %w", err)
	}
	return nil
}

// ErrSealed refuses the use of a team file while an operator archives,
// restores or erases it.
var ErrSealed = fmt.Errorf("sqlstore: the team space is being moved by an operator; try again shortly: %w", errkind.Unavailable)

// sealWait is how long a request waits for a sealed team file before it
// gives up with ErrSealed.
const sealWait = 2 * time.Second

// seal keeps team's file shut: it waits for its users to finish, closes it,
// and refuses to open it until unseal. Only one seal per team at a time.
func (f *teamFiles) seal(ctx context.Context, team string) error {
	if !validTeamFileName(team) {
		return ErrNoTeamFile
	}
	f.mu.Lock()
	if f.sealed[team] {
		f.mu.Unlock()
		return ErrSealed
	}
	f.sealed[team] = true
	f.mu.Unlock()
	if err := f.shut(ctx, team); err != nil {
		f.unseal(team)
		return err
	}
	return nil
}

func (f *teamFiles) unseal(team string) {
	f.mu.Lock()
	delete(f.sealed, team)
	f.mu.Unlock()
}

// remove closes team's file (waiting for users to finish) and deletes it and
// its WAL files.
func (f *teamFiles) remove(ctx context.Context, team string) error {
	if !validTeamFileName(team) {
		return ErrNoTeamFile
	}
	if err := f.shut(ctx, team); err != nil {
		return err
	}
	path := f.path(team)
	var errs []error
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// shut closes team's file once nobody uses it.
func (f *teamFiles) shut(ctx context.Context, team string) error {
	for {
		f.mu.Lock()
		tf, ok := f.open[team]
		if !ok {
			f.mu.Unlock()
			break
		}
		if tf.refs == 0 {
			delete(f.open, team)
			n := len(f.open)
			f.mu.Unlock()
			<-tf.ready
			closeFile(tf)
			f.report(n)
			break
		}
		f.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

func closeFile(tf *teamFile) {
	if tf.ckpt != nil {
		tf.ckpt.stop()
	}
	if tf.w != nil {
		tf.w.Close()
	}
	if tf.r != nil {
		tf.r.Close()
	}
}

// isOpen reports whether team's file is open now.
func (f *teamFiles) isOpen(team string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.open[team]
	return ok
}

// closeIfUnused closes team's file now if nobody is using it, instead of
// waiting for it to idle out: for visits such as health checks that
// should leave no file open behind them.
func (f *teamFiles) closeIfUnused(team string) {
	f.mu.Lock()
	tf, ok := f.open[team]
	if !ok || tf.refs > 0 {
		f.mu.Unlock()
		return
	}
	select {
	case <-tf.ready:
	default:
		f.mu.Unlock()
		return
	}
	delete(f.open, team)
	n := len(f.open)
	f.mu.Unlock()
	closeFile(tf)
	f.report(n)
}

func (f *teamFiles) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.open)
}

// janitor closes files that nobody has used for f.idle.
func (f *teamFiles) janitor() {
	defer f.wg.Done()
	tick := time.NewTicker(max(f.idle/4, 50*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-tick.C:
			f.closeIdle(time.Now().Add(-f.idle))
		}
	}
}

// closeIdle closes every unused file last used before cutoff.
func (f *teamFiles) closeIdle(cutoff time.Time) {
	var idle []*teamFile
	f.mu.Lock()
	for team, tf := range f.open {
		select {
		case <-tf.ready:
		default:
			continue
		}
		if tf.refs == 0 && tf.lastUsed.Before(cutoff) {
			idle = append(idle, tf)
			delete(f.open, team)
		}
	}
	n := len(f.open)
	f.mu.Unlock()
	for _, tf := range idle {
		closeFile(tf)
	}
	if len(idle) > 0 {
		f.report(n)
	}
}

func (f *teamFiles) close() {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	f.closed = true
	close(f.stop)
	all := f.open
	f.open = map[string]*teamFile{}
	f.mu.Unlock()
	f.wg.Wait()
	for _, tf := range all {
		<-tf.ready
		closeFile(tf)
	}
	f.report(0)
}

// validTeamFileName accepts the ids the store issues (UUIDs), so a team id can
// never name a path outside the teams directory.
func validTeamFileName(team string) bool {
	if len(team) != 36 {
		return false
	}
	for i, c := range team {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		default:
			return false
		}
	}
	return true
}

// buildTeamTemplate migrates an empty team file once and returns its bytes,
// so creating a team space is a file write rather than a schema build.
func buildTeamTemplate(dir string, log *slog.Logger) ([]byte, error) {
	tmp, err := os.MkdirTemp(dir, ".template-")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: team template: %w", err)
	}
	defer os.RemoveAll(tmp)
	path := filepath.Join(tmp, "team.db")
	w, r, err := openSQLiteFile(path, true)
	if err != nil {
		return nil, err
	}
	r.Close()
	if err := migrateSQLite(context.Background(), w, teamMigrations, log); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlstore: team template: %w", err)
	}
	if _, err := w.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlstore: team template checkpoint: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

// Checkpoints. In WAL mode SQLite copies the log back into the database file
// (a checkpoint, with an fsync) when the log passes a size; left to itself
// it does so inside whichever commit crosses the line, and that request then
// takes several times longer than the others. Team files instead checkpoint
// in the background, on a connection of their own, after every
// checkpointEvery commits; PASSIVE checkpoints never block the writer or the
// readers. The writer keeps SQLite's own checkpoint only as a backstop, at a
// size the background one keeps the log well below.
const (
	checkpointEvery    = 64
	backstopCheckpoint = 8000 // pages
)

type checkpointer struct {
	db     *sql.DB
	log    *slog.Logger
	kick   chan struct{}
	done   chan struct{}
	writes atomic.Int64

	mu      sync.Mutex // kick is closed under it
	stopped bool
}

func startCheckpointer(path string, log *slog.Logger) *checkpointer {
	db := openSQLite("file:" + path + "?mode=rw&_pragma=busy_timeout(10000)&_time_format=sqlite")
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	c := &checkpointer{db: db, log: log, kick: make(chan struct{}, 1), done: make(chan struct{})}
	go c.loop()
	return c
}

// wrote counts one committed write and wakes the checkpointer now and then.
// A write that commits while the store closes is fine: after stop it only
// counts.
func (c *checkpointer) wrote() {
	if c.writes.Add(1)%checkpointEvery == 0 {
		c.mu.Lock()
		if !c.stopped {
			select {
			case c.kick <- struct{}{}:
			default:
			}
		}
		c.mu.Unlock()
	}
}

func (c *checkpointer) loop() {
	defer close(c.done)
	for range c.kick {
		if _, err := c.db.Exec("PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
			c.log.Warn("background checkpoint failed", "err", err)
		}
	}
}

func (c *checkpointer) stop() {
	c.mu.Lock()
	c.stopped = true
	close(c.kick)
	c.mu.Unlock()
	<-c.done
	c.db.Close()
}
