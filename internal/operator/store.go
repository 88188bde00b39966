package operator

import (
	"context"
	"io"
	"time"

	"github.com/pamateam/pama/internal/team"
)

// Store is the persistence the operator side needs; sqlstore.Store
// implements it. Space methods take the team id; registry changes and their
// audit entries are written in one transaction.
type Store interface {
	// Spaces lists one page of spaces matching q, with quotas filled from
	// defaults where the space has no override.
	Spaces(ctx context.Context, q ListQuery, defaults SpaceQuota) ([]Space, string, error)
	// Space returns the space whose id or slug is ref, in any state, or ErrNotFound.
	Space(ctx context.Context, ref string, defaults SpaceQuota) (Space, error)
	// Summary counts spaces per state and health and jobs per state, and
	// reports the team files open on this node.
	Summary(ctx context.Context) (Summary, error)
	// SpaceIDs returns the ids of every space matching f (at most MaxSpaces).
	SpaceIDs(ctx context.Context, f SpaceFilter) ([]string, error)

	// ApplyChange moves space id from c.From to c.To (refusing with
	// ErrBusy when it is no longer in c.From) and writes the audit entry a,
	// in one transaction. archive is stored with an archived space.
	ApplyChange(ctx context.Context, id string, c Change, archive string, a AuditEntry) error
	// SealSpace keeps everyone out of space id's storage until the returned
	// function is called (SQLite: the file is closed and cannot be opened).
	SealSpace(ctx context.Context, id string) (unseal func(), err error)
	// CompressSpace compresses a sealed space's storage and returns how it
	// is kept ("gzip" for a SQLite file, "state" on PostgreSQL).
	CompressSpace(ctx context.Context, id string) (string, error)
	// DecompressSpace undoes CompressSpace.
	DecompressSpace(ctx context.Context, id string) error
	// EraseSpace erases every trace of space id from the databases: its
	// SQLite file (and WAL) or its rows, the registry and index rows. Files
	// (blobs) are the caller's.
	EraseSpace(ctx context.Context, id string) error
	// DueForPurge returns deleted spaces whose grace period ended before now.
	DueForPurge(ctx context.Context, now time.Time, limit int) ([]string, error)

	// QuotaOverride returns the space's overrides (nil fields: defaults).
	QuotaOverride(ctx context.Context, id string) (QuotaOverride, error)
	// SetQuotaOverride replaces the space's overrides and writes a.
	SetQuotaOverride(ctx context.Context, id string, q QuotaOverride, a AuditEntry) error
	// CountMembers and CountItems count live, from the space's own data.
	CountMembers(ctx context.Context, team string) (int64, error)
	CountItems(ctx context.Context, team string) (int64, error)
	// MemberIDs returns the account ids of every member of a space.
	MemberIDs(ctx context.Context, team string) ([]string, error)

	// MeasureSpace counts the space's members, items and bytes of files,
	// the size of its database and its newest activity, and runs a quick integrity check of
	// its database (SQLite: PRAGMA quick_check). A failed check is reported
	// in Measure.DBError, not as err.
	MeasureSpace(ctx context.Context, team string) (Measure, error)
	// SaveUsage stores the counters of a space.
	SaveUsage(ctx context.Context, team string, u SpaceUsage) error
	// TeamErrors reports the store operations on team's data in the last
	// window and how many of them failed unexpectedly (not a domain error
	// such as not-found or a conflict).
	TeamErrors(team string, window time.Duration) (ops, errs int)
	// RecordHealth stores one check and updates the space's health state:
	// failing after a failed check, alert after alertAfter in a row, ok
	// after a good one. It returns the new state.
	RecordHealth(ctx context.Context, c HealthCheck, alertAfter int) (Health, error)
	// HealthHistory lists the space's checks, newest first, with seq below
	// before (0: from the newest).
	HealthHistory(ctx context.Context, team string, before int64, limit int) ([]HealthCheck, error)
	// DueForHealth returns reachable spaces whose last check is older than
	// before, oldest first.
	DueForHealth(ctx context.Context, before time.Time, limit int) ([]string, error)

	// Engine names the database engine ("sqlite" or "postgres").
	EngineName() string
	// TeamSchemaVersion is the latest team schema version this binary has.
	TeamSchemaVersion() int64
	// DumpSpace writes every row of space id's tables to w, table by table,
	// from one consistent snapshot. Tables come from the schema; derived
	// tables (search indexes) are left out.
	DumpSpace(ctx context.Context, id string, w DumpWriter) error
	// LoadSpace makes a new space reg (state active) from src, all or
	// nothing. Every table and column of src must exist here with the same
	// kind; derived tables are rebuilt. ErrSlugTaken when reg.Slug is taken.
	LoadSpace(ctx context.Context, reg team.Team, src DumpSource, a AuditEntry) error
	// AccountRefs returns the id, email and name of the accounts ids.
	AccountRefs(ctx context.Context, ids []string) ([]AccountRef, error)
	// EnsureAccounts creates the accounts of refs that do not exist here;
	// an account whose email belongs to another account is not created and
	// its id is returned in conflicts.
	EnsureAccounts(ctx context.Context, refs []AccountRef) (created int, conflicts []string, err error)
	// MigrateSpace brings space id's storage to the latest schema (SQLite:
	// its file; PostgreSQL: nothing to do, the shared schema is migrated at
	// start) and returns the versions before and after.
	MigrateSpace(ctx context.Context, id string) (from, to int64, err error)

	// CreateJob stores a queued job over teams and writes a.
	CreateJob(ctx context.Context, j Job, teams []string, a AuditEntry) (Job, error)
	Job(ctx context.Context, id string) (Job, error)
	// Jobs lists jobs, newest first.
	Jobs(ctx context.Context, cursor string, limit int) ([]Job, string, error)
	// JobItems lists a job's items after position, in order.
	JobItems(ctx context.Context, id string, after, limit int) ([]JobItem, error)
	// SetJobState moves job id from one of from to to and writes a;
	// ErrJobState when it is in none of them.
	SetJobState(ctx context.Context, id string, from []JobState, to JobState, a AuditEntry) (Job, error)
	// ClaimJob takes the lease of the oldest runnable job (queued or
	// running) whose lease has expired, for owner until until; ok is false
	// when there is none. Only one node holds a job's lease at a time.
	ClaimJob(ctx context.Context, owner string, now, until time.Time) (j Job, ok bool, err error)
	// NextJobItem returns the job's first pending item; ok is false when none is left.
	NextJobItem(ctx context.Context, id string) (it JobItem, ok bool, err error)
	// FinishJobItem checkpoints one item (done or failed, with its result),
	// counts it in the job and extends owner's lease to until, in one
	// transaction. ErrLeaseLost when owner no longer holds the lease.
	FinishJobItem(ctx context.Context, id string, position int, failed bool, result, owner string, until time.Time) (Job, error)
	// RenewJobLease extends owner's lease on a job to until.
	RenewJobLease(ctx context.Context, id, owner string, until time.Time) error
	// FinishJob marks a job done (or failed, with msg) if owner holds it.
	FinishJob(ctx context.Context, id, owner string, failed bool, msg string) error
	// ReleaseJob gives up owner's lease so another runner may take the job at once.
	ReleaseJob(ctx context.Context, id, owner string) error

	// Audit writes one audit entry on its own.
	Audit(ctx context.Context, a AuditEntry) error
	// AuditLog lists audit entries, newest first.
	AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, string, error)
}

// Measure is what MeasureSpace found.
type Measure struct {
	Members        int64
	Items          int64
	DatabaseBytes  int64
	FileBytes      int64 // bytes of attachments, as the space's own data counts them
	LastActivityAt time.Time
	DBError        string // "" when the database opened and passed its check
	DBTime         time.Duration
}

// Blobs is the file store, as the operator side needs it; keys of a space
// start with "teams/<id>/".
type Blobs interface {
	// Walk calls fn for every object under prefix.
	Walk(ctx context.Context, prefix string, fn func(key string, size int64) error) error
	// Get opens an object and says its content type.
	Get(ctx context.Context, key string) (io.ReadCloser, string, error)
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	DeletePrefix(ctx context.Context, prefix string) error
}

// Mailer sends one plain-text message.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// Accounts looks up the addresses of accounts.
type Accounts interface {
	Emails(ctx context.Context, ids []string) (map[string]string, error)
}

// RoundTrip publishes on a space's health channel and waits for the message
// to come back through the real-time layer.
type RoundTrip func(ctx context.Context, team string) error

// Connections reports open real-time connections per space; -1 when unknown.
type Connections func(team string) int

// Column is one column of a table in a dump.
type Column struct {
	Name string `json:"name"`
	// Kind is the engine-neutral type: text, int, real or bool.
	Kind string `json:"kind"`
	// Serial columns (activity.seq) are numbered again on load, in order.
	Serial bool `json:"serial,omitempty"`
	// Local columns (items.doc, the search row) are engine-local: dumped as
	// they are, given new values on load.
	Local bool `json:"local,omitempty"`
}

// Table is one table of a dump.
type Table struct {
	Name    string   `json:"name"`
	Columns []Column `json:"columns"`
}

// DumpWriter receives a space's rows, table by table.
type DumpWriter interface {
	Table(t Table) error
	// Row receives one row, values in column order: string, int64,
	// float64, bool or nil.
	Row(values []any) error
}

// DumpSource gives a loader the tables and rows of a dump.
type DumpSource interface {
	Tables() []Table
	// Rows calls fn for every row of table, in dump order.
	Rows(table string, fn func(values []any) error) error
}

// AuditEntry is one operator action.
type AuditEntry struct {
	Seq     int64          `json:"seq"`
	At      time.Time      `json:"at"`
	ActorID string         `json:"actor_id" doc:"Account that acted; \"cli\" for the command line, \"job:<id>\" for a job, \"system\" for the janitor"`
	Action  string         `json:"action" example:"operator.suspend"`
	Target  string         `json:"target" doc:"Kind of target: space, job or quota" example:"space"`
	ID      string         `json:"target_id"`
	Details map[string]any `json:"details,omitempty"`
}

// AuditQuery asks for one page of the audit log.
type AuditQuery struct {
	Actor  string
	Action string // exact, or a prefix ending in "*"
	Target string // target id
	Cursor string
	Limit  int
}
