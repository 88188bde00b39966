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
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/comment"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/notification"
)

// Comments. A comment change rewrites its item's search_comments (the text
// of the item's comments, newest first, up to comment.MaxSearchText bytes)
// and the item's search document in the same transaction, so search finds
// what was said and stops finding what was deleted.

var _ comment.Store = (*Store)(nil)

const commentColumns = `id, team_id, item_id, author_id, body, mentions, created_at, edited_at, deleted_at, deleted_by, version`

func scanComment(r rowScanner) (comment.Comment, error) {
	var (
		c                        comment.Comment
		mentions                 string
		created, edited, deleted int64
	)
	err := r.Scan(&c.ID, &c.TeamID, &c.ItemID, &c.AuthorID, &c.Body, &mentions, &created, &edited, &deleted, &c.DeletedBy, &c.Version)
	if err != nil {
		return c, err
	}
	c.CreatedAt, c.EditedAt, c.DeletedAt = fromMS(created), fromMS(edited), fromMS(deleted)
	c.Deleted = deleted != 0
	if err := json.Unmarshal([]byte(mentions), &c.Mentions); err != nil {
		return c, fmt.Errorf("sqlstore: comment %s mentions: %w", c.ID, err)
	}
	return c, nil
}

func loadComment(ctx context.Context, q queryer, team, id string) (comment.Comment, error) {
	c, err := scanComment(q.QueryRowContext(ctx, `SELECT `+commentColumns+` FROM comments WHERE team_id = $1 AND id = $2`, team, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, comment.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("sqlstore: load comment: %w", err)
	}
	return c, nil
}

// commentRecord is what the activity record keeps of a comment.
type commentRecord struct {
	ItemID    string   `json:"item_id"`
	AuthorID  string   `json:"author_id"`
	Body      string   `json:"body,omitempty"`
	Mentions  []string `json:"mentions,omitempty"`
	Deleted   bool     `json:"deleted,omitempty"`
	DeletedBy string   `json:"deleted_by,omitempty"`
}

func recordOfComment(c comment.Comment) commentRecord {
	return commentRecord{ItemID: c.ItemID, AuthorID: c.AuthorID, Body: c.Body, Mentions: c.Mentions, Deleted: c.Deleted, DeletedBy: c.DeletedBy}
}

// CreateComment implements comment.Store.
func (s *Store) CreateComment(ctx context.Context, team string, c comment.Comment, notices []notification.Notice) (comment.Comment, error) {
	err := s.inTeam(ctx, team, "comment.create", func(t *tx) error {
		var n int
		err := t.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM comments WHERE team_id = $1 AND item_id = $2)
			FROM items WHERE team_id = $1 AND id = $2`, team, c.ItemID).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return backlog.ErrItemNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlstore: count comments: %w", err)
		}
		if n >= comment.MaxPerItem {
			return comment.ErrTooMany
		}
		if c.Mentions == nil {
			c.Mentions = []string{}
		}
		c.ID, c.TeamID, c.CreatedAt, c.Version = newID(), team, t.now, 1
		c.EditedAt, c.DeletedAt, c.Deleted, c.DeletedBy = time.Time{}, time.Time{}, false, ""
		_, err = t.ExecContext(ctx, `INSERT INTO comments (`+commentColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, '', 1)`,
			c.ID, team, c.ItemID, c.AuthorID, c.Body, jsonText(c.Mentions), ms(t.now))
		if err != nil {
			return fmt.Errorf("sqlstore: insert comment: %w", err)
		}
		if err := s.indexComments(t, team, c.ItemID); err != nil {
			return err
		}
		if err := t.record("comment", c.ID, "created", 1, activity.Diff(nil, recordOfComment(c))); err != nil {
			return err
		}
		for i := range notices {
			if notices[i].CommentID == "" {
				notices[i].CommentID = c.ID
			}
		}
		return s.notify(t, team, notices)
	})
	return c, err
}

// Comment implements comment.Store.
func (s *Store) Comment(ctx context.Context, team, id string) (comment.Comment, error) {
	var c comment.Comment
	err := s.readTeam(ctx, team, "comment.get", func(q queryer) (err error) {
		c, err = loadComment(ctx, q, team, id)
		return err
	})
	return c, err
}

// Comments implements comment.Store.
func (s *Store) Comments(ctx context.Context, team, itemID, cursor string, limit int) ([]comment.Comment, string, error) {
	after, err := decodeCursor(cursor, 2)
	if err != nil {
		return nil, "", err
	}
	var at int64 = -1
	var id string
	if after != nil {
		if at, err = strconv.ParseInt(after[0], 10, 64); err != nil {
			return nil, "", errBadCursor
		}
		id = after[1]
	}
	out := []comment.Comment{}
	err = s.readTeam(ctx, team, "comment.list", func(q queryer) error {
		var one int
		err := q.QueryRowContext(ctx, `SELECT 1 FROM items WHERE team_id = $1 AND id = $2`, team, itemID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return backlog.ErrItemNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlstore: find item: %w", err)
		}
		rows, err := q.QueryContext(ctx, `SELECT `+commentColumns+` FROM comments
			WHERE team_id = $1 AND item_id = $2 AND (created_at, id) > ($3, $4)
			ORDER BY created_at, id LIMIT $5`, team, itemID, at, id, limit+1)
		if err != nil {
			return fmt.Errorf("sqlstore: list comments: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanComment(rows)
			if err != nil {
				return fmt.Errorf("sqlstore: scan comment: %w", err)
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	var next string
	if len(out) > limit {
		out = out[:limit]
		last := out[len(out)-1]
		next = encodeCursor(strconv.FormatInt(ms(last.CreatedAt), 10), last.ID)
	}
	return out, next, nil
}

// UpdateComment implements comment.Store.
func (s *Store) UpdateComment(ctx context.Context, team, id string, fn func(c *comment.Comment) ([]notification.Notice, error)) (comment.Comment, error) {
	var after comment.Comment
	err := s.inTeam(ctx, team, "comment.update", func(t *tx) error {
		before, err := loadComment(ctx, t, team, id)
		if err != nil {
			return err
		}
		after = before
		after.Mentions = slices.Clone(before.Mentions)
		notices, err := fn(&after)
		if err != nil {
			return err
		}
		if after.Mentions == nil {
			after.Mentions = []string{}
		}
		deleting := after.Deleted && !before.Deleted
		switch {
		case deleting:
			after.Body, after.Mentions, after.DeletedAt = "", []string{}, t.now
		case after.Body == before.Body && slices.Equal(after.Mentions, before.Mentions):
			after = before
			return nil // nothing to change
		case after.Body != before.Body:
			after.EditedAt = t.now
		}
		after.ID, after.TeamID, after.ItemID, after.AuthorID, after.CreatedAt = before.ID, before.TeamID, before.ItemID, before.AuthorID, before.CreatedAt
		after.Version = before.Version + 1
		res, err := t.ExecContext(ctx, `UPDATE comments SET body = $1, mentions = $2, edited_at = $3, deleted_at = $4, deleted_by = $5,
			version = $6 WHERE team_id = $7 AND id = $8 AND version = $9`,
			after.Body, jsonText(after.Mentions), ms(after.EditedAt), ms(after.DeletedAt), after.DeletedBy,
			after.Version, team, id, before.Version)
		if err != nil {
			return fmt.Errorf("sqlstore: update comment: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return &errkind.VersionConflict{Entity: "comment", Version: before.Version + 1}
		}
		if after.Body != before.Body {
			if err := s.indexComments(t, team, after.ItemID); err != nil {
				return err
			}
		}
		action := "updated"
		if deleting {
			action = "deleted"
			if err := s.trashAttachments(t, team, "comment_id", id, true); err != nil {
				return err
			}
		}
		changes := activity.WithContext(activity.Diff(recordOfComment(before), recordOfComment(after)), "item_id", after.ItemID)
		if err := t.record("comment", id, action, after.Version, changes); err != nil {
			return err
		}
		return s.notify(t, team, notices)
	})
	return after, err
}

// indexComments rewrites an item's search_comments from its comments and
// brings its search document up to date.
func (s *Store) indexComments(t *tx, team, itemID string) error {
	rows, err := t.QueryContext(t.ctx, `SELECT body FROM comments WHERE team_id = $1 AND item_id = $2 AND deleted_at = 0
		ORDER BY created_at DESC, id DESC`, team, itemID)
	if err != nil {
		return fmt.Errorf("sqlstore: read comments for search: %w", err)
	}
	var b strings.Builder
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			rows.Close()
			return fmt.Errorf("sqlstore: read comments for search: %w", err)
		}
		if b.Len()+len(body)+1 > comment.MaxSearchText {
			break
		}
		b.WriteString(body)
		b.WriteByte('\n')
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlstore: read comments for search: %w", err)
	}
	if _, err := t.ExecContext(t.ctx, `UPDATE items SET search_comments = $1 WHERE team_id = $2 AND id = $3`, b.String(), team, itemID); err != nil {
		return fmt.Errorf("sqlstore: update search comments: %w", err)
	}
	return s.indexItem(t, team, itemID, 0, true)
}

// People implements comment.Store: the team's members (from the team's
// data) with their names and addresses (from the platform's).
func (s *Store) People(ctx context.Context, team string) ([]comment.Person, error) {
	var people []comment.Person
	err := s.readTeam(ctx, team, "comment.people", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT account_id, joined_at FROM members WHERE team_id = $1 ORDER BY joined_at, account_id LIMIT 100000`, team)
		if err != nil {
			return fmt.Errorf("sqlstore: members: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var p comment.Person
			var joined int64
			if err := rows.Scan(&p.AccountID, &joined); err != nil {
				return fmt.Errorf("sqlstore: members: %w", err)
			}
			p.JoinedAt = fromMS(joined)
			people = append(people, p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(people))
	for i, p := range people {
		ids[i] = p.AccountID
	}
	accounts, err := s.Accounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]int, len(people))
	for i, p := range people {
		byID[p.AccountID] = i
	}
	for _, a := range accounts {
		p := &people[byID[a.ID]]
		p.DisplayName, p.Email, p.Avatar = a.DisplayName, a.Email, a.Avatar
	}
	return people, nil
}
