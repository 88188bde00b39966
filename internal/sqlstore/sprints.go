package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/sprint"
)

var _ sprint.Store = (*Store)(nil)

const sprintColumns = `id, team_id, product_id, number, name, goal, state, start_date, end_date, started_at, completed_at,
	committed_points, committed_items, completed_points, completed_items, carried_items, created_at, updated_at, version`

func scanSprint(r rowScanner) (sprint.Sprint, error) {
	var sp sprint.Sprint
	var started, completed sql.NullInt64
	var created, updated int64
	err := r.Scan(&sp.ID, &sp.TeamID, &sp.ProductID, &sp.Number, &sp.Name, &sp.Goal, &sp.State, &sp.StartDate, &sp.EndDate,
		&started, &completed, &sp.CommittedPoints, &sp.CommittedItems, &sp.CompletedPoints, &sp.CompletedItems,
		&sp.CarriedItems, &created, &updated, &sp.Version)
	sp.StartedAt, sp.CompletedAt = nullMS(started), nullMS(completed)
	sp.CreatedAt, sp.UpdatedAt = fromMS(created), fromMS(updated)
	return sp, err
}

func loadSprint(ctx context.Context, q queryer, team, id string) (sprint.Sprint, error) {
	sp, err := scanSprint(q.QueryRowContext(ctx, `SELECT `+sprintColumns+` FROM sprints WHERE team_id = $1 AND id = $2`, team, id))
	if errors.Is(err, sql.ErrNoRows) {
		return sp, sprint.ErrNotFound
	}
	if err != nil {
		return sp, fmt.Errorf("sqlstore: load sprint: %w", err)
	}
	return sp, nil
}

// Sprint returns one of team's sprints.
func (s *Store) Sprint(ctx context.Context, team, id string) (sprint.Sprint, error) {
	var sp sprint.Sprint
	err := s.readTeam(ctx, team, "sprint.get", func(q queryer) (err error) {
		sp, err = loadSprint(ctx, q, team, id)
		return err
	})
	return sp, err
}

// Sprints lists a product's sprints by number, in one state or all.
func (s *Store) Sprints(ctx context.Context, team, product string, state sprint.State) ([]sprint.Sprint, error) {
	out := []sprint.Sprint{}
	err := s.readTeam(ctx, team, "sprint.list", func(q queryer) error {
		if _, err := productKey(ctx, q, team, product); err != nil {
			return sprint.ErrProductNotFound
		}
		query := `SELECT ` + sprintColumns + ` FROM sprints WHERE team_id = $1 AND product_id = $2`
		args := []any{team, product}
		if state != "" {
			query += ` AND state = $3`
			args = append(args, state)
		}
		rows, err := q.QueryContext(ctx, query+` ORDER BY number`, args...)
		if err != nil {
			return fmt.Errorf("sqlstore: list sprints: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			sp, err := scanSprint(rows)
			if err != nil {
				return fmt.Errorf("sqlstore: scan sprint: %w", err)
			}
			out = append(out, sp)
		}
		return rows.Err()
	})
	return out, err
}

// insertSprint plans a new sprint in product with the next number.
func insertSprint(t *tx, team string, n sprint.NewSprint) (sprint.Sprint, error) {
	sp := sprint.Sprint{ID: newID(), TeamID: team, ProductID: n.ProductID, Name: n.Name, Goal: n.Goal,
		State: sprint.StatePlanned, StartDate: n.StartDate, EndDate: n.EndDate, CreatedAt: t.now, UpdatedAt: t.now, Version: 1}
	if err := t.QueryRowContext(t.ctx, `SELECT coalesce(max(number), 0) + 1 FROM sprints WHERE team_id = $1 AND product_id = $2`,
		team, n.ProductID).Scan(&sp.Number); err != nil {
		return sp, fmt.Errorf("sqlstore: next sprint number: %w", err)
	}
	if sp.Name == "" {
		sp.Name = "Sprint " + strconv.FormatInt(sp.Number, 10)
	}
	_, err := t.ExecContext(t.ctx, `INSERT INTO sprints (id, team_id, product_id, number, name, goal, state, start_date, end_date,
		created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, 1)`,
		sp.ID, team, sp.ProductID, sp.Number, sp.Name, sp.Goal, sp.State, sp.StartDate, sp.EndDate, ms(t.now))
	if err != nil {
		return sp, fmt.Errorf("sqlstore: insert sprint: %w", err)
	}
	return sp, t.record("sprint", sp.ID, "created", 1, activity.Diff(nil, sp))
}

// CreateSprint plans a sprint in a product.
func (s *Store) CreateSprint(ctx context.Context, team string, n sprint.NewSprint) (sprint.Sprint, error) {
	var sp sprint.Sprint
	err := retryRanks(func() error {
		return s.inTeam(ctx, team, "sprint.create", func(t *tx) (err error) {
			if _, err := productKey(ctx, t, team, n.ProductID); err != nil {
				return sprint.ErrProductNotFound
			}
			sp, err = insertSprint(t, team, n)
			return err
		})
	})
	return sp, err
}

func saveSprint(t *tx, before sprint.Sprint, after *sprint.Sprint, action string) error {
	after.Version, after.UpdatedAt = before.Version+1, t.now
	res, err := t.ExecContext(t.ctx, `UPDATE sprints SET name = $1, goal = $2, state = $3, start_date = $4, end_date = $5,
		started_at = $6, completed_at = $7, committed_points = $8, committed_items = $9, completed_points = $10,
		completed_items = $11, carried_items = $12, updated_at = $13, version = $14
		WHERE team_id = $15 AND id = $16 AND version = $17`,
		after.Name, after.Goal, after.State, after.StartDate, after.EndDate, optMS(after.StartedAt), optMS(after.CompletedAt),
		after.CommittedPoints, after.CommittedItems, after.CompletedPoints, after.CompletedItems, after.CarriedItems,
		ms(t.now), after.Version, before.TeamID, before.ID, before.Version)
	if err != nil {
		return fmt.Errorf("sqlstore: update sprint: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return &errkind.VersionConflict{Entity: "sprint", Version: before.Version + 1}
	}
	return t.record("sprint", before.ID, action, after.Version, activity.Diff(before, *after))
}

// loadSprintAt loads a sprint and checks its version.
func loadSprintAt(t *tx, team, id string, version int64) (sprint.Sprint, error) {
	sp, err := loadSprint(t.ctx, t, team, id)
	if err != nil {
		return sp, err
	}
	if sp.Version != version {
		return sp, &errkind.VersionConflict{Entity: "sprint", Version: sp.Version, Current: sp}
	}
	return sp, nil
}

// UpdateSprint changes a sprint still at version that is not completed.
func (s *Store) UpdateSprint(ctx context.Context, team, id string, version int64, p sprint.Patch) (sprint.Sprint, error) {
	var after sprint.Sprint
	err := s.inTeam(ctx, team, "sprint.update", func(t *tx) error {
		before, err := loadSprintAt(t, team, id, version)
		if err != nil {
			return err
		}
		if before.State == sprint.StateCompleted {
			return sprint.ErrCompleted
		}
		after = before
		for dst, src := range map[*string]*string{&after.Name: p.Name, &after.Goal: p.Goal, &after.StartDate: p.StartDate, &after.EndDate: p.EndDate} {
			if src != nil {
				*dst = *src
			}
		}
		if after.StartDate != "" && after.EndDate != "" && after.EndDate < after.StartDate {
			return errkind.Field("end_date", "must not be before start_date")
		}
		return saveSprint(t, before, &after, "updated")
	})
	return after, err
}

// moveSprintItems moves items to sprint to ("" for the backlog), each
// bumped and recorded with action.
func (s *Store) moveSprintItems(t *tx, team string, ids []string, to string, action string) error {
	for _, id := range ids {
		before, err := loadItem(t.ctx, t, team, id)
		if err != nil {
			return err
		}
		after := cloneItem(before)
		after.SprintID, after.Version, after.UpdatedAt = to, before.Version+1, t.now
		if _, err := t.ExecContext(t.ctx, `UPDATE items SET sprint_id = $1, version = $2, updated_at = $3 WHERE team_id = $4 AND id = $5`,
			nullString(to), after.Version, ms(t.now), team, id); err != nil {
			return fmt.Errorf("sqlstore: move item to sprint: %w", err)
		}
		if err := t.record("item", id, action, after.Version, activity.Diff(before, after)); err != nil {
			return err
		}
	}
	return nil
}

func sprintItemIDs(t *tx, team, sprintID, extra string) ([]string, error) {
	rows, err := t.QueryContext(t.ctx, `SELECT id FROM items WHERE team_id = $1 AND sprint_id = $2`+extra+` ORDER BY rank`, team, sprintID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: sprint items: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// DeleteSprint deletes a planned sprint still at version; its items go back
// to the product backlog.
func (s *Store) DeleteSprint(ctx context.Context, team, id string, version int64) error {
	return s.inTeam(ctx, team, "sprint.delete", func(t *tx) error {
		before, err := loadSprintAt(t, team, id, version)
		if err != nil {
			return err
		}
		if before.State != sprint.StatePlanned {
			return sprint.ErrNotPlanned
		}
		ids, err := sprintItemIDs(t, team, id, "")
		if err != nil {
			return err
		}
		if err := s.moveSprintItems(t, team, ids, "", "updated"); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM sprint_capacity WHERE team_id = $1 AND sprint_id = $2`, `DELETE FROM sprints WHERE team_id = $1 AND id = $2`} {
			if _, err := t.ExecContext(ctx, q, team, id); err != nil {
				return fmt.Errorf("sqlstore: delete sprint: %w", err)
			}
		}
		return t.record("sprint", id, "deleted", before.Version+1, activity.Diff(before, nil))
	})
}

// sprintTotals counts a sprint's items and their points, optionally only
// those in the done category.
func sprintTotals(t *tx, team, id string, doneOnly bool) (n int, points float64, err error) {
	q := `SELECT count(*), coalesce(sum(points), 0) FROM items WHERE team_id = $1 AND sprint_id = $2`
	if doneOnly {
		q += ` AND status_category = 'done'`
	}
	if err := t.QueryRowContext(t.ctx, q, team, id).Scan(&n, &points); err != nil {
		return 0, 0, fmt.Errorf("sqlstore: sprint totals: %w", err)
	}
	return n, points, nil
}

// StartSprint starts a planned sprint still at version, taking its
// commitment (items and points in it now). Unless the team allows parallel
// sprints, the product must have no other active sprint.
func (s *Store) StartSprint(ctx context.Context, team, id string, st sprint.Start) (sprint.Sprint, error) {
	var after sprint.Sprint
	err := s.inTeam(ctx, team, "sprint.start", func(t *tx) error {
		before, err := loadSprintAt(t, team, id, st.Version)
		if err != nil {
			return err
		}
		if before.State != sprint.StatePlanned {
			return sprint.ErrNotPlanned
		}
		if err := s.lock(t, "sprints:"+before.ProductID); err != nil {
			return err
		}
		settings, err := loadBacklogSettings(ctx, t, team)
		if err != nil {
			return err
		}
		if !settings.ParallelSprints {
			var n int
			if err := t.QueryRowContext(ctx, `SELECT count(*) FROM sprints WHERE team_id = $1 AND product_id = $2 AND state = 'active'`,
				team, before.ProductID).Scan(&n); err != nil {
				return fmt.Errorf("sqlstore: count active sprints: %w", err)
			}
			if n > 0 {
				return sprint.ErrActiveExists
			}
		}
		after = before
		if st.Goal != "" {
			after.Goal = st.Goal
		}
		if st.StartDate != "" {
			after.StartDate = st.StartDate
		}
		if st.EndDate != "" {
			after.EndDate = st.EndDate
		}
		var errs errkind.FieldErrors
		if after.StartDate == "" {
			errs = append(errs, errkind.Field("start_date", "is needed to start a sprint"))
		}
		if after.EndDate == "" {
			errs = append(errs, errkind.Field("end_date", "is needed to start a sprint"))
		} else if after.EndDate < after.StartDate {
			errs = append(errs, errkind.Field("end_date", "must not be before start_date"))
		}
		if err := errs.Err(); err != nil {
			return err
		}
		after.State, after.StartedAt = sprint.StateActive, t.now
		if after.CommittedItems, after.CommittedPoints, err = sprintTotals(t, team, id, false); err != nil {
			return err
		}
		return saveSprint(t, before, &after, "started")
	})
	return after, err
}

// CompleteSprint completes an active sprint still at version. Its items not
// in a done status go to the backlog, the next planned sprint (made if there
// is none) or the planned sprint named by to; done items stay in it.
func (s *Store) CompleteSprint(ctx context.Context, team, id string, version int64, to sprint.CarryTo) (sprint.Completion, error) {
	var c sprint.Completion
	err := retryRanks(func() error {
		c = sprint.Completion{}
		return s.inTeam(ctx, team, "sprint.complete", func(t *tx) error {
			before, err := loadSprintAt(t, team, id, version)
			if err != nil {
				return err
			}
			if before.State != sprint.StateActive {
				return sprint.ErrNotActive
			}
			target := ""
			switch to {
			case sprint.CarryToBacklog:
			case sprint.CarryToNext:
				next, err := scanSprint(t.QueryRowContext(ctx, `SELECT `+sprintColumns+` FROM sprints
					WHERE team_id = $1 AND product_id = $2 AND state = 'planned' ORDER BY number LIMIT 1`, team, before.ProductID))
				if errors.Is(err, sql.ErrNoRows) {
					next, err = insertSprint(t, team, sprint.NewSprint{ProductID: before.ProductID})
				}
				if err != nil {
					return fmt.Errorf("sqlstore: next sprint: %w", err)
				}
				c.Next, target = &next, next.ID
			default:
				next, err := loadSprint(ctx, t, team, string(to))
				if errors.Is(err, sprint.ErrNotFound) || (err == nil && (next.ProductID != before.ProductID || next.State != sprint.StatePlanned)) {
					return &errkind.FieldError{Field: "carry_over", Message: `must be "backlog", "next" or the id of a planned sprint of the product`, Value: string(to)}
				}
				if err != nil {
					return err
				}
				c.Next, target = &next, next.ID
			}
			ids, err := sprintItemIDs(t, team, id, ` AND status_category <> '`+string(backlog.CategoryDone)+`'`)
			if err != nil {
				return err
			}
			if err := s.moveSprintItems(t, team, ids, target, "carried_over"); err != nil {
				return err
			}
			after := before
			after.State, after.CompletedAt, after.CarriedItems = sprint.StateCompleted, t.now, len(ids)
			if after.CompletedItems, after.CompletedPoints, err = sprintTotals(t, team, id, true); err != nil {
				return err
			}
			if err := saveSprint(t, before, &after, "completed"); err != nil {
				return err
			}
			c.Sprint, c.Carried = after, ids
			if c.Carried == nil {
				c.Carried = []string{}
			}
			return nil
		})
	})
	return c, err
}

// Capacity returns the members' capacity in a sprint.
func (s *Store) Capacity(ctx context.Context, team, sprintID string) ([]sprint.Capacity, error) {
	out := []sprint.Capacity{}
	err := s.readTeam(ctx, team, "sprint.capacity", func(q queryer) error {
		if _, err := loadSprint(ctx, q, team, sprintID); err != nil {
			return err
		}
		var err error
		out, err = loadCapacity(ctx, q, team, sprintID)
		return err
	})
	return out, err
}

func loadCapacity(ctx context.Context, q queryer, team, sprintID string) ([]sprint.Capacity, error) {
	rows, err := q.QueryContext(ctx, `SELECT account_id, days, points FROM sprint_capacity WHERE team_id = $1 AND sprint_id = $2 ORDER BY account_id`, team, sprintID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: capacity: %w", err)
	}
	defer rows.Close()
	out := []sprint.Capacity{}
	for rows.Next() {
		var c sprint.Capacity
		if err := rows.Scan(&c.AccountID, &c.Days, &c.Points); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetCapacity replaces the members' capacity in a sprint that is not
// completed. Every account must be a member of the team.
func (s *Store) SetCapacity(ctx context.Context, team, sprintID string, cs []sprint.Capacity) ([]sprint.Capacity, error) {
	var out []sprint.Capacity
	err := s.inTeam(ctx, team, "sprint.set_capacity", func(t *tx) error {
		sp, err := loadSprint(ctx, t, team, sprintID)
		if err != nil {
			return err
		}
		if sp.State == sprint.StateCompleted {
			return sprint.ErrCompleted
		}
		accounts := make([]string, len(cs))
		for i, c := range cs {
			accounts[i] = c.AccountID
		}
		if err := checkMembers(ctx, t, team, "capacity", accounts); err != nil {
			return err
		}
		before, err := loadCapacity(ctx, t, team, sprintID)
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `DELETE FROM sprint_capacity WHERE team_id = $1 AND sprint_id = $2`, team, sprintID); err != nil {
			return fmt.Errorf("sqlstore: clear capacity: %w", err)
		}
		for _, c := range cs {
			if _, err := t.ExecContext(ctx, `INSERT INTO sprint_capacity (team_id, sprint_id, account_id, days, points) VALUES ($1, $2, $3, $4, $5)`,
				team, sprintID, c.AccountID, c.Days, c.Points); err != nil {
				return fmt.Errorf("sqlstore: set capacity: %w", err)
			}
		}
		if out, err = loadCapacity(ctx, t, team, sprintID); err != nil {
			return err
		}
		type capacity struct {
			Capacity []sprint.Capacity `json:"capacity"`
		}
		return t.record("sprint", sprintID, "capacity_set", sp.Version, activity.Diff(capacity{before}, capacity{out}))
	})
	return out, err
}
