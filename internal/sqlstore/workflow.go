package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/errkind"
)

const statusColumns = `id, team_id, name, category, position, wip_limit, created_at, updated_at, version`

func loadStatuses(ctx context.Context, q queryer, team string) ([]backlog.Status, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+statusColumns+` FROM statuses WHERE team_id = $1 ORDER BY position, id`, team)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: statuses: %w", err)
	}
	defer rows.Close()
	out := []backlog.Status{}
	for rows.Next() {
		var st backlog.Status
		var created, updated int64
		if err := rows.Scan(&st.ID, &st.TeamID, &st.Name, &st.Category, &st.Position, &st.WIPLimit, &created, &updated, &st.Version); err != nil {
			return nil, fmt.Errorf("sqlstore: scan status: %w", err)
		}
		st.CreatedAt, st.UpdatedAt = fromMS(created), fromMS(updated)
		out = append(out, st)
	}
	return out, rows.Err()
}

// ensureStatuses returns team's workflow, creating the default one if the
// team has none yet.
func (s *Store) ensureStatuses(t *tx, team string) ([]backlog.Status, error) {
	have, err := loadStatuses(t.ctx, t, team)
	if err != nil || len(have) > 0 {
		return have, err
	}
	// Two first uses at once must not both create the defaults.
	if err := s.lock(t, "statuses:"+team); err != nil {
		return nil, err
	}
	if have, err = loadStatuses(t.ctx, t, team); err != nil || len(have) > 0 {
		return have, err
	}
	for i, d := range backlog.DefaultStatuses {
		st := d
		st.ID, st.TeamID, st.Position, st.CreatedAt, st.UpdatedAt, st.Version = newID(), team, i, t.now, t.now, 1
		if err := insertStatus(t, st); err != nil {
			return nil, err
		}
		have = append(have, st)
	}
	return have, nil
}

func insertStatus(t *tx, st backlog.Status) error {
	_, err := t.ExecContext(t.ctx, `INSERT INTO statuses (`+statusColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 1)`,
		st.ID, st.TeamID, st.Name, st.Category, st.Position, st.WIPLimit, ms(st.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqlstore: insert status: %w", err)
	}
	return t.record("status", st.ID, "created", 1, activity.Diff(nil, st))
}

// Statuses returns team's workflow in order, creating the default one the
// first time.
func (s *Store) Statuses(ctx context.Context, team string) ([]backlog.Status, error) {
	var out []backlog.Status
	err := s.readTeam(ctx, team, "status.list", func(q queryer) (err error) {
		out, err = loadStatuses(ctx, q, team)
		return err
	})
	if err != nil || len(out) > 0 {
		return out, err
	}
	err = s.inTeam(ctx, team, "status.defaults", func(t *tx) (err error) {
		out, err = s.ensureStatuses(t, team)
		return err
	})
	return out, err
}

// renumber writes positions 0..n-1 in the order of list, bumping and
// recording each status whose position changed.
func renumber(t *tx, list []backlog.Status, skip string) error {
	for i, st := range list {
		if st.Position == i || st.ID == skip {
			continue
		}
		after := st
		after.Position, after.Version, after.UpdatedAt = i, st.Version+1, t.now
		if _, err := t.ExecContext(t.ctx, `UPDATE statuses SET position = $1, version = $2, updated_at = $3 WHERE team_id = $4 AND id = $5`,
			i, after.Version, ms(t.now), st.TeamID, st.ID); err != nil {
			return fmt.Errorf("sqlstore: renumber statuses: %w", err)
		}
		if err := t.record("status", st.ID, "updated", after.Version, activity.Diff(st, after)); err != nil {
			return err
		}
	}
	return nil
}

// CreateStatus adds a status to team's workflow.
func (s *Store) CreateStatus(ctx context.Context, team string, n backlog.NewStatus) (backlog.Status, error) {
	var st backlog.Status
	err := s.inTeam(ctx, team, "status.create", func(t *tx) error {
		list, err := s.ensureStatuses(t, team)
		if err != nil {
			return err
		}
		if len(list) >= backlog.MaxStatuses {
			return errkind.Field("name", fmt.Sprintf("a workflow has at most %d statuses", backlog.MaxStatuses))
		}
		pos := len(list)
		if n.Position != nil && *n.Position < pos {
			pos = *n.Position
		}
		st = backlog.Status{ID: newID(), TeamID: team, Name: n.Name, Category: n.Category, Position: pos,
			WIPLimit: n.WIPLimit, CreatedAt: t.now, UpdatedAt: t.now, Version: 1}
		if err := renumber(t, slices.Insert(list, pos, st), st.ID); err != nil {
			return err
		}
		return insertStatus(t, st)
	})
	return st, err
}

func findStatus(list []backlog.Status, id string) (int, error) {
	i := slices.IndexFunc(list, func(st backlog.Status) bool { return st.ID == id })
	if i < 0 {
		return -1, backlog.ErrStatusNotFound
	}
	return i, nil
}

func countCategory(list []backlog.Status, c backlog.Category) int {
	n := 0
	for _, st := range list {
		if st.Category == c {
			n++
		}
	}
	return n
}

// UpdateStatus changes a status still at version. A new category is copied
// to the items in the status.
func (s *Store) UpdateStatus(ctx context.Context, team, id string, version int64, p backlog.StatusPatch) (backlog.Status, error) {
	var after backlog.Status
	err := s.inTeam(ctx, team, "status.update", func(t *tx) error {
		list, err := s.ensureStatuses(t, team)
		if err != nil {
			return err
		}
		i, err := findStatus(list, id)
		if err != nil {
			return err
		}
		before := list[i]
		if before.Version != version {
			return &errkind.VersionConflict{Entity: "status", Version: before.Version, Current: before}
		}
		after = before
		if p.Name != nil {
			after.Name = *p.Name
		}
		if p.WIPLimit != nil {
			after.WIPLimit = *p.WIPLimit
		}
		if p.Category != nil && *p.Category != before.Category {
			if countCategory(list, before.Category) == 1 {
				return backlog.ErrLastInCategory
			}
			after.Category = *p.Category
			if _, err := t.ExecContext(ctx, `UPDATE items SET status_category = $1 WHERE team_id = $2 AND status_id = $3`,
				after.Category, team, id); err != nil {
				return fmt.Errorf("sqlstore: recategorise items: %w", err)
			}
		}
		if p.Position != nil && *p.Position != before.Position {
			pos := min(*p.Position, len(list)-1)
			rest := slices.Delete(slices.Clone(list), i, i+1)
			if err := renumber(t, slices.Insert(rest, pos, after), id); err != nil {
				return err
			}
			after.Position = pos
		}
		after.Version, after.UpdatedAt = before.Version+1, t.now
		_, err = t.ExecContext(ctx, `UPDATE statuses SET name = $1, category = $2, position = $3, wip_limit = $4, updated_at = $5, version = $6
			WHERE team_id = $7 AND id = $8`, after.Name, after.Category, after.Position, after.WIPLimit, ms(t.now), after.Version, team, id)
		if err != nil {
			return fmt.Errorf("sqlstore: update status: %w", err)
		}
		return t.record("status", id, "updated", after.Version, activity.Diff(before, after))
	})
	return after, err
}

// DeleteStatus removes a status still at version. Its items move to moveTo
// (each recorded as a move); moveTo is needed only when there are items.
func (s *Store) DeleteStatus(ctx context.Context, team, id string, version int64, moveTo string) error {
	return s.inTeam(ctx, team, "status.delete", func(t *tx) error {
		list, err := s.ensureStatuses(t, team)
		if err != nil {
			return err
		}
		i, err := findStatus(list, id)
		if err != nil {
			return err
		}
		before := list[i]
		if before.Version != version {
			return &errkind.VersionConflict{Entity: "status", Version: before.Version, Current: before}
		}
		if countCategory(list, before.Category) == 1 {
			return backlog.ErrLastInCategory
		}
		rows, err := t.QueryContext(ctx, `SELECT id FROM items WHERE team_id = $1 AND status_id = $2`, team, id)
		if err != nil {
			return fmt.Errorf("sqlstore: items in status: %w", err)
		}
		var ids []string
		for rows.Next() {
			var x string
			if err := rows.Scan(&x); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, x)
		}
		rows.Close()
		if len(ids) > 0 {
			if moveTo == "" {
				return backlog.ErrStatusInUse
			}
			if moveTo == id {
				return errkind.Field("move_to", "must be another status")
			}
			j, err := findStatus(list, moveTo)
			if err != nil {
				return &errkind.FieldError{Field: "move_to", Message: "is not a status of this team", Value: moveTo}
			}
			for _, itemID := range ids {
				b, err := loadItem(ctx, t, team, itemID)
				if err != nil {
					return err
				}
				a := cloneItem(b)
				a.StatusID, a.StatusCategory, a.StatusChangedAt = list[j].ID, list[j].Category, t.now
				if err := saveItem(s, t, team, b, &a); err != nil {
					return err
				}
			}
		}
		if _, err := t.ExecContext(ctx, `DELETE FROM statuses WHERE team_id = $1 AND id = $2`, team, id); err != nil {
			return fmt.Errorf("sqlstore: delete status: %w", err)
		}
		if err := renumber(t, slices.Delete(slices.Clone(list), i, i+1), ""); err != nil {
			return err
		}
		return t.record("status", id, "deleted", before.Version+1, activity.Diff(before, nil))
	})
}

// BacklogSettings returns team's backlog settings (the defaults at version 0
// until they are first changed).
func (s *Store) BacklogSettings(ctx context.Context, team string) (backlog.Settings, error) {
	var st backlog.Settings
	err := s.readTeam(ctx, team, "backlog_settings.get", func(q queryer) (err error) {
		st, err = loadBacklogSettings(ctx, q, team)
		return err
	})
	return st, err
}

func loadBacklogSettings(ctx context.Context, q queryer, team string) (backlog.Settings, error) {
	st := backlog.Settings{TeamID: team}
	var updated int64
	err := q.QueryRowContext(ctx, `SELECT parallel_sprints, updated_at, version FROM backlog_settings WHERE team_id = $1`, team).
		Scan(&st.ParallelSprints, &updated, &st.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("sqlstore: backlog settings: %w", err)
	}
	st.UpdatedAt = fromMS(updated)
	return st, nil
}

// UpdateBacklogSettings changes team's backlog settings still at version.
func (s *Store) UpdateBacklogSettings(ctx context.Context, team string, version int64, parallel bool) (backlog.Settings, error) {
	var after backlog.Settings
	err := s.inTeam(ctx, team, "backlog_settings.update", func(t *tx) error {
		before, err := loadBacklogSettings(ctx, t, team)
		if err != nil {
			return err
		}
		if before.Version != version {
			return &errkind.VersionConflict{Entity: "backlog settings", Version: before.Version, Current: before}
		}
		after = before
		after.ParallelSprints, after.UpdatedAt, after.Version = parallel, t.now, before.Version+1
		_, err = t.ExecContext(ctx, `INSERT INTO backlog_settings (team_id, parallel_sprints, updated_at, version) VALUES ($1, $2, $3, $4)
			ON CONFLICT (team_id) DO UPDATE SET parallel_sprints = $2, updated_at = $3, version = $4`, team, parallel, ms(t.now), after.Version)
		if err != nil {
			return fmt.Errorf("sqlstore: save backlog settings: %w", err)
		}
		return t.record("backlog_settings", team, "updated", after.Version, activity.Diff(before, after))
	})
	return after, err
}

// lock takes a transaction-scoped lock on key (PostgreSQL; a SQLite team file
// has a single writer, which is lock enough).
func (s *Store) lock(t *tx, key string) error {
	if s.engine != Postgres {
		return nil
	}
	if _, err := t.ExecContext(t.ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, key); err != nil {
		return fmt.Errorf("sqlstore: lock %s: %w", key, err)
	}
	return nil
}
