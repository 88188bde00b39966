package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/pamateam/pama/internal/activity"
)

func marshalChanges(c []activity.Change) (string, error) {
	if len(c) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("sqlstore: marshal changes: %w", err)
	}
	return string(b), nil
}

const activityColumns = `seq, team_id, at, actor_id, entity_type, entity_id, action, version, changes`

func scanActivity(rows *sql.Rows) ([]activity.Entry, error) {
	defer rows.Close()
	var out []activity.Entry
	for rows.Next() {
		var e activity.Entry
		var at int64
		var changes string
		if err := rows.Scan(&e.Seq, &e.TeamID, &at, &e.ActorID, &e.EntityType, &e.EntityID, &e.Action, &e.Version, &changes); err != nil {
			return nil, fmt.Errorf("sqlstore: scan activity: %w", err)
		}
		e.At = fromMS(at)
		if changes != "" && changes != "[]" {
			if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
				return nil, fmt.Errorf("sqlstore: activity %d changes: %w", e.Seq, err)
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ActivityFeed returns up to limit of team's entries with seq below before
// (0: from the newest), newest first. Notifications are left out: they are
// each member's own, published to that member alone. So are the entity
// types in hide.
func (s *Store) ActivityFeed(ctx context.Context, team string, before int64, limit int, hide ...string) ([]activity.Entry, error) {
	var out []activity.Entry
	err := s.readTeam(ctx, team, "activity.feed", func(q queryer) error {
		if before <= 0 {
			before = 1 << 62
		}
		query := `SELECT ` + activityColumns + ` FROM activity
			WHERE team_id = $1 AND seq < $2 AND entity_type <> 'notification'`
		args := []any{team, before, limit}
		for _, h := range hide {
			args = append(args, h)
			query += fmt.Sprintf(" AND entity_type <> $%d", len(args))
		}
		rows, err := q.QueryContext(ctx, query+` ORDER BY seq DESC LIMIT $3`, args...)
		if err != nil {
			return fmt.Errorf("sqlstore: activity feed: %w", err)
		}
		out, err = scanActivity(rows)
		return err
	})
	return out, err
}

// EntityHistory returns up to limit entries about one entity with seq above
// after, oldest first.
func (s *Store) EntityHistory(ctx context.Context, team, entityType, entityID string, after int64, limit int) ([]activity.Entry, error) {
	var out []activity.Entry
	err := s.readTeam(ctx, team, "activity.history", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT `+activityColumns+` FROM activity
			WHERE team_id = $1 AND entity_type = $2 AND entity_id = $3 AND seq > $4 ORDER BY seq LIMIT $5`,
			team, entityType, entityID, after, limit)
		if err != nil {
			return fmt.Errorf("sqlstore: entity history: %w", err)
		}
		out, err = scanActivity(rows)
		return err
	})
	return out, err
}

// Unpublished returns up to limit of team's entries not yet marked published,
// oldest first: what the real-time relay still has to announce.
func (s *Store) Unpublished(ctx context.Context, team string, limit int) ([]activity.Entry, error) {
	var out []activity.Entry
	err := s.readTeam(ctx, team, "activity.unpublished", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT `+activityColumns+` FROM activity
			WHERE team_id = $1 AND NOT published ORDER BY seq LIMIT $2`, team, limit)
		if err != nil {
			return fmt.Errorf("sqlstore: unpublished activity: %w", err)
		}
		out, err = scanActivity(rows)
		return err
	})
	return out, err
}

// MarkPublished marks team's entries up to and including seq as published.
func (s *Store) MarkPublished(ctx context.Context, team string, upTo int64) error {
	return s.inTeam(ctx, team, "activity.mark_published", func(t *tx) error {
		_, err := t.ExecContext(ctx, `UPDATE activity SET published = TRUE WHERE team_id = $1 AND seq <= $2 AND NOT published`, team, upTo)
		if err != nil {
			return fmt.Errorf("sqlstore: mark published: %w", err)
		}
		return nil
	})
}
