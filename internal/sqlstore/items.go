package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/notification"
)

// Items. A product's backlog order is items.rank (see backlog/rank.go): a
// move computes one new rank from the neighbours, found through the unique
// index (team_id, product_id, rank), and writes one row. When a rank would get
// longer than backlog.MaxRankLen the product's ranks are spread again in the
// same transaction. On PostgreSQL rank writers of one product take turns
// through an advisory lock; the unique index on ranks is the last guard, and a
// write it refuses is retried.

var _ backlog.Store = (*Store)(nil)

const itemColumns = `id, team_id, product_id, number, kind, parent_id, title, description, criteria, points,
	assignees, labels, priority, due_date, origin_ceremony, origin_id, status_id, status_category,
	sprint_id, rank, created_by, created_at, updated_at, status_changed_at, version`

type rowScanner interface{ Scan(dest ...any) error }

// scanItem reads a row of itemColumns, followed by extra columns into extra.
func scanItem(r rowScanner, extra ...any) (backlog.Item, error) {
	var (
		it                          backlog.Item
		parent, sprint              sql.NullString
		points                      sql.NullFloat64
		criteria, assignees, labels string
		ceremony, session           string
		created, updated, moved     int64
	)
	dest := append([]any{&it.ID, &it.TeamID, &it.ProductID, &it.Number, &it.Kind, &parent, &it.Title, &it.Description,
		&criteria, &points, &assignees, &labels, &it.Priority, &it.DueDate, &ceremony, &session,
		&it.StatusID, &it.StatusCategory, &sprint, &it.Rank, &it.CreatedBy, &created, &updated, &moved, &it.Version}, extra...)
	err := r.Scan(dest...)
	if err != nil {
		return it, err
	}
	it.ParentID, it.SprintID = parent.String, sprint.String
	if points.Valid {
		v := points.Float64
		it.Points = &v
	}
	if ceremony != "" {
		it.Origin = &backlog.Origin{Ceremony: backlog.Ceremony(ceremony), SessionID: session}
	}
	it.CreatedAt, it.UpdatedAt, it.StatusChangedAt = fromMS(created), fromMS(updated), fromMS(moved)
	if err := errors.Join(json.Unmarshal([]byte(criteria), &it.Criteria), json.Unmarshal([]byte(assignees), &it.Assignees),
		json.Unmarshal([]byte(labels), &it.Labels)); err != nil {
		return it, fmt.Errorf("sqlstore: item %s: %w", it.ID, err)
	}
	return it, nil
}

func scanItems(rows *sql.Rows) ([]backlog.Item, error) {
	defer rows.Close()
	out := []backlog.Item{}
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: scan item: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullFloat(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// placeholders returns "$from, $from+1, ..." for n arguments.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(from+i))
	}
	return b.String()
}

// productKey returns the key of one of team's products.
func productKey(ctx context.Context, q queryer, team, product string) (string, error) {
	var key string
	err := q.QueryRowContext(ctx, `SELECT key FROM products WHERE team_id = $1 AND id = $2`, team, product).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return "", backlog.ErrProductNotFound
	}
	if err != nil {
		return "", fmt.Errorf("sqlstore: product key: %w", err)
	}
	return key, nil
}

func itemKey(key string, n int64) string { return key + "-" + strconv.FormatInt(n, 10) }

// loadItem reads one item of team, with its key, in one query.
func loadItem(ctx context.Context, q queryer, team, id string) (backlog.Item, error) {
	var key sql.NullString
	it, err := scanItem(q.QueryRowContext(ctx, `SELECT `+itemColumns+`,
		(SELECT p.key FROM products p WHERE p.team_id = items.team_id AND p.id = items.product_id)
		FROM items WHERE team_id = $1 AND id = $2`, team, id), &key)
	if errors.Is(err, sql.ErrNoRows) {
		return it, backlog.ErrItemNotFound
	}
	if err != nil {
		return it, fmt.Errorf("sqlstore: load item: %w", err)
	}
	if !key.Valid {
		return it, backlog.ErrProductNotFound
	}
	it.Key = itemKey(key.String, it.Number)
	return it, nil
}

// Item returns one of team's items.
func (s *Store) Item(ctx context.Context, team, id string) (backlog.Item, error) {
	var it backlog.Item
	err := s.readTeam(ctx, team, "item.get", func(q queryer) (err error) {
		it, err = loadItem(ctx, q, team, id)
		return err
	})
	return it, err
}

// ItemByKey returns one of team's items by its key, such as "PAMA-42".
func (s *Store) ItemByKey(ctx context.Context, team, key string) (backlog.Item, error) {
	i := strings.LastIndexByte(key, '-')
	n, err := strconv.ParseInt(key[i+1:], 10, 64)
	if i <= 0 || err != nil {
		return backlog.Item{}, backlog.ErrItemNotFound
	}
	var it backlog.Item
	err = s.readTeam(ctx, team, "item.get_by_key", func(q queryer) error {
		var id string
		err := q.QueryRowContext(ctx, `SELECT i.id FROM items i JOIN products p ON p.team_id = i.team_id AND p.id = i.product_id
			WHERE i.team_id = $1 AND upper(p.key) = upper($2) AND i.number = $3`, team, key[:i], n).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return backlog.ErrItemNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlstore: item by key: %w", err)
		}
		it, err = loadItem(ctx, q, team, id)
		return err
	})
	return it, err
}

// retryRanks runs fn again (up to a few times) when it fails on a unique
// index: on PostgreSQL a concurrent writer took the rank or number it chose.
func retryRanks(fn func() error) error {
	var err error
	for range 5 {
		if err = fn(); err == nil || !isUniqueViolation(err) {
			return err
		}
	}
	return fmt.Errorf("sqlstore: concurrent writers kept taking the same place: %w", errors.Join(errkind.Conflict, err))
}

// CreateItem adds an item to its product's backlog.
func (s *Store) CreateItem(ctx context.Context, team string, n backlog.NewItem) (backlog.Item, error) {
	var it backlog.Item
	err := retryRanks(func() error {
		return s.inTeam(ctx, team, "item.create", func(t *tx) error {
			key, err := productKey(ctx, t, team, n.ProductID)
			if err != nil {
				return err
			}
			it = backlog.Item{
				ID: newID(), TeamID: team, ProductID: n.ProductID, Kind: n.Kind, ParentID: n.ParentID,
				Title: n.Title, Description: n.Description, Criteria: n.Criteria, Points: n.Points,
				Assignees: n.Assignees, Labels: n.Labels, Priority: n.Priority, DueDate: n.DueDate,
				Origin: n.Origin, SprintID: n.SprintID, CreatedBy: activity.Actor(ctx),
				CreatedAt: t.now, UpdatedAt: t.now, StatusChangedAt: t.now, Version: 1,
			}
			statuses, err := s.ensureStatuses(t, team)
			if err != nil {
				return err
			}
			st, err := pickStatus(statuses, n.StatusID)
			if err != nil {
				return err
			}
			it.StatusID, it.StatusCategory = st.ID, st.Category
			if err := checkParent(t, team, &it); err != nil {
				return err
			}
			if err := checkSprint(t, team, it.ProductID, it.SprintID); err != nil {
				return err
			}
			if err := checkMembers(ctx, t, team, "assignees", it.Assignees); err != nil {
				return err
			}
			if err := t.QueryRowContext(ctx, `INSERT INTO item_counters (team_id, product_id, next_number) VALUES ($1, $2, 2)
				ON CONFLICT (team_id, product_id) DO UPDATE SET next_number = item_counters.next_number + 1
				RETURNING next_number - 1`, team, it.ProductID).Scan(&it.Number); err != nil {
				return fmt.Errorf("sqlstore: next item number: %w", err)
			}
			it.Key = itemKey(key, it.Number)
			if it.Rank, err = s.placeRank(t, team, it.ProductID, []string{it.ID}, n.Position); err != nil {
				return err
			}
			doc, err := s.nextDoc(t)
			if err != nil {
				return err
			}
			ceremony, session := "", ""
			if it.Origin != nil {
				ceremony, session = string(it.Origin.Ceremony), it.Origin.SessionID
			}
			_, err = t.ExecContext(ctx, `INSERT INTO items (id, team_id, product_id, number, kind, parent_id, title, description,
				criteria, points, assignees, labels, priority, due_date, origin_ceremony, origin_id, status_id, status_category,
				sprint_id, rank, doc, created_by, created_at, updated_at, status_changed_at, version)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $23, $23, 1)`,
				it.ID, team, it.ProductID, it.Number, it.Kind, nullString(it.ParentID), it.Title, it.Description,
				jsonText(it.Criteria), nullFloat(it.Points), jsonText(it.Assignees), jsonText(it.Labels), it.Priority, it.DueDate,
				ceremony, session, it.StatusID, it.StatusCategory, nullString(it.SprintID), it.Rank, doc, it.CreatedBy, ms(t.now))
			if err != nil {
				return fmt.Errorf("sqlstore: insert item: %w", err)
			}
			if err := writeItemLinks(t, team, it.ID, nil, it.Assignees, nil, it.Labels); err != nil {
				return err
			}
			if err := s.indexItem(t, team, it.ID, doc, false); err != nil {
				return err
			}
			if err := t.record("item", it.ID, "created", 1, activity.Diff(nil, it)); err != nil {
				return err
			}
			return s.notify(t, team, assignedNotices(nil, it.Assignees, it.ID))
		})
	})
	return it, err
}

// nextDoc returns the next full-text document number (SQLite only; on
// PostgreSQL item_search is keyed by the item).
func (s *Store) nextDoc(t *tx) (int64, error) {
	if s.engine == Postgres {
		return 0, nil
	}
	var doc int64
	if err := t.QueryRowContext(t.ctx, `SELECT coalesce(max(doc), 0) + 1 FROM items`).Scan(&doc); err != nil {
		return 0, fmt.Errorf("sqlstore: next search document: %w", err)
	}
	return doc, nil
}

// indexItem brings the full-text document of an item up to date from the
// items row (title, description, search_comments): the FTS5 row items_fts
// (rowid items.doc) on SQLite, the item_search row on PostgreSQL. Code that
// changes items.search_comments (comments) calls it in the same transaction.
// doc is the item's doc when the caller knows it (0: look it up); replace
// says whether the item was indexed before.
func (s *Store) indexItem(t *tx, team, id string, doc int64, replace bool) error {
	if s.engine == Postgres {
		_, err := t.ExecContext(t.ctx, `INSERT INTO item_search (team_id, item_id, search)
			SELECT team_id, id, setweight(to_tsvector('simple', title), 'A') ||
				setweight(to_tsvector('simple', description), 'B') ||
				setweight(to_tsvector('simple', search_comments), 'C')
			FROM items WHERE team_id = $1 AND id = $2
			ON CONFLICT (team_id, item_id) DO UPDATE SET search = excluded.search`, team, id)
		if err != nil {
			return fmt.Errorf("sqlstore: index item: %w", err)
		}
		return nil
	}
	if doc == 0 {
		if err := t.QueryRowContext(t.ctx, `SELECT doc FROM items WHERE team_id = $1 AND id = $2`, team, id).Scan(&doc); err != nil {
			return fmt.Errorf("sqlstore: find search document: %w", err)
		}
	}
	if replace {
		if _, err := t.ExecContext(t.ctx, `DELETE FROM items_fts WHERE rowid = $1`, doc); err != nil {
			return fmt.Errorf("sqlstore: unindex item: %w", err)
		}
	}
	_, err := t.ExecContext(t.ctx, `INSERT INTO items_fts (rowid, title, description, comments)
		SELECT doc, title, description, search_comments FROM items WHERE team_id = $1 AND id = $2`, team, id)
	if err != nil {
		return fmt.Errorf("sqlstore: index item: %w", err)
	}
	return nil
}

// unindexItem removes an item's full-text document.
func (s *Store) unindexItem(t *tx, team, id string) error {
	q := `DELETE FROM items_fts WHERE rowid = (SELECT doc FROM items WHERE team_id = $1 AND id = $2)`
	if s.engine == Postgres {
		q = `DELETE FROM item_search WHERE team_id = $1 AND item_id = $2`
	}
	if _, err := t.ExecContext(t.ctx, q, team, id); err != nil {
		return fmt.Errorf("sqlstore: unindex item: %w", err)
	}
	return nil
}

// writeItemLinks brings item_assignees and item_labels from the old lists to
// the new ones.
func writeItemLinks(t *tx, team, id string, oldA, newA, oldL, newL []string) error {
	lower := func(in []string) []string {
		out := make([]string, len(in))
		for i, s := range in {
			out[i] = strings.ToLower(s)
		}
		return out
	}
	oldL, newL = lower(oldL), lower(newL)
	for _, a := range oldA {
		if !slices.Contains(newA, a) {
			if _, err := t.ExecContext(t.ctx, `DELETE FROM item_assignees WHERE team_id = $1 AND item_id = $2 AND account_id = $3`, team, id, a); err != nil {
				return fmt.Errorf("sqlstore: unassign: %w", err)
			}
		}
	}
	for _, a := range newA {
		if !slices.Contains(oldA, a) {
			if _, err := t.ExecContext(t.ctx, `INSERT INTO item_assignees (team_id, item_id, account_id) VALUES ($1, $2, $3)`, team, id, a); err != nil {
				return fmt.Errorf("sqlstore: assign: %w", err)
			}
		}
	}
	for _, l := range oldL {
		if !slices.Contains(newL, l) {
			if _, err := t.ExecContext(t.ctx, `DELETE FROM item_labels WHERE team_id = $1 AND item_id = $2 AND label = $3`, team, id, l); err != nil {
				return fmt.Errorf("sqlstore: unlabel: %w", err)
			}
		}
	}
	for _, l := range newL {
		if !slices.Contains(oldL, l) {
			if _, err := t.ExecContext(t.ctx, `INSERT INTO item_labels (team_id, item_id, label) VALUES ($1, $2, $3)`, team, id, l); err != nil {
				return fmt.Errorf("sqlstore: label: %w", err)
			}
		}
	}
	return nil
}

// checkMembers reports accounts that are not members of team.
func checkMembers(ctx context.Context, q queryer, team, field string, accounts []string) error {
	if len(accounts) == 0 {
		return nil
	}
	args := []any{team}
	for _, a := range accounts {
		args = append(args, a)
	}
	rows, err := q.QueryContext(ctx, `SELECT account_id FROM members WHERE team_id = $1 AND account_id IN (`+placeholders(2, len(accounts))+`)`, args...)
	if err != nil {
		return fmt.Errorf("sqlstore: check members: %w", err)
	}
	defer rows.Close()
	found := map[string]bool{}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return err
		}
		found[a] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i, a := range accounts {
		if !found[a] {
			return &errkind.FieldError{Field: fmt.Sprintf("%s.%d", field, i), Message: "is not a member of the team", Value: a}
		}
	}
	return nil
}

// checkParent checks it's parent link: same product, the kind rules, and no
// cycle through it.
func checkParent(t *tx, team string, it *backlog.Item) error {
	if it.ParentID == "" {
		return backlog.CheckParent(it.Kind, "")
	}
	if it.ParentID == it.ID {
		return errkind.Field("parent_id", "an item cannot be its own parent")
	}
	var kind backlog.Kind
	var product string
	err := t.QueryRowContext(t.ctx, `SELECT kind, product_id FROM items WHERE team_id = $1 AND id = $2`, team, it.ParentID).Scan(&kind, &product)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && product != it.ProductID) {
		return &errkind.FieldError{Field: "parent_id", Message: "is not an item of this product", Value: it.ParentID}
	}
	if err != nil {
		return fmt.Errorf("sqlstore: load parent: %w", err)
	}
	if err := backlog.CheckParent(it.Kind, kind); err != nil {
		return err
	}
	// Walk up from the parent: the item must not be among its ancestors.
	cur := it.ParentID
	for range backlog.MaxDepth + 1 {
		var up sql.NullString
		if err := t.QueryRowContext(t.ctx, `SELECT parent_id FROM items WHERE team_id = $1 AND id = $2`, team, cur).Scan(&up); err != nil {
			return fmt.Errorf("sqlstore: walk parents: %w", err)
		}
		if !up.Valid {
			return nil
		}
		if up.String == it.ID {
			return errkind.Field("parent_id", "would make the item its own ancestor")
		}
		cur = up.String
	}
	return errkind.Field("parent_id", "the parent chain is too deep")
}

// checkSprint checks that sprint ("" for none) is a sprint of product that
// can still take items.
func checkSprint(t *tx, team, product, sprint string) error {
	if sprint == "" {
		return nil
	}
	var p, state string
	err := t.QueryRowContext(t.ctx, `SELECT product_id, state FROM sprints WHERE team_id = $1 AND id = $2`, team, sprint).Scan(&p, &state)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && p != product) {
		return &errkind.FieldError{Field: "sprint_id", Message: "is not a sprint of this product", Value: sprint}
	}
	if err != nil {
		return fmt.Errorf("sqlstore: load sprint: %w", err)
	}
	if state == "completed" {
		return backlog.ErrSprintClosed
	}
	return nil
}

func pickStatus(statuses []backlog.Status, id string) (backlog.Status, error) {
	for _, st := range statuses {
		if (id == "" && st.Category == backlog.CategoryTodo) || (id != "" && st.ID == id) {
			return st, nil
		}
	}
	if id == "" {
		return backlog.Status{}, errors.New("sqlstore: the workflow has no to-do status")
	}
	return backlog.Status{}, &errkind.FieldError{Field: "status_id", Message: "is not a status of this team", Value: id}
}

// placeRank returns a rank for items placed at pos in product, ignoring the
// items named in moving (they are the ones being placed). It spreads the
// product's ranks first if the new rank would be too long.
func (s *Store) placeRank(t *tx, team, product string, moving []string, pos backlog.Position) (string, error) {
	rs, err := s.placeRanks(t, team, product, moving, pos, 1)
	if err != nil {
		return "", err
	}
	return rs[0], nil
}

func (s *Store) placeRanks(t *tx, team, product string, moving []string, pos backlog.Position, n int) ([]string, error) {
	// Writers of one product's ranks take turns (PostgreSQL; SQLite has one
	// writer per team), so two never pick the same rank.
	if err := s.lock(t, "ranks:"+product); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		a, b, err := neighbours(t, team, product, moving, pos)
		if err != nil {
			return nil, err
		}
		rs, err := backlog.RanksBetween(a, b, n)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: rank between %q and %q: %w", a, b, err)
		}
		long := slices.ContainsFunc(rs, func(r string) bool { return len(r) > backlog.MaxRankLen })
		if !long || attempt > 0 {
			return rs, nil
		}
		if err := s.rebalance(t, team, product); err != nil {
			return nil, err
		}
	}
}

// neighbours returns the ranks just above and below pos ("" at either end),
// leaving out the items in moving.
func neighbours(t *tx, team, product string, moving []string, pos backlog.Position) (a, b string, err error) {
	args := []any{team, product}
	for _, id := range moving {
		args = append(args, id)
	}
	notMoving := ` AND id NOT IN (` + placeholders(3, len(moving)) + `)`
	if len(moving) == 0 {
		notMoving = ""
	}
	first := func(cond, order string) (string, error) {
		var r string
		err := t.QueryRowContext(t.ctx, `SELECT rank FROM items WHERE team_id = $1 AND product_id = $2`+notMoving+cond+
			` ORDER BY rank `+order+` LIMIT 1`, args...).Scan(&r)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("sqlstore: neighbour rank: %w", err)
		}
		return r, nil
	}
	// anchorAndNext reads the anchor's rank and, in the same query, the
	// rank next to it in the direction given (cmp "<" or ">").
	anchorAndNext := func(id, field, cmp, order string) (anchor, beside string, err error) {
		if slices.Contains(moving, id) {
			return "", "", errkind.Field(field, "cannot be an item that is being moved")
		}
		var p string
		var near sql.NullString
		anchorArg := "$" + strconv.Itoa(len(args)+1)
		err = t.QueryRowContext(t.ctx, `SELECT x.rank, x.product_id, (SELECT rank FROM items WHERE team_id = $1 AND product_id = $2`+
			notMoving+` AND rank `+cmp+` x.rank ORDER BY rank `+order+` LIMIT 1)
			FROM items x WHERE x.team_id = $1 AND x.id = `+anchorArg, append(slices.Clone(args), id)...).Scan(&anchor, &p, &near)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && p != product) {
			return "", "", &errkind.FieldError{Field: field, Message: "is not an item of this product", Value: id}
		}
		if err != nil {
			return "", "", fmt.Errorf("sqlstore: neighbour rank: %w", err)
		}
		return anchor, near.String, nil
	}
	switch {
	case pos.Top:
		b, err = first("", "ASC")
	case pos.AfterID != "":
		a, b, err = anchorAndNext(pos.AfterID, "position.after_id", ">", "ASC")
	case pos.BeforeID != "":
		b, a, err = anchorAndNext(pos.BeforeID, "position.before_id", "<", "DESC")
	default: // bottom
		a, err = first("", "DESC")
	}
	return a, b, err
}

// rebalance spreads the ranks of product's items evenly, keeping their order.
// It rewrites every rank of the product, so it runs only when a rank grows
// too long; the unique index on ranks is kept by first moving every rank out
// of the way ('~' sorts after every rank digit).
func (s *Store) rebalance(t *tx, team, product string) error {
	rows, err := t.QueryContext(t.ctx, `SELECT id FROM items WHERE team_id = $1 AND product_id = $2 ORDER BY rank`, team, product)
	if err != nil {
		return fmt.Errorf("sqlstore: rebalance: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := t.ExecContext(t.ctx, `UPDATE items SET rank = '~' || id WHERE team_id = $1 AND product_id = $2`, team, product); err != nil {
		return fmt.Errorf("sqlstore: rebalance: %w", err)
	}
	ranks := backlog.Spread(len(ids))
	stmt, err := t.PrepareContext(t.ctx, `UPDATE items SET rank = $1 WHERE team_id = $2 AND id = $3`)
	if err != nil {
		return fmt.Errorf("sqlstore: rebalance: %w", err)
	}
	defer stmt.Close()
	for i, id := range ids {
		if _, err := stmt.ExecContext(t.ctx, ranks[i], team, id); err != nil {
			return fmt.Errorf("sqlstore: rebalance: %w", err)
		}
	}
	s.log.Info("spread backlog ranks", "team", team, "product", product, "items", len(ids))
	return t.record("backlog", product, "rebalanced", 0, nil)
}

// UpdateItem applies p to an item still at version.
func (s *Store) UpdateItem(ctx context.Context, team, id string, version int64, p backlog.Patch) (backlog.Item, error) {
	var after backlog.Item
	err := s.inTeam(ctx, team, "item.update", func(t *tx) error {
		before, err := loadItem(ctx, t, team, id)
		if err != nil {
			return err
		}
		if before.Version != version {
			return &errkind.VersionConflict{Entity: "item", Version: before.Version, Current: before}
		}
		after = cloneItem(before)
		p.Apply(&after)
		if p.SprintID != nil {
			after.SprintID = *p.SprintID
		}
		if after.Kind != before.Kind || after.ParentID != before.ParentID {
			if err := checkParent(t, team, &after); err != nil {
				return err
			}
		}
		if after.Kind != before.Kind {
			kinds, err := childKinds(t, team, id)
			if err != nil {
				return err
			}
			if err := backlog.CheckChildren(after.Kind, kinds); err != nil {
				return err
			}
		}
		if after.SprintID != before.SprintID {
			if err := checkSprint(t, team, after.ProductID, after.SprintID); err != nil {
				return err
			}
		}
		if !slices.Equal(after.Assignees, before.Assignees) {
			if err := checkMembers(ctx, t, team, "assignees", after.Assignees); err != nil {
				return err
			}
		}
		if p.StatusID != nil && *p.StatusID != before.StatusID {
			statuses, err := s.ensureStatuses(t, team)
			if err != nil {
				return err
			}
			st, err := pickStatus(statuses, *p.StatusID)
			if err != nil {
				return err
			}
			after.StatusID, after.StatusCategory, after.StatusChangedAt = st.ID, st.Category, t.now
		}
		return saveItem(s, t, team, before, &after)
	})
	return after, err
}

func cloneItem(it backlog.Item) backlog.Item {
	c := it
	c.Criteria = slices.Clone(it.Criteria)
	c.Assignees = slices.Clone(it.Assignees)
	c.Labels = slices.Clone(it.Labels)
	if it.Points != nil {
		v := *it.Points
		c.Points = &v
	}
	return c
}

func childKinds(t *tx, team, id string) ([]backlog.Kind, error) {
	rows, err := t.QueryContext(t.ctx, `SELECT DISTINCT kind FROM items WHERE team_id = $1 AND parent_id = $2`, team, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: child kinds: %w", err)
	}
	defer rows.Close()
	var out []backlog.Kind
	for rows.Next() {
		var k backlog.Kind
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// saveItem writes after over before (same id), bumping the version, keeping
// the links and the search index in step, and records the change: "moved"
// when the status changed, "reordered" when only the rank did, "updated"
// otherwise.
func saveItem(s *Store, t *tx, team string, before backlog.Item, after *backlog.Item) error {
	after.Version = before.Version + 1
	after.UpdatedAt = t.now
	res, err := t.ExecContext(t.ctx, `UPDATE items SET kind = $1, parent_id = $2, title = $3, description = $4, criteria = $5,
		points = $6, assignees = $7, labels = $8, priority = $9, due_date = $10, status_id = $11, status_category = $12,
		sprint_id = $13, rank = $14, updated_at = $15, status_changed_at = $16, version = $17
		WHERE team_id = $18 AND id = $19 AND version = $20`,
		after.Kind, nullString(after.ParentID), after.Title, after.Description, jsonText(after.Criteria),
		nullFloat(after.Points), jsonText(after.Assignees), jsonText(after.Labels), after.Priority, after.DueDate,
		after.StatusID, after.StatusCategory, nullString(after.SprintID), after.Rank, ms(after.UpdatedAt),
		ms(after.StatusChangedAt), after.Version, team, after.ID, before.Version)
	if err != nil {
		return fmt.Errorf("sqlstore: update item: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return &errkind.VersionConflict{Entity: "item", Version: before.Version + 1}
	}
	if !slices.Equal(before.Assignees, after.Assignees) || !slices.Equal(before.Labels, after.Labels) {
		if err := writeItemLinks(t, team, after.ID, before.Assignees, after.Assignees, before.Labels, after.Labels); err != nil {
			return err
		}
	}
	if before.Title != after.Title || before.Description != after.Description {
		if err := s.indexItem(t, team, after.ID, 0, true); err != nil {
			return err
		}
	}
	changes := activity.Diff(before, after)
	action := "updated"
	switch {
	case before.StatusID != after.StatusID:
		action = "moved"
	case before.Rank != after.Rank && len(changes) == 1:
		action = "reordered"
	}
	if err := t.record("item", after.ID, action, after.Version, changes); err != nil {
		return err
	}
	return s.notify(t, team, assignedNotices(before.Assignees, after.Assignees, after.ID))
}

// assignedNotices notifies the accounts in after that are not in before that
// they were assigned the item (notify skips the actor).
func assignedNotices(before, after []string, itemID string) []notification.Notice {
	var out []notification.Notice
	for _, a := range after {
		if !slices.Contains(before, a) {
			out = append(out, notification.Notice{AccountID: a, Kind: notification.KindAssigned, ItemID: itemID})
		}
	}
	return out
}

// MoveItem gives an item a new status, a new rank, or both, in one write.
func (s *Store) MoveItem(ctx context.Context, team, id string, m backlog.Move) (backlog.Item, error) {
	var after backlog.Item
	err := retryRanks(func() error {
		return s.inTeam(ctx, team, "item.move", func(t *tx) error {
			before, err := loadItem(ctx, t, team, id)
			if err != nil {
				return err
			}
			if before.Version != m.Version {
				return &errkind.VersionConflict{Entity: "item", Version: before.Version, Current: before}
			}
			after = cloneItem(before)
			if m.StatusID != "" && m.StatusID != before.StatusID {
				statuses, err := s.ensureStatuses(t, team)
				if err != nil {
					return err
				}
				st, err := pickStatus(statuses, m.StatusID)
				if err != nil {
					return err
				}
				after.StatusID, after.StatusCategory, after.StatusChangedAt = st.ID, st.Category, t.now
			}
			if !m.Position.IsZero() {
				if after.Rank, err = s.placeRank(t, team, before.ProductID, []string{id}, m.Position); err != nil {
					return err
				}
			}
			if after.StatusID == before.StatusID && after.Rank == before.Rank {
				return nil // dropped where it was: nothing to write
			}
			return saveItem(s, t, team, before, &after)
		})
	})
	return after, err
}

// DeleteItem deletes an item with no children, if it is still at version.
func (s *Store) DeleteItem(ctx context.Context, team, id string, version int64) error {
	return s.inTeam(ctx, team, "item.delete", func(t *tx) error {
		before, err := loadItem(ctx, t, team, id)
		if err != nil {
			return err
		}
		if before.Version != version {
			return &errkind.VersionConflict{Entity: "item", Version: before.Version, Current: before}
		}
		var n int
		if err := t.QueryRowContext(ctx, `SELECT count(*) FROM items WHERE team_id = $1 AND parent_id = $2`, team, id).Scan(&n); err != nil {
			return fmt.Errorf("sqlstore: count children: %w", err)
		}
		if n > 0 {
			return backlog.ErrHasChildren
		}
		if err := s.unindexItem(t, team, id); err != nil {
			return err
		}
		// The item's discussion and files go with it (their history stays
		// in the activity record); the files' content is swept from the trash.
		if err := s.trashAttachments(t, team, "item_id", id, false); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM comments WHERE team_id = $1 AND item_id = $2`,
			`DELETE FROM notifications WHERE team_id = $1 AND item_id = $2`,
			`DELETE FROM item_assignees WHERE team_id = $1 AND item_id = $2`,
			`DELETE FROM item_labels WHERE team_id = $1 AND item_id = $2`,
			`DELETE FROM items WHERE team_id = $1 AND id = $2`,
		} {
			if _, err := t.ExecContext(ctx, q, team, id); err != nil {
				return fmt.Errorf("sqlstore: delete item: %w", err)
			}
		}
		return t.record("item", id, "deleted", before.Version+1, activity.Diff(before, nil))
	})
}

// BulkEditItems applies one change to several items of a product in one
// transaction. Each changed item gets its own version and activity record.
func (s *Store) BulkEditItems(ctx context.Context, team string, b backlog.Bulk) ([]backlog.Item, error) {
	var out []backlog.Item
	err := retryRanks(func() error {
		out = nil
		return s.inTeam(ctx, team, "item.bulk_edit", func(t *tx) error {
			key, err := productKey(ctx, t, team, b.ProductID)
			if err != nil {
				return err
			}
			args := []any{team}
			for _, id := range b.ItemIDs {
				args = append(args, id)
			}
			rows, err := t.QueryContext(ctx, `SELECT `+itemColumns+` FROM items WHERE team_id = $1 AND id IN (`+
				placeholders(2, len(b.ItemIDs))+`) ORDER BY rank`, args...)
			if err != nil {
				return fmt.Errorf("sqlstore: bulk load: %w", err)
			}
			items, err := scanItems(rows)
			if err != nil {
				return err
			}
			for _, id := range b.ItemIDs {
				i := slices.IndexFunc(items, func(it backlog.Item) bool { return it.ID == id })
				if i < 0 || items[i].ProductID != b.ProductID {
					return &errkind.FieldError{Field: "item_ids", Message: "names an item that is not in this product", Value: id}
				}
			}
			var st *backlog.Status
			if b.StatusID != nil {
				statuses, err := s.ensureStatuses(t, team)
				if err != nil {
					return err
				}
				picked, err := pickStatus(statuses, *b.StatusID)
				if err != nil {
					return err
				}
				st = &picked
			}
			if b.SprintID != nil {
				if err := checkSprint(t, team, b.ProductID, *b.SprintID); err != nil {
					return err
				}
			}
			if err := checkMembers(ctx, t, team, "add_assignees", b.AddAssignees); err != nil {
				return err
			}
			var ranks []string
			if !b.Position.IsZero() {
				if ranks, err = s.placeRanks(t, team, b.ProductID, b.ItemIDs, b.Position, len(items)); err != nil {
					return err
				}
			}
			// Free the old ranks first so the new block never collides with
			// a rank still held by one of the moved items.
			if ranks != nil {
				for _, it := range items {
					if _, err := t.ExecContext(ctx, `UPDATE items SET rank = $1 WHERE team_id = $2 AND id = $3`, "~"+it.ID, team, it.ID); err != nil {
						return fmt.Errorf("sqlstore: bulk rank: %w", err)
					}
				}
			}
			for i, before := range items {
				before.Key = itemKey(key, before.Number)
				after := cloneItem(before)
				if st != nil && st.ID != before.StatusID {
					after.StatusID, after.StatusCategory, after.StatusChangedAt = st.ID, st.Category, t.now
				}
				if b.SprintID != nil {
					after.SprintID = *b.SprintID
				}
				after.Labels = editList(after.Labels, b.AddLabels, b.RemoveLabels, true)
				after.Assignees = editList(after.Assignees, b.AddAssignees, b.RemoveAssignees, false)
				if len(after.Labels) > backlog.MaxLabels || len(after.Assignees) > backlog.MaxAssignees {
					return &errkind.FieldError{Field: "item_ids", Message: "an item would get too many labels or assignees", Value: before.Key}
				}
				if ranks != nil {
					after.Rank = ranks[i]
				}
				if ranks == nil && equalItems(before, after) {
					out = append(out, before)
					continue
				}
				// The rank was parked above; compare against what was stored.
				if err := saveItem(s, t, team, before, &after); err != nil {
					return err
				}
				out = append(out, after)
			}
			return nil
		})
	})
	return out, err
}

func equalItems(a, b backlog.Item) bool {
	return jsonText(a) == jsonText(b)
}

// editList adds and removes entries (case-insensitively when fold is set).
func editList(list, add, remove []string, fold bool) []string {
	eq := func(x, y string) bool {
		if fold {
			return strings.EqualFold(x, y)
		}
		return x == y
	}
	out := []string{}
	for _, v := range list {
		if !slices.ContainsFunc(remove, func(r string) bool { return eq(r, v) }) {
			out = append(out, v)
		}
	}
	for _, v := range add {
		if !slices.ContainsFunc(out, func(o string) bool { return eq(o, v) }) {
			out = append(out, v)
		}
	}
	return out
}

// StatusCounts counts a product's items per status within a sprint
// (backlog.SprintNone: in no sprint).
func (s *Store) StatusCounts(ctx context.Context, team, product, sprint string) (map[string]int, error) {
	out := map[string]int{}
	err := s.readTeam(ctx, team, "item.status_counts", func(q queryer) error {
		query := `SELECT status_id, count(*) FROM items WHERE team_id = $1 AND product_id = $2 AND sprint_id = $3 GROUP BY status_id`
		args := []any{team, product, sprint}
		if sprint == backlog.SprintNone {
			query = `SELECT status_id, count(*) FROM items WHERE team_id = $1 AND product_id = $2 AND sprint_id IS NULL GROUP BY status_id`
			args = args[:2]
		}
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("sqlstore: status counts: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				return err
			}
			out[id] = n
		}
		return rows.Err()
	})
	return out, err
}
