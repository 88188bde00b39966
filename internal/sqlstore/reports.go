package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/report"
)

var _ report.Store = (*Store)(nil)

// likeEscaper escapes the LIKE wildcards (with \ as the escape character).
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ItemActivity returns the item entries q selects, oldest first: every entry
// of the items one of whose entries (or whose creation entry, with
// q.CreatedOnly) mentions q.Mentions in its changes, before q.Before. The
// reports replay them; one query reads them all.
func (s *Store) ItemActivity(ctx context.Context, team string, q report.ItemQuery) ([]activity.Entry, error) {
	if q.Mentions == "" {
		return nil, nil
	}
	var out []activity.Entry
	err := s.readTeam(ctx, team, "report.item_activity", func(db queryer) error {
		pattern := `%` + likeEscaper.Replace(q.Mentions) + `%`
		inner := `SELECT entity_id FROM activity WHERE team_id = $1 AND entity_type = 'item' AND changes LIKE $2 ESCAPE '\'`
		if q.CreatedOnly {
			inner += ` AND action = 'created'`
		}
		before := int64(1) << 62
		if !q.Before.IsZero() {
			before = ms(q.Before)
		}
		rows, err := db.QueryContext(ctx, `SELECT `+activityColumns+` FROM activity
			WHERE team_id = $1 AND entity_type = 'item' AND at < $3 AND entity_id IN (`+inner+`)
			ORDER BY seq`, team, pattern, before)
		if err != nil {
			return fmt.Errorf("sqlstore: item activity: %w", err)
		}
		out, err = scanActivity(rows)
		return err
	})
	return out, err
}
