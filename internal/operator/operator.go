// Package operator is the hosting side of team spaces: what the operator
// console, `pama admin spaces|jobs` and the admin API do. It knows
//
//   - the space overview: state, usage, health and last activity of every
//     space, from summary counters kept in the platform database, so the list
//     stays fast with many thousands of spaces;
//   - the lifecycle rules: which state changes are allowed (Plan), and what
//     suspend, resume, archive, restore, delete and purge do;
//   - quotas per space (members, items, storage bytes) and their checks;
//   - deep health checks with history and an alert state;
//   - mass operations as persistent background jobs that resume after a
//     restart;
//   - export and import of a whole space as one archive.
//
// Every operator action is recorded in the platform activity as an audit
// entry (action "operator.<verb>"). The package declares the Store it needs;
// sqlstore.Store implements it.
package operator

import (
	"fmt"
	"time"

	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/team"
)

// SuspendMode says how a suspended space behaves for its members.
type SuspendMode string

// The suspend modes.
const (
	// ReadOnly spaces can be read by their members but not changed.
	ReadOnly SuspendMode = "read_only"
	// Closed spaces cannot be reached by their members at all.
	Closed SuspendMode = "closed"
)

// Health is the health state of a space.
type Health string

// The health states. A space is alert after AlertAfter failed checks in a row.
const (
	HealthUnknown Health = "unknown"
	HealthOK      Health = "ok"
	HealthFailing Health = "failing"
	HealthAlert   Health = "alert"
)

// Space is one team space as the operator console shows it.
type Space struct {
	ID        string     `json:"id" example:"01920000-0000-7000-8000-000000000001"`
	Slug      string     `json:"slug" example:"blue-whales"`
	Name      string     `json:"name" example:"Blue Whales"`
	State     team.State `json:"state" enum:"creating,active,suspended,archived,deleted"`
	Closed    bool       `json:"closed" doc:"Suspended and closed to members (not even read-only)"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	// PurgeAt is when a deleted space is erased for good.
	PurgeAt *time.Time `json:"purge_at,omitempty" doc:"Deleted spaces: when they are erased for good; restore before then"`
	// Archive says how an archived space is stored: "gzip" (SQLite file compressed) or "state" (PostgreSQL).
	Archive string     `json:"archive,omitempty" enum:"gzip,state" doc:"Archived spaces: gzip (its SQLite file is compressed) or state (PostgreSQL: a state change only)"`
	Usage   SpaceUsage `json:"usage"`
	Quota   SpaceQuota `json:"quota" doc:"The space's limits: its overrides, else the configured defaults"`
	// HealthState is the last deep check's outcome.
	Health       Health     `json:"health" enum:"unknown,ok,failing,alert"`
	HealthAt     *time.Time `json:"health_at,omitempty" doc:"When the last deep check ran"`
	HealthDetail string     `json:"health_detail,omitempty" doc:"What the last failing check found"`
	HealthFails  int        `json:"health_fails" doc:"Failed checks in a row"`
	// Connections is the number of open real-time connections; -1 while the
	// real-time layer does not report it.
	Connections int `json:"connections" doc:"Open real-time connections to the space; -1 when the real-time layer does not report counts"`
}

// SpaceUsage is what a space holds, as last counted.
type SpaceUsage struct {
	Members        int64      `json:"members"`
	Items          int64      `json:"items"`
	StorageBytes   int64      `json:"storage_bytes" doc:"Bytes of files (attachments) under the space"`
	DatabaseBytes  int64      `json:"database_bytes" doc:"Size of the space's SQLite file (0 on PostgreSQL)"`
	LastActivityAt *time.Time `json:"last_activity_at,omitempty" doc:"Time of the newest activity record"`
	// CountedAt says how fresh the counters are.
	CountedAt *time.Time `json:"counted_at,omitempty" doc:"When these counters were taken (by the health checker, a lifecycle action or a show)"`
}

// SpaceQuota is a space's limits. Zero means no limit.
type SpaceQuota struct {
	Members      int64 `json:"members" doc:"Most members (0: no limit)"`
	Items        int64 `json:"items" doc:"Most backlog items (0: no limit)"`
	StorageBytes int64 `json:"storage_bytes" doc:"Most bytes of files (0: no limit)"`
}

// QuotaOverride is what an operator sets for one space: nil keeps the
// configured default.
type QuotaOverride struct {
	Members      *int64 `json:"members,omitempty"`
	Items        *int64 `json:"items,omitempty"`
	StorageBytes *int64 `json:"storage_bytes,omitempty"`
}

// SpaceFilter selects spaces for the list and for jobs. Empty fields match all.
type SpaceFilter struct {
	// Search matches name or slug, case-insensitively, as a substring.
	Search string `json:"search,omitempty"`
	// States keeps spaces in these states. Empty: every state but deleted.
	States []team.State `json:"states,omitempty"`
	// Health keeps spaces in these health states.
	Health []Health `json:"health,omitempty"`
	// IDs keeps only these spaces.
	IDs []string `json:"ids,omitempty"`
}

// Limits of the operator API.
const (
	MaxSearchLen = 100
	MaxFilterIDs = 10000
	MaxSpaces    = 100000 // spaces one job may cover
)

// Check validates f.
func (f SpaceFilter) Check() error {
	var errs errkind.FieldErrors
	if len(f.Search) > MaxSearchLen {
		errs = append(errs, errkind.Field("search", fmt.Sprintf("must be at most %d characters", MaxSearchLen)))
	}
	for _, s := range f.States {
		switch s {
		case team.StateCreating, team.StateActive, team.StateSuspended, team.StateArchived, team.StateDeleted:
		default:
			errs = append(errs, &errkind.FieldError{Field: "states", Message: "is not a state", Value: string(s)})
		}
	}
	for _, h := range f.Health {
		switch h {
		case HealthUnknown, HealthOK, HealthFailing, HealthAlert:
		default:
			errs = append(errs, &errkind.FieldError{Field: "health", Message: "is not a health state", Value: string(h)})
		}
	}
	if len(f.IDs) > MaxFilterIDs {
		errs = append(errs, errkind.Field("ids", fmt.Sprintf("must list at most %d spaces", MaxFilterIDs)))
	}
	return errs.Err()
}

// Summary is the install at a glance, for the console's front page.
type Summary struct {
	// Spaces counts spaces per state.
	Spaces map[string]int `json:"spaces" doc:"Spaces per state (creating, active, suspended, archived, deleted)"`
	// Health counts active and suspended spaces per health state.
	Health map[string]int `json:"health" doc:"Active and suspended spaces per health state (unknown, ok, failing, alert)"`
	// Jobs counts jobs per state.
	Jobs map[string]int `json:"jobs" doc:"Jobs per state (queued, running, paused, cancelled, done, failed)"`
	// OpenFiles is the number of team files this node has open (SQLite).
	OpenFiles int `json:"open_files" doc:"Team-space SQLite files open on the node that answered (0 on PostgreSQL)"`
	// Engine is "sqlite" or "postgres".
	Engine string `json:"engine" enum:"sqlite,postgres"`
	// TeamSchemaVersion is the latest team schema this node knows.
	TeamSchemaVersion int64 `json:"team_schema_version"`
}

// Sort orders the space list.
type Sort string

// The sort orders.
const (
	SortName         Sort = "name"
	SortCreated      Sort = "created"
	SortLastActivity Sort = "last_activity"
	SortItems        Sort = "items"
	SortStorage      Sort = "storage"
)

// ListQuery asks for one page of the space list.
type ListQuery struct {
	Filter     SpaceFilter
	Sort       Sort
	Descending bool
	Cursor     string
	Limit      int
}

// Action is an operator lifecycle action.
type Action string

// The lifecycle actions.
const (
	ActSuspend Action = "suspend"
	ActResume  Action = "resume"
	ActArchive Action = "archive"
	ActRestore Action = "restore"
	ActDelete  Action = "delete"
	ActPurge   Action = "purge"
)

// ErrTransition refuses a lifecycle action the space's state does not allow.
type ErrTransition struct {
	Action Action
	From   team.State
}

func (e *ErrTransition) Error() string {
	return fmt.Sprintf("operator: a space that is %s cannot be %s", e.From, pastTense[e.Action])
}

// Is reports that a refused transition is a kind of Conflict.
func (e *ErrTransition) Is(target error) bool { return target == errkind.Conflict }

var pastTense = map[Action]string{
	ActSuspend: "suspended", ActResume: "resumed", ActArchive: "archived",
	ActRestore: "restored", ActDelete: "deleted", ActPurge: "erased",
}

// Change is a planned state change of one space.
type Change struct {
	Action Action
	From   team.State
	To     team.State
	Closed bool
	// PriorState is kept while deleted, for restore.
	PriorState team.State
	// PurgeAfter is set when deleting.
	PurgeAfter time.Time
}

// Plan decides what action does to a space in state from (closed when it is
// suspended and closed; prior is the state a deleted space had). It is the
// one place the lifecycle rules live:
//
//	suspend  active, suspended          -> suspended (read-only or closed)
//	resume   suspended                  -> active
//	archive  active, suspended          -> archived (closed; SQLite file compressed)
//	restore  archived                   -> active
//	         deleted, within grace      -> the state it had before deletion
//	delete   active, suspended, archived -> deleted, erased after the grace period
//	purge    deleted, grace over        -> gone
func Plan(action Action, from team.State, prior team.State, mode SuspendMode, purgeAfter, now time.Time, grace time.Duration) (Change, error) {
	c := Change{Action: action, From: from}
	refuse := func() (Change, error) { return Change{}, &ErrTransition{Action: action, From: from} }
	switch action {
	case ActSuspend:
		if from != team.StateActive && from != team.StateSuspended {
			return refuse()
		}
		switch mode {
		case ReadOnly, "":
		case Closed:
			c.Closed = true
		default:
			return Change{}, &errkind.FieldError{Field: "mode", Message: "must be read_only or closed", Value: string(mode)}
		}
		c.To = team.StateSuspended
	case ActResume:
		if from != team.StateSuspended {
			return refuse()
		}
		c.To = team.StateActive
	case ActArchive:
		if from != team.StateActive && from != team.StateSuspended {
			return refuse()
		}
		c.To = team.StateArchived
	case ActRestore:
		switch from {
		case team.StateArchived:
			c.To = team.StateActive
		case team.StateDeleted:
			if !purgeAfter.IsZero() && !now.Before(purgeAfter) {
				return Change{}, errkind.New(errkind.Conflict, "operator: the grace period of this deleted space is over; it can no longer be restored")
			}
			c.To = prior
			if c.To == "" || c.To == team.StateDeleted || c.To == team.StateCreating {
				c.To = team.StateActive
			}
			if c.To == team.StateSuspended {
				c.To = team.StateActive // a restored space is reachable; suspend it again if needed
			}
		default:
			return refuse()
		}
	case ActDelete:
		if from != team.StateActive && from != team.StateSuspended && from != team.StateArchived {
			return refuse()
		}
		c.To, c.PriorState, c.PurgeAfter = team.StateDeleted, from, now.Add(grace)
	case ActPurge:
		if from != team.StateDeleted {
			return refuse()
		}
		if now.Before(purgeAfter) {
			return Change{}, errkind.New(errkind.Conflict, fmt.Sprintf("operator: this space is in its grace period until %s; it is erased after that", purgeAfter.UTC().Format(time.RFC3339)))
		}
		c.To = team.StateDeleted
	default:
		return Change{}, &errkind.FieldError{Field: "action", Message: "is not a lifecycle action", Value: string(action)}
	}
	return c, nil
}

// Errors.
var (
	ErrNotFound         = fmt.Errorf("operator: team space %w", errkind.NotFound)
	ErrJobNotFound      = fmt.Errorf("operator: job %w", errkind.NotFound)
	ErrJobState         = errkind.New(errkind.Conflict, "operator: the job is not in a state that allows this")
	ErrBusy             = errkind.New(errkind.Unavailable, "operator: the space is busy with another lifecycle action; try again")
	ErrArchiveCorrupt   = errkind.New(errkind.Invalid, "operator: the archive is damaged or not a Pama space export")
	ErrArchiveVersion   = errkind.New(errkind.Invalid, "operator: the archive was made by a newer Pama; upgrade first")
	ErrNotExportable    = errkind.New(errkind.Conflict, "operator: an archived SQLite space must be restored before it is exported")
	ErrRowsExist        = errkind.New(errkind.Conflict, "operator: the space this archive came from is still in this install (rows keep their ids); erase it first, or import into another install")
	ErrUnknownColumn    = errkind.New(errkind.Invalid, "operator: the archive has a column this install does not know")
	ErrSchemaMismatched = errkind.New(errkind.Invalid, "operator: the archive's tables do not match this install's schema")
)
