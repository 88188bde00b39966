package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/errkind"
)

// Search. Lists are always in backlog order and paged by rank (the cursor is
// the last rank of a page), so every page is an index range scan of
// (team_id, product_id, rank) or (team_id, sprint_id, rank) with the filters
// applied on the way.
//
// Full-text search covers an item's title, description and comments:
//   - SQLite: the FTS5 table items_fts (rowid = items.doc) with columns title,
//     description and comments; indexItem rewrites an item's row from the
//     items row.
//   - PostgreSQL: the table item_search (a tsvector per item, GIN index),
//     apart from items so that moves never touch the GIN index.
//
// Comments reach the index through items.search_comments: code that adds,
// edits or deletes a comment rewrites that column (the comments' text, one per
// line) and, in the same transaction, calls s.indexItem(t, team, itemID, 0,
// true), which rebuilds the item's document on either engine.

// keyRef matches text that names an item by number: "PAMA-42", "#42" or "42".
var keyRef = regexp.MustCompile(`^(?:[A-Za-z][A-Za-z0-9]*-|#)?([0-9]{1,9})$`)

// ListItems returns a page of a product's items that match q, in rank order.
func (s *Store) ListItems(ctx context.Context, team string, q backlog.Query) (backlog.Page, error) {
	var page backlog.Page
	err := s.readTeam(ctx, team, "item.list", func(db queryer) error {
		key, err := productKey(ctx, db, team, q.ProductID)
		if err != nil {
			return err
		}
		query, args := s.itemQuery(team, q)
		rows, err := db.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("sqlstore: list items: %w", err)
		}
		items, err := scanItems(rows)
		if err != nil {
			return err
		}
		if len(items) > q.Limit {
			items = items[:q.Limit]
			page.NextCursor = items[len(items)-1].Rank
		}
		for i := range items {
			items[i].Key = itemKey(key, items[i].Number)
		}
		page.Items = items
		return nil
	})
	return page, err
}

// itemQuery builds the SQL of a list query, one row beyond the page.
func (s *Store) itemQuery(team string, q backlog.Query) (string, []any) {
	args := []any{team, q.ProductID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	in := func(col string, vs []string) string {
		ps := make([]string, len(vs))
		for i, v := range vs {
			ps[i] = arg(v)
		}
		return " AND " + col + " IN (" + strings.Join(ps, ", ") + ")"
	}
	var w strings.Builder
	w.WriteString(`SELECT ` + itemColumns + ` FROM items WHERE team_id = $1 AND product_id = $2`)
	if q.Cursor != "" {
		w.WriteString(" AND rank > " + arg(q.Cursor))
	}
	switch q.SprintID {
	case "":
	case backlog.SprintNone:
		w.WriteString(" AND sprint_id IS NULL")
	default:
		w.WriteString(" AND sprint_id = " + arg(q.SprintID))
	}
	if len(q.Kinds) > 0 {
		ks := make([]string, len(q.Kinds))
		for i, k := range q.Kinds {
			ks[i] = string(k)
		}
		w.WriteString(in("kind", ks))
	}
	if len(q.StatusIDs) > 0 {
		w.WriteString(in("status_id", q.StatusIDs))
	}
	if len(q.Categories) > 0 {
		cs := make([]string, len(q.Categories))
		for i, c := range q.Categories {
			cs[i] = string(c)
		}
		w.WriteString(in("status_category", cs))
	}
	if q.ParentID != "" {
		w.WriteString(" AND parent_id = " + arg(q.ParentID))
	}
	if len(q.Assignees) > 0 {
		w.WriteString(" AND EXISTS (SELECT 1 FROM item_assignees a WHERE a.team_id = items.team_id AND a.item_id = items.id" +
			strings.Replace(in("a.account_id", q.Assignees), " AND ", " AND ", 1) + ")")
	}
	if len(q.Labels) > 0 {
		ls := make([]string, len(q.Labels))
		for i, l := range q.Labels {
			ls[i] = strings.ToLower(l)
		}
		w.WriteString(" AND EXISTS (SELECT 1 FROM item_labels l WHERE l.team_id = items.team_id AND l.item_id = items.id" +
			in("l.label", ls) + ")")
	}
	if q.Text != "" {
		var conds []string
		if words := backlog.SearchWords(q.Text); len(words) > 0 {
			if s.engine == Postgres {
				terms := make([]string, len(words))
				for i, wd := range words {
					terms[i] = wd + ":*"
				}
				conds = append(conds, "id IN (SELECT item_id FROM item_search WHERE team_id = $1 AND search @@ to_tsquery('simple', "+
					arg(strings.Join(terms, " & "))+"))")
			} else {
				terms := make([]string, len(words))
				for i, wd := range words {
					terms[i] = `"` + wd + `"*`
				}
				conds = append(conds, "doc IN (SELECT rowid FROM items_fts WHERE items_fts MATCH "+arg(strings.Join(terms, " "))+")")
			}
		}
		if m := keyRef.FindStringSubmatch(q.Text); m != nil {
			n, _ := strconv.ParseInt(m[1], 10, 64)
			conds = append(conds, "number = "+arg(n))
		}
		if len(conds) == 0 {
			conds = append(conds, "FALSE")
		}
		w.WriteString(" AND (" + strings.Join(conds, " OR ") + ")")
	}
	w.WriteString(" ORDER BY rank LIMIT " + arg(q.Limit+1))
	return w.String(), args
}

// Saved filters.

const filterColumns = `id, team_id, account_id, product_id, name, query, created_at, updated_at, version`

func scanFilter(r rowScanner) (backlog.SavedFilter, error) {
	var f backlog.SavedFilter
	var query string
	var created, updated int64
	if err := r.Scan(&f.ID, &f.TeamID, &f.AccountID, &f.ProductID, &f.Name, &query, &created, &updated, &f.Version); err != nil {
		return f, err
	}
	f.CreatedAt, f.UpdatedAt = fromMS(created), fromMS(updated)
	if err := json.Unmarshal([]byte(query), &f.Filter); err != nil {
		return f, fmt.Errorf("sqlstore: saved filter %s: %w", f.ID, err)
	}
	return f, nil
}

// SavedFilters returns the filters accountID saved in team, by name.
func (s *Store) SavedFilters(ctx context.Context, team, accountID string) ([]backlog.SavedFilter, error) {
	out := []backlog.SavedFilter{}
	err := s.readTeam(ctx, team, "filter.list", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT `+filterColumns+` FROM saved_filters WHERE team_id = $1 AND account_id = $2 ORDER BY name, id`, team, accountID)
		if err != nil {
			return fmt.Errorf("sqlstore: saved filters: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			f, err := scanFilter(rows)
			if err != nil {
				return err
			}
			out = append(out, f)
		}
		return rows.Err()
	})
	return out, err
}

func loadFilter(ctx context.Context, q queryer, team, id string) (backlog.SavedFilter, error) {
	f, err := scanFilter(q.QueryRowContext(ctx, `SELECT `+filterColumns+` FROM saved_filters WHERE team_id = $1 AND id = $2`, team, id))
	if errors.Is(err, sql.ErrNoRows) {
		return f, backlog.ErrFilterNotFound
	}
	return f, err
}

// SavedFilter returns one saved filter of team.
func (s *Store) SavedFilter(ctx context.Context, team, id string) (backlog.SavedFilter, error) {
	var f backlog.SavedFilter
	err := s.readTeam(ctx, team, "filter.get", func(q queryer) (err error) {
		f, err = loadFilter(ctx, q, team, id)
		return err
	})
	return f, err
}

// CreateSavedFilter saves f (its AccountID, ProductID, Name and Filter).
func (s *Store) CreateSavedFilter(ctx context.Context, team string, f backlog.SavedFilter) (backlog.SavedFilter, error) {
	err := s.inTeam(ctx, team, "filter.create", func(t *tx) error {
		if _, err := productKey(ctx, t, team, f.ProductID); err != nil {
			return err
		}
		f.ID, f.TeamID, f.CreatedAt, f.UpdatedAt, f.Version = newID(), team, t.now, t.now, 1
		_, err := t.ExecContext(ctx, `INSERT INTO saved_filters (`+filterColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 1)`,
			f.ID, team, f.AccountID, f.ProductID, f.Name, jsonText(f.Filter), ms(t.now))
		if err != nil {
			return fmt.Errorf("sqlstore: save filter: %w", err)
		}
		return t.record("filter", f.ID, "created", 1, activity.Diff(nil, f))
	})
	return f, err
}

// UpdateSavedFilter changes a saved filter still at version.
func (s *Store) UpdateSavedFilter(ctx context.Context, team, id string, version int64, p backlog.FilterPatch) (backlog.SavedFilter, error) {
	var after backlog.SavedFilter
	err := s.inTeam(ctx, team, "filter.update", func(t *tx) error {
		before, err := loadFilter(ctx, t, team, id)
		if err != nil {
			return err
		}
		if before.Version != version {
			return &errkind.VersionConflict{Entity: "filter", Version: before.Version, Current: before}
		}
		after = before
		if p.Name != nil {
			after.Name = *p.Name
		}
		if p.Filter != nil {
			after.Filter = *p.Filter
		}
		after.Version, after.UpdatedAt = before.Version+1, t.now
		_, err = t.ExecContext(ctx, `UPDATE saved_filters SET name = $1, query = $2, updated_at = $3, version = $4 WHERE team_id = $5 AND id = $6`,
			after.Name, jsonText(after.Filter), ms(t.now), after.Version, team, id)
		if err != nil {
			return fmt.Errorf("sqlstore: update filter: %w", err)
		}
		return t.record("filter", id, "updated", after.Version, activity.Diff(before, after))
	})
	return after, err
}

// DeleteSavedFilter deletes a saved filter still at version.
func (s *Store) DeleteSavedFilter(ctx context.Context, team, id string, version int64) error {
	return s.inTeam(ctx, team, "filter.delete", func(t *tx) error {
		before, err := loadFilter(ctx, t, team, id)
		if err != nil {
			return err
		}
		if before.Version != version {
			return &errkind.VersionConflict{Entity: "filter", Version: before.Version, Current: before}
		}
		if _, err := t.ExecContext(ctx, `DELETE FROM saved_filters WHERE team_id = $1 AND id = $2`, team, id); err != nil {
			return fmt.Errorf("sqlstore: delete filter: %w", err)
		}
		return t.record("filter", id, "deleted", before.Version+1, activity.Diff(before, nil))
	})
}
