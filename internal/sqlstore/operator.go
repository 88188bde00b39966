package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/operator"
	"github.com/pamateam/pama/internal/team"
)

// The operator console's data
//
// The registry (teams) holds what routing needs; team_ops holds the rest of
// what the console shows per space: quota overrides, usage counters, health
// and the deletion schedule. Counters are taken by the health checker, by
// lifecycle actions and when a space is shown, never by the list, so the
// list reads one table pair however many spaces there are; usage_at says
// how fresh they are. team_health keeps the history of deep checks.

// teamStats counts store operations and unexpected errors per team in
// one-minute buckets, for the error rate of health checks.
type teamStats struct {
	mu    sync.Mutex
	teams map[string]*statRing
	now   func() time.Time
}

const statBuckets = 60 // minutes of history

type statRing struct {
	minute [statBuckets]int64
	ops    [statBuckets]int32
	errs   [statBuckets]int32
}

func newTeamStats() *teamStats { return &teamStats{teams: map[string]*statRing{}, now: time.Now} }

// unexpected reports whether err is a failure of the store rather than an
// answer about the data (not found, conflict, bad input, ...).
func unexpected(err error) bool {
	if err == nil {
		return false
	}
	for _, k := range []error{errkind.NotFound, errkind.Invalid, errkind.Conflict, errkind.Forbidden,
		errkind.Quota, errkind.Limited, errkind.Unauthenticated, context.Canceled, ErrSealed} {
		if errors.Is(err, k) {
			return false
		}
	}
	return true
}

func (st *teamStats) note(team string, err error) {
	if team == "" {
		return
	}
	m := st.now().Unix() / 60
	i := m % statBuckets
	st.mu.Lock()
	r := st.teams[team]
	if r == nil {
		r = &statRing{}
		st.teams[team] = r
	}
	if r.minute[i] != m {
		r.minute[i], r.ops[i], r.errs[i] = m, 0, 0
	}
	r.ops[i]++
	if unexpected(err) {
		r.errs[i]++
	}
	st.mu.Unlock()
}

func (st *teamStats) window(team string, d time.Duration) (ops, errs int) {
	m := st.now().Unix() / 60
	from := m - int64(min(max(d/time.Minute, 1), statBuckets)) + 1
	st.mu.Lock()
	defer st.mu.Unlock()
	r := st.teams[team]
	if r == nil {
		return 0, 0
	}
	for i := range statBuckets {
		if r.minute[i] >= from && r.minute[i] <= m {
			ops += int(r.ops[i])
			errs += int(r.errs[i])
		}
	}
	return ops, errs
}

// TeamErrors reports the store operations on team's data in the last
// window (whole minutes, at most an hour) and how many failed unexpectedly.
func (s *Store) TeamErrors(team string, window time.Duration) (ops, errs int) {
	return s.stats.window(team, window)
}

// EngineName names the store's engine.
func (s *Store) EngineName() string { return string(s.engine) }

// TeamSchemaVersion is the latest team schema version of this binary.
func (s *Store) TeamSchemaVersion() int64 { return teamMigrations.latest(string(s.engine)) }

const spaceColumns = `t.id, t.slug, t.name, t.state, t.closed, t.created_by, t.created_at, t.updated_at,
	COALESCE(o.purge_after, 0), COALESCE(o.archive, ''), o.quota_members, o.quota_items, o.quota_storage,
	COALESCE(o.members, 0), COALESCE(o.items, 0), COALESCE(o.db_bytes, 0), COALESCE(o.file_bytes, 0),
	COALESCE(o.last_activity_at, 0), COALESCE(o.usage_at, 0), COALESCE(o.health, 'unknown'),
	COALESCE(o.health_fails, 0), COALESCE(o.health_at, 0), COALESCE(o.health_detail, '')`

func scanSpace(row interface{ Scan(...any) error }, d operator.SpaceQuota) (operator.Space, error) {
	var sp operator.Space
	var state, health string
	var created, updated, purge, lastAct, usageAt, healthAt int64
	var qm, qi, qs sql.NullInt64
	err := row.Scan(&sp.ID, &sp.Slug, &sp.Name, &state, &sp.Closed, &sp.CreatedBy, &created, &updated,
		&purge, &sp.Archive, &qm, &qi, &qs,
		&sp.Usage.Members, &sp.Usage.Items, &sp.Usage.DatabaseBytes, &sp.Usage.StorageBytes,
		&lastAct, &usageAt, &health, &sp.HealthFails, &healthAt, &sp.HealthDetail)
	if err != nil {
		return sp, err
	}
	sp.State, sp.Health = team.State(state), operator.Health(health)
	sp.CreatedAt, sp.UpdatedAt = fromMS(created), fromMS(updated)
	sp.PurgeAt, sp.HealthAt = optTime(purge), optTime(healthAt)
	sp.Usage.LastActivityAt, sp.Usage.CountedAt = optTime(lastAct), optTime(usageAt)
	if sp.State != team.StateDeleted {
		sp.PurgeAt = nil
	}
	o := operator.QuotaOverride{}
	if qm.Valid {
		o.Members = &qm.Int64
	}
	if qi.Valid {
		o.Items = &qi.Int64
	}
	if qs.Valid {
		o.StorageBytes = &qs.Int64
	}
	sp.Quota = o.Apply(d)
	return sp, nil
}

func optTime(v int64) *time.Time {
	if v == 0 {
		return nil
	}
	t := fromMS(v)
	return &t
}

// spaceWhere builds the WHERE clause of a filter, with arguments from $1.
func spaceWhere(f operator.SpaceFilter) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if len(f.States) == 0 {
		conds = append(conds, "t.state <> 'deleted'")
	} else {
		ph := make([]string, len(f.States))
		for i, st := range f.States {
			ph[i] = arg(string(st))
		}
		conds = append(conds, "t.state IN ("+strings.Join(ph, ", ")+")")
	}
	if q := strings.ToLower(strings.TrimSpace(f.Search)); q != "" {
		r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
		p := arg("%" + r.Replace(q) + "%")
		conds = append(conds, "(lower(t.name) LIKE "+p+" ESCAPE '\\' OR t.slug LIKE "+p+" ESCAPE '\\')")
	}
	if len(f.Health) > 0 {
		ph := make([]string, len(f.Health))
		for i, h := range f.Health {
			ph[i] = arg(string(h))
		}
		conds = append(conds, "o.health IN ("+strings.Join(ph, ", ")+")")
	}
	if len(f.IDs) > 0 {
		ph := make([]string, len(f.IDs))
		for i, id := range f.IDs {
			ph[i] = arg(id)
		}
		conds = append(conds, "t.id IN ("+strings.Join(ph, ", ")+")")
	}
	return strings.Join(conds, " AND "), args
}

// sortKey is the SQL expression of a sort order and whether it is numeric.
func sortKey(s operator.Sort) (string, bool) {
	switch s {
	case operator.SortCreated:
		return "t.created_at", true
	case operator.SortLastActivity:
		return "o.last_activity_at", true
	case operator.SortItems:
		return "o.items", true
	case operator.SortStorage:
		return "(o.file_bytes + o.db_bytes)", true
	}
	return "lower(t.name)", false
}

// Spaces lists one page of spaces. The cursor holds the last row's sort key
// and id.
func (s *Store) Spaces(ctx context.Context, q operator.ListQuery, d operator.SpaceQuota) ([]operator.Space, string, error) {
	after, err := decodeCursor(q.Cursor, 2)
	if err != nil {
		return nil, "", err
	}
	where, args := spaceWhere(q.Filter)
	key, numeric := sortKey(q.Sort)
	// Every space has its team_ops row (made with the registry entry), so
	// an inner join lets the database walk a sort index and stop early.
	idCol := "t.id"
	if strings.HasPrefix(key, "o.") || strings.HasPrefix(key, "(o.") {
		idCol = "o.team_id"
	}
	cmp, dir := ">", "ASC"
	if q.Descending {
		cmp, dir = "<", "DESC"
	}
	if after != nil {
		var k any = after[0]
		if numeric {
			n, err := strconv.ParseInt(after[0], 10, 64)
			if err != nil {
				return nil, "", errBadCursor
			}
			k = n
		}
		args = append(args, k, after[1])
		where += fmt.Sprintf(" AND (%s, %s) %s ($%d, $%d)", key, idCol, cmp, len(args)-1, len(args))
	}
	args = append(args, q.Limit+1)
	query := `SELECT ` + spaceColumns + `, ` + key + ` FROM teams t JOIN team_ops o ON o.team_id = t.id
		WHERE ` + where + ` ORDER BY ` + key + ` ` + dir + `, ` + idCol + ` ` + dir + ` LIMIT $` + strconv.Itoa(len(args))
	var out []operator.Space
	var keys []string
	err = s.readPlatform(ctx, "operator.spaces", func(qr queryer) error {
		rows, err := qr.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("sqlstore: list spaces: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k any
			sp, err := scanSpace(scanPlus{rows, &k}, d)
			if err != nil {
				return fmt.Errorf("sqlstore: list spaces: %w", err)
			}
			out = append(out, sp)
			keys = append(keys, fmt.Sprint(k))
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	var next string
	if len(out) > q.Limit {
		out = out[:q.Limit]
		next = encodeCursor(keys[q.Limit-1], out[q.Limit-1].ID)
	}
	return out, next, nil
}

// scanPlus scans a row with one extra column at the end.
type scanPlus struct {
	rows  *sql.Rows
	extra any
}

func (p scanPlus) Scan(dest ...any) error { return p.rows.Scan(append(dest, p.extra)...) }

// Space returns one space by id or slug.
func (s *Store) Space(ctx context.Context, ref string, d operator.SpaceQuota) (operator.Space, error) {
	col := "t.slug"
	if validTeamFileName(ref) {
		col = "t.id"
	}
	var sp operator.Space
	err := s.readPlatform(ctx, "operator.space", func(q queryer) error {
		var err error
		sp, err = scanSpace(q.QueryRowContext(ctx, `SELECT `+spaceColumns+` FROM teams t
			JOIN team_ops o ON o.team_id = t.id WHERE `+col+` = $1`, ref), d)
		if errors.Is(err, sql.ErrNoRows) {
			return operator.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlstore: space: %w", err)
		}
		return nil
	})
	return sp, err
}

// Summary counts spaces per state and health, and jobs per state.
func (s *Store) Summary(ctx context.Context) (operator.Summary, error) {
	sum := operator.Summary{Spaces: map[string]int{}, Health: map[string]int{}, Jobs: map[string]int{},
		OpenFiles: s.OpenTeamCount(), Engine: string(s.engine), TeamSchemaVersion: s.TeamSchemaVersion()}
	err := s.readPlatform(ctx, "operator.summary", func(q queryer) error {
		for _, c := range []struct {
			into  map[string]int
			query string
		}{
			{sum.Spaces, `SELECT state, count(*) FROM teams GROUP BY state`},
			{sum.Health, `SELECT o.health, count(*) FROM teams t JOIN team_ops o ON o.team_id = t.id
				WHERE t.state IN ('active', 'suspended') GROUP BY o.health`},
			{sum.Jobs, `SELECT state, count(*) FROM jobs GROUP BY state`},
		} {
			rows, err := q.QueryContext(ctx, c.query)
			if err != nil {
				return fmt.Errorf("sqlstore: summary: %w", err)
			}
			for rows.Next() {
				var k string
				var n int
				if err := rows.Scan(&k, &n); err != nil {
					rows.Close()
					return fmt.Errorf("sqlstore: summary: %w", err)
				}
				c.into[k] = n
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return sum, err
}

// SpaceIDs returns the ids of the spaces f selects, oldest first.
func (s *Store) SpaceIDs(ctx context.Context, f operator.SpaceFilter) ([]string, error) {
	where, args := spaceWhere(f)
	var out []string
	err := s.readPlatform(ctx, "operator.space_ids", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT t.id FROM teams t JOIN team_ops o ON o.team_id = t.id
			WHERE `+where+` ORDER BY t.created_at, t.id LIMIT `+strconv.Itoa(operator.MaxSpaces), args...)
		if err != nil {
			return fmt.Errorf("sqlstore: space ids: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return fmt.Errorf("sqlstore: space ids: %w", err)
			}
			out = append(out, id)
		}
		return rows.Err()
	})
	return out, err
}

// ensureOps makes space id's team_ops row if it has none.
func ensureOps(t *tx, id string) error {
	if _, err := t.ExecContext(t.ctx, `INSERT INTO team_ops (team_id) VALUES ($1) ON CONFLICT (team_id) DO NOTHING`, id); err != nil {
		return fmt.Errorf("sqlstore: team ops row: %w", err)
	}
	return nil
}

// writeAudit adds an operator action to the platform activity.
func writeAudit(t *tx, a operator.AuditEntry) error {
	changes := activity.Diff(nil, a.Details)
	raw, err := marshalChanges(changes)
	if err != nil {
		return err
	}
	teamID := ""
	if a.Target == "space" {
		teamID = a.ID
	}
	at := a.At
	if at.IsZero() {
		at = t.now
	}
	if _, err := t.ExecContext(t.ctx, `INSERT INTO platform_activity (team_id, at, actor_id, entity_type, entity_id, action, version, changes, published)
		VALUES ($1, $2, $3, $4, $5, $6, 0, $7, TRUE)`, teamID, ms(at), a.ActorID, a.Target, a.ID, a.Action, raw); err != nil {
		return fmt.Errorf("sqlstore: audit: %w", err)
	}
	return nil
}

// Audit writes one operator action.
func (s *Store) Audit(ctx context.Context, a operator.AuditEntry) error {
	return s.inPlatform(ctx, "operator.audit", func(t *tx) error { return writeAudit(t, a) })
}

// AuditLog lists operator actions, newest first.
func (s *Store) AuditLog(ctx context.Context, q operator.AuditQuery) ([]operator.AuditEntry, string, error) {
	before := int64(1 << 62)
	if q.Cursor != "" {
		n, err := strconv.ParseInt(q.Cursor, 10, 64)
		if err != nil || n <= 0 {
			return nil, "", errBadCursor
		}
		before = n
	}
	conds := []string{"seq < $1"}
	args := []any{before}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	switch {
	case q.Action == "":
		add("action LIKE ?", "operator.%")
	case strings.HasSuffix(q.Action, "*"):
		r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
		add(`action LIKE ? ESCAPE '\'`, r.Replace(strings.TrimSuffix(q.Action, "*"))+"%")
		add("action LIKE ?", "operator.%")
	default:
		add("action = ?", q.Action)
		add("action LIKE ?", "operator.%")
	}
	if q.Actor != "" {
		add("actor_id = ?", q.Actor)
	}
	if q.Target != "" {
		add("entity_id = ?", q.Target)
	}
	args = append(args, q.Limit+1)
	var out []operator.AuditEntry
	err := s.readPlatform(ctx, "operator.audit_log", func(qr queryer) error {
		rows, err := qr.QueryContext(ctx, `SELECT seq, at, actor_id, entity_type, entity_id, action, changes FROM platform_activity
			WHERE `+strings.Join(conds, " AND ")+` ORDER BY seq DESC LIMIT $`+strconv.Itoa(len(args)), args...)
		if err != nil {
			return fmt.Errorf("sqlstore: audit log: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var a operator.AuditEntry
			var at int64
			var raw string
			if err := rows.Scan(&a.Seq, &at, &a.ActorID, &a.Target, &a.ID, &a.Action, &raw); err != nil {
				return fmt.Errorf("sqlstore: audit log: %w", err)
			}
			a.At = fromMS(at)
			var changes []activity.Change
			if raw != "" && raw != "[]" {
				if err := json.Unmarshal([]byte(raw), &changes); err == nil {
					a.Details = map[string]any{}
					for _, c := range changes {
						var v any
						_ = json.Unmarshal(c.After, &v)
						a.Details[c.Field] = v
					}
				}
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	var next string
	if len(out) > q.Limit {
		out = out[:q.Limit]
		next = strconv.FormatInt(out[q.Limit-1].Seq, 10)
	}
	return out, next, nil
}

// ApplyChange moves a space from c.From to c.To with its audit entry, in
// one transaction on the platform database.
func (s *Store) ApplyChange(ctx context.Context, id string, c operator.Change, archive string, a operator.AuditEntry) error {
	err := s.inPlatform(ctx, "operator.apply_change", func(t *tx) error {
		before, err := scanTeam(t.QueryRowContext(ctx, `SELECT `+teamColumns+` FROM teams WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return operator.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlstore: get team: %w", err)
		}
		if before.State != c.From {
			return operator.ErrBusy
		}
		if _, err := t.ExecContext(ctx, `UPDATE teams SET state = $2, closed = $3, updated_at = $4, version = version + 1 WHERE id = $1`,
			id, string(c.To), c.Closed, ms(t.now)); err != nil {
			return fmt.Errorf("sqlstore: set team state: %w", err)
		}
		if err := ensureOps(t, id); err != nil {
			return err
		}
		switch c.To {
		case team.StateDeleted:
			_, err = t.ExecContext(ctx, `UPDATE team_ops SET prior_state = $2, purge_after = $3 WHERE team_id = $1`,
				id, string(c.PriorState), ms(c.PurgeAfter))
		case team.StateArchived:
			_, err = t.ExecContext(ctx, `UPDATE team_ops SET prior_state = '', purge_after = 0, archive = $2 WHERE team_id = $1`, id, archive)
		default:
			_, err = t.ExecContext(ctx, `UPDATE team_ops SET prior_state = '', purge_after = 0, archive = '' WHERE team_id = $1`, id)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: team ops: %w", err)
		}
		after := before
		after.State, after.Closed, after.UpdatedAt, after.Version = c.To, c.Closed, t.now, before.Version+1
		if err := t.record("team", id, "state_changed", after.Version, activity.Diff(before, after)); err != nil {
			return err
		}
		return writeAudit(t, a)
	})
	return err
}

// SealSpace keeps everyone out of a space's SQLite file until unseal is
// called; on PostgreSQL there is no file and it does nothing.
func (s *Store) SealSpace(ctx context.Context, id string) (func(), error) {
	if s.engine != SQLite {
		return func() {}, nil
	}
	if err := s.teams.seal(ctx, id); err != nil {
		return nil, err
	}
	return func() { s.teams.unseal(id) }, nil
}

// CompressSpace folds a sealed space's WAL into its file, compresses the
// file to <id>.db.gz and removes the original ("gzip"). On PostgreSQL it
// does nothing ("state").
func (s *Store) CompressSpace(ctx context.Context, id string) (string, error) {
	if s.engine != SQLite {
		return "state", nil
	}
	if err := compressTeamFile(ctx, s.teams.path(id)); err != nil {
		return "", err
	}
	return "gzip", nil
}

// DecompressSpace brings back a file CompressSpace compressed.
func (s *Store) DecompressSpace(ctx context.Context, id string) error {
	if s.engine != SQLite {
		return nil
	}
	return decompressTeamFile(ctx, s.teams.path(id))
}

// EraseSpace erases a space's data for good: on SQLite its file (with WAL
// and any archive), on PostgreSQL its rows in every team table, and on
// both the registry, index, ops and health rows. Audit entries stay.
func (s *Store) EraseSpace(ctx context.Context, id string) error {
	if !validTeamFileName(id) {
		return operator.ErrNotFound
	}
	return s.inPlatform(ctx, "operator.erase", func(t *tx) error {
		var state string
		if err := t.QueryRowContext(ctx, `SELECT state FROM teams WHERE id = $1`, id).Scan(&state); errors.Is(err, sql.ErrNoRows) {
			return operator.ErrNotFound
		} else if err != nil {
			return fmt.Errorf("sqlstore: erase: %w", err)
		}
		if state != string(team.StateDeleted) {
			return &operator.ErrTransition{Action: operator.ActPurge, From: team.State(state)}
		}
		if s.engine == Postgres {
			tables, err := s.teamTables(ctx, t)
			if err != nil {
				return err
			}
			for _, tbl := range tables {
				if _, err := t.ExecContext(ctx, `DELETE FROM `+tbl.Name+` WHERE team_id = $1`, id); err != nil {
					return fmt.Errorf("sqlstore: erase %s: %w", tbl.Name, err)
				}
			}
		} else {
			if err := s.teams.remove(ctx, id); err != nil {
				return fmt.Errorf("sqlstore: erase team file: %w", err)
			}
			if err := os.Remove(s.teams.path(id) + ".gz"); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("sqlstore: erase team archive: %w", err)
			}
		}
		platform := []string{`DELETE FROM team_health WHERE team_id = $1`, `DELETE FROM team_ops WHERE team_id = $1`,
			`DELETE FROM teams WHERE id = $1`}
		if s.engine == SQLite {
			platform = append(platform, `DELETE FROM memberships WHERE team_id = $1`, `DELETE FROM invitation_index WHERE team_id = $1`)
		}
		for _, q := range platform {
			if _, err := t.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("sqlstore: erase: %w", err)
			}
		}
		return nil
	})
}

// DueForPurge returns deleted spaces whose grace period ended before now.
func (s *Store) DueForPurge(ctx context.Context, now time.Time, limit int) ([]string, error) {
	return s.idList(ctx, "operator.due_for_purge", `SELECT t.id FROM teams t JOIN team_ops o ON o.team_id = t.id
		WHERE t.state = 'deleted' AND o.purge_after > 0 AND o.purge_after <= $1 ORDER BY o.purge_after LIMIT $2`, ms(now), limit)
}

// DueForHealth returns reachable spaces last checked before before, oldest check first.
func (s *Store) DueForHealth(ctx context.Context, before time.Time, limit int) ([]string, error) {
	return s.idList(ctx, "operator.due_for_health", `SELECT t.id FROM teams t LEFT JOIN team_ops o ON o.team_id = t.id
		WHERE t.state IN ('active', 'suspended') AND COALESCE(o.health_at, 0) < $1
		ORDER BY COALESCE(o.health_at, 0), t.id LIMIT $2`, ms(before), limit)
}

func (s *Store) idList(ctx context.Context, op, query string, args ...any) ([]string, error) {
	var out []string
	err := s.readPlatform(ctx, op, func(q queryer) error {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("sqlstore: %s: %w", op, err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out = append(out, id)
		}
		return rows.Err()
	})
	return out, err
}

// QuotaOverride returns a space's quota overrides.
func (s *Store) QuotaOverride(ctx context.Context, id string) (operator.QuotaOverride, error) {
	var o operator.QuotaOverride
	err := s.readPlatform(ctx, "operator.quota", func(q queryer) error {
		var qm, qi, qs sql.NullInt64
		err := q.QueryRowContext(ctx, `SELECT quota_members, quota_items, quota_storage FROM team_ops WHERE team_id = $1`, id).Scan(&qm, &qi, &qs)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sqlstore: quota: %w", err)
		}
		if qm.Valid {
			o.Members = &qm.Int64
		}
		if qi.Valid {
			o.Items = &qi.Int64
		}
		if qs.Valid {
			o.StorageBytes = &qs.Int64
		}
		return nil
	})
	return o, err
}

// SetQuotaOverride replaces a space's quota overrides.
func (s *Store) SetQuotaOverride(ctx context.Context, id string, o operator.QuotaOverride, a operator.AuditEntry) error {
	opt := func(v *int64) any {
		if v == nil {
			return nil
		}
		return *v
	}
	return s.inPlatform(ctx, "operator.set_quota", func(t *tx) error {
		if err := ensureOps(t, id); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `UPDATE team_ops SET quota_members = $2, quota_items = $3, quota_storage = $4 WHERE team_id = $1`,
			id, opt(o.Members), opt(o.Items), opt(o.StorageBytes)); err != nil {
			return fmt.Errorf("sqlstore: set quota: %w", err)
		}
		return writeAudit(t, a)
	})
}

// CountMembers counts a space's members.
func (s *Store) CountMembers(ctx context.Context, id string) (int64, error) {
	return s.countTeam(ctx, id, "operator.count_members", `SELECT count(*) FROM members WHERE team_id = $1`)
}

// CountItems counts a space's backlog items.
func (s *Store) CountItems(ctx context.Context, id string) (int64, error) {
	return s.countTeam(ctx, id, "operator.count_items", `SELECT count(*) FROM items WHERE team_id = $1`)
}

func (s *Store) countTeam(ctx context.Context, id, op, query string) (int64, error) {
	var n int64
	err := s.readTeam(ctx, id, op, func(q queryer) error {
		if err := q.QueryRowContext(ctx, query, id).Scan(&n); err != nil {
			return fmt.Errorf("sqlstore: %s: %w", op, err)
		}
		return nil
	})
	return n, err
}

// MeasureSpace counts a space's usage and checks its database.
func (s *Store) MeasureSpace(ctx context.Context, id string) (operator.Measure, error) {
	var m operator.Measure
	start := time.Now()
	if s.engine == SQLite && !s.teams.isOpen(id) {
		// A checked file that was closed is closed again right after, so a
		// round of health checks leaves no files open behind it.
		defer s.teams.closeIfUnused(id)
	}
	err := s.readTeam(ctx, id, "operator.measure", func(q queryer) error {
		if s.engine == SQLite {
			rows, err := q.QueryContext(ctx, `PRAGMA quick_check`)
			if err != nil {
				m.DBError = err.Error()
			} else {
				var msgs []string
				for rows.Next() {
					var msg string
					if rows.Scan(&msg) == nil && msg != "ok" {
						msgs = append(msgs, msg)
					}
				}
				rows.Close()
				if len(msgs) > 0 {
					m.DBError = "quick_check: " + strings.Join(msgs[:min(len(msgs), 5)], "; ")
				}
			}
		}
		var last sql.NullInt64
		err := q.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM members WHERE team_id = $1),
			(SELECT count(*) FROM items WHERE team_id = $1), (SELECT max(at) FROM activity WHERE team_id = $1),
			COALESCE((SELECT bytes FROM storage_usage WHERE team_id = $1), 0)`, id).
			Scan(&m.Members, &m.Items, &last, &m.FileBytes)
		if err != nil {
			return fmt.Errorf("sqlstore: measure space: %w", err)
		}
		m.LastActivityAt = nullMS(last)
		return nil
	})
	m.DBTime = time.Since(start)
	if err != nil {
		return m, err
	}
	if s.engine == SQLite {
		for _, p := range []string{s.teams.path(id), s.teams.path(id) + "-wal"} {
			if st, err := os.Stat(p); err == nil {
				m.DatabaseBytes += st.Size()
			}
		}
	}
	return m, nil
}

// SaveUsage stores a space's counters.
func (s *Store) SaveUsage(ctx context.Context, id string, u operator.SpaceUsage) error {
	var last int64
	if u.LastActivityAt != nil {
		last = ms(*u.LastActivityAt)
	}
	return s.inPlatform(ctx, "operator.save_usage", func(t *tx) error {
		if err := ensureOps(t, id); err != nil {
			return err
		}
		_, err := t.ExecContext(ctx, `UPDATE team_ops SET members = $2, items = $3, db_bytes = $4, file_bytes = $5,
			last_activity_at = $6, usage_at = $7 WHERE team_id = $1`, id, u.Members, u.Items, u.DatabaseBytes, u.StorageBytes, last, ms(t.now))
		if err != nil {
			return fmt.Errorf("sqlstore: save usage: %w", err)
		}
		return nil
	})
}

// healthHistoryKept is how many checks are kept per space.
const healthHistoryKept = 500

// RecordHealth stores a check and updates the space's health state.
func (s *Store) RecordHealth(ctx context.Context, c operator.HealthCheck, alertAfter int) (operator.Health, error) {
	var h operator.Health
	err := s.inPlatform(ctx, "operator.record_health", func(t *tx) error {
		if err := ensureOps(t, c.TeamID); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO team_health (team_id, at, ok, db_ok, db_ms, ops, errors, realtime, detail)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, c.TeamID, ms(c.At), c.OK, c.DatabaseOK, c.DatabaseMS, c.Ops, c.Errors,
			c.Realtime, c.Detail); err != nil {
			return fmt.Errorf("sqlstore: record health: %w", err)
		}
		var fails int
		if err := t.QueryRowContext(ctx, `SELECT health_fails FROM team_ops WHERE team_id = $1`, c.TeamID).Scan(&fails); err != nil {
			return fmt.Errorf("sqlstore: record health: %w", err)
		}
		switch {
		case c.OK:
			fails, h = 0, operator.HealthOK
		case fails+1 >= alertAfter:
			fails, h = fails+1, operator.HealthAlert
		default:
			fails, h = fails+1, operator.HealthFailing
		}
		if _, err := t.ExecContext(ctx, `UPDATE team_ops SET health = $2, health_fails = $3, health_at = $4, health_detail = $5 WHERE team_id = $1`,
			c.TeamID, string(h), fails, ms(c.At), c.Detail); err != nil {
			return fmt.Errorf("sqlstore: record health: %w", err)
		}
		if _, err := t.ExecContext(ctx, `DELETE FROM team_health WHERE team_id = $1 AND seq < (SELECT seq FROM team_health
			WHERE team_id = $1 ORDER BY seq DESC LIMIT 1 OFFSET $2)`, c.TeamID, healthHistoryKept); err != nil {
			return fmt.Errorf("sqlstore: trim health history: %w", err)
		}
		return nil
	})
	return h, err
}

// HealthHistory lists a space's checks, newest first.
func (s *Store) HealthHistory(ctx context.Context, id string, before int64, limit int) ([]operator.HealthCheck, error) {
	if before <= 0 {
		before = 1 << 62
	}
	var out []operator.HealthCheck
	err := s.readPlatform(ctx, "operator.health_history", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT seq, team_id, at, ok, db_ok, db_ms, ops, errors, realtime, detail FROM team_health
			WHERE team_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`, id, before, limit)
		if err != nil {
			return fmt.Errorf("sqlstore: health history: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var c operator.HealthCheck
			var at int64
			if err := rows.Scan(&c.Seq, &c.TeamID, &at, &c.OK, &c.DatabaseOK, &c.DatabaseMS, &c.Ops, &c.Errors, &c.Realtime, &c.Detail); err != nil {
				return fmt.Errorf("sqlstore: health history: %w", err)
			}
			c.At = fromMS(at)
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// AccountRefs returns the id, email and display name of accounts.
func (s *Store) AccountRefs(ctx context.Context, ids []string) ([]operator.AccountRef, error) {
	var out []operator.AccountRef
	err := s.readPlatform(ctx, "operator.account_refs", func(q queryer) error {
		for start := 0; start < len(ids); start += 500 {
			chunk := ids[start:min(start+500, len(ids))]
			ph := make([]string, len(chunk))
			args := make([]any, len(chunk))
			for i, id := range chunk {
				ph[i], args[i] = "$"+strconv.Itoa(i+1), id
			}
			rows, err := q.QueryContext(ctx, `SELECT id, email, display_name FROM accounts WHERE id IN (`+strings.Join(ph, ", ")+`) ORDER BY id`, args...)
			if err != nil {
				return fmt.Errorf("sqlstore: account refs: %w", err)
			}
			for rows.Next() {
				var a operator.AccountRef
				if err := rows.Scan(&a.ID, &a.Email, &a.DisplayName); err != nil {
					rows.Close()
					return fmt.Errorf("sqlstore: account refs: %w", err)
				}
				out = append(out, a)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// EnsureAccounts creates the accounts of refs that do not exist, keeping
// their ids; an email that belongs to another account is a conflict.
func (s *Store) EnsureAccounts(ctx context.Context, refs []operator.AccountRef) (int, []string, error) {
	created := 0
	var conflicts []string
	err := s.inPlatform(ctx, "operator.ensure_accounts", func(t *tx) error {
		for _, a := range refs {
			if !validTeamFileName(a.ID) || a.Email == "" || len(a.Email) > 254 || len(a.DisplayName) > 200 {
				return fmt.Errorf("%w: account %q", operator.ErrArchiveCorrupt, a.ID)
			}
			var id string
			err := t.QueryRowContext(ctx, `SELECT id FROM accounts WHERE id = $1 OR lower(email) = lower($2) ORDER BY id = $1 DESC LIMIT 1`,
				a.ID, a.Email).Scan(&id)
			switch {
			case err == nil && id == a.ID:
				continue
			case err == nil:
				conflicts = append(conflicts, a.ID)
				continue
			case !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("sqlstore: find account: %w", err)
			}
			if _, err := t.ExecContext(ctx, `INSERT INTO accounts (id, email, display_name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`,
				a.ID, strings.ToLower(a.Email), a.DisplayName, ms(t.now)); err != nil {
				return fmt.Errorf("sqlstore: create account: %w", err)
			}
			if err := t.record("account", a.ID, "imported", 1, nil); err != nil {
				return err
			}
			created++
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return created, conflicts, nil
}

// MigrateSpace brings one space's SQLite file to the latest team schema
// while every other space keeps serving. A file that is open is already
// migrated (files migrate when they open). Otherwise the file is sealed,
// migrated on a connection of its own and closed again, so a rolling
// migration leaves no files open; a request to that one space waits for
// the seal (milliseconds). On PostgreSQL the team tables are shared and
// migrated when the store opens, so there is nothing to do.
func (s *Store) MigrateSpace(ctx context.Context, id string) (int64, int64, error) {
	want := s.TeamSchemaVersion()
	if s.engine == Postgres {
		return want, want, nil
	}
	if !validTeamFileName(id) {
		return 0, 0, operator.ErrNotFound
	}
	if s.teams.isOpen(id) {
		return want, want, nil
	}
	if err := s.teams.seal(ctx, id); err != nil {
		return 0, 0, err
	}
	defer s.teams.unseal(id)
	path := s.teams.path(id)
	if _, err := os.Stat(path); err != nil {
		return 0, 0, ErrNoTeamFile
	}
	w, r, err := openSQLiteFile(path, false)
	if err != nil {
		return 0, 0, err
	}
	r.Close()
	defer w.Close()
	var have int64
	if err := w.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&have); err != nil {
		return 0, 0, fmt.Errorf("sqlstore: schema version of %s: %w", id, err)
	}
	if err := migrateSQLite(ctx, w, teamMigrations, s.log); err != nil {
		return have, have, fmt.Errorf("sqlstore: migrate team %s: %w", id, err)
	}
	return have, want, nil
}
