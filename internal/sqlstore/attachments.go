package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/attachment"
	"github.com/pamateam/pama/internal/backlog"
)

// Attachments, the team's storage usage and its blob trash. storage_usage
// changes in the same transaction as attachments; an upload is accounted for
// by one guarded update, so the quota holds under concurrent uploads on both
// engines (SQLite has one writer per team; PostgreSQL locks the usage row).

var _ attachment.Store = (*Store)(nil)

const attachmentColumns = `id, team_id, item_id, comment_id, name, size, content_type, sha256, blob_key, uploaded_by, created_at`

func scanAttachment(r rowScanner) (attachment.Attachment, error) {
	var a attachment.Attachment
	var created int64
	err := r.Scan(&a.ID, &a.TeamID, &a.ItemID, &a.CommentID, &a.Name, &a.Size, &a.ContentType, &a.SHA256, &a.Key, &a.UploadedBy, &created)
	a.CreatedAt = fromMS(created)
	return a, err
}

func loadAttachment(ctx context.Context, q queryer, team, id string) (attachment.Attachment, error) {
	a, err := scanAttachment(q.QueryRowContext(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE team_id = $1 AND id = $2`, team, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, attachment.ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("sqlstore: load attachment: %w", err)
	}
	return a, nil
}

// attachmentRecord is what the activity record keeps of an attachment.
type attachmentRecord struct {
	ItemID      string `json:"item_id"`
	CommentID   string `json:"comment_id,omitempty"`
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
	SHA256      string `json:"sha256"`
}

func recordOfAttachment(a attachment.Attachment) attachmentRecord {
	return attachmentRecord{ItemID: a.ItemID, CommentID: a.CommentID, Name: a.Name, Size: a.Size, ContentType: a.ContentType, SHA256: a.SHA256}
}

// attachmentTarget finds what an upload attaches to.
func attachmentTarget(ctx context.Context, q queryer, team, itemID, commentID string) (attachment.Target, error) {
	if commentID != "" {
		c, err := loadComment(ctx, q, team, commentID)
		if err != nil {
			return attachment.Target{}, err
		}
		return attachment.Target{ItemID: c.ItemID, CommentID: c.ID, CommentAuthor: c.AuthorID, CommentDeleted: c.Deleted}, nil
	}
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM items WHERE team_id = $1 AND id = $2`, team, itemID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return attachment.Target{}, backlog.ErrItemNotFound
	}
	if err != nil {
		return attachment.Target{}, fmt.Errorf("sqlstore: find item: %w", err)
	}
	return attachment.Target{ItemID: itemID}, nil
}

// AttachmentTarget implements attachment.Store.
func (s *Store) AttachmentTarget(ctx context.Context, team, itemID, commentID string) (attachment.Target, error) {
	var tgt attachment.Target
	err := s.readTeam(ctx, team, "attachment.target", func(q queryer) (err error) {
		tgt, err = attachmentTarget(ctx, q, team, itemID, commentID)
		return err
	})
	return tgt, err
}

// TrashBlob implements attachment.Store.
func (s *Store) TrashBlob(ctx context.Context, team, key string, after time.Duration) error {
	return s.inTeam(ctx, team, "attachment.trash", func(t *tx) error {
		return trashKey(t, team, key, t.now.Add(after))
	})
}

func trashKey(t *tx, team, key string, due time.Time) error {
	_, err := t.ExecContext(t.ctx, `INSERT INTO blob_trash (team_id, key, due_at) VALUES ($1, $2, $3)
		ON CONFLICT (team_id, key) DO UPDATE SET due_at = excluded.due_at`, team, key, ms(due))
	if err != nil {
		return fmt.Errorf("sqlstore: trash blob: %w", err)
	}
	return nil
}

// AddAttachment implements attachment.Store.
func (s *Store) AddAttachment(ctx context.Context, team string, a attachment.Attachment, quota int64) (attachment.Attachment, error) {
	err := s.inTeam(ctx, team, "attachment.create", func(t *tx) error {
		res, err := t.ExecContext(ctx, `DELETE FROM blob_trash WHERE team_id = $1 AND key = $2`, team, a.Key)
		if err != nil {
			return fmt.Errorf("sqlstore: untrash upload: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return attachment.ErrUploadExpired
		}
		tgt, err := attachmentTarget(ctx, t, team, a.ItemID, a.CommentID)
		if err != nil {
			return err
		}
		if tgt.CommentDeleted {
			return attachment.ErrCommentDeleted
		}
		if tgt.ItemID != a.ItemID {
			return backlog.ErrItemNotFound
		}
		var n int
		if err := t.QueryRowContext(ctx, `SELECT count(*) FROM attachments WHERE team_id = $1 AND item_id = $2`, team, a.ItemID).Scan(&n); err != nil {
			return fmt.Errorf("sqlstore: count attachments: %w", err)
		}
		if n >= attachment.MaxPerItem {
			return attachment.ErrTooManyFiles
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO storage_usage (team_id, bytes, files) VALUES ($1, 0, 0) ON CONFLICT (team_id) DO NOTHING`, team); err != nil {
			return fmt.Errorf("sqlstore: storage usage: %w", err)
		}
		res, err = t.ExecContext(ctx, `UPDATE storage_usage SET bytes = bytes + $2, files = files + 1
			WHERE team_id = $1 AND ($3 <= 0 OR bytes + $2 <= $3)`, team, a.Size, quota)
		if err != nil {
			return fmt.Errorf("sqlstore: account for upload: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			var used int64
			if err := t.QueryRowContext(ctx, `SELECT bytes FROM storage_usage WHERE team_id = $1`, team).Scan(&used); err != nil {
				return fmt.Errorf("sqlstore: storage usage: %w", err)
			}
			return &attachment.QuotaError{Used: used, Size: a.Size, Quota: quota}
		}
		a.TeamID, a.CreatedAt = team, t.now
		_, err = t.ExecContext(ctx, `INSERT INTO attachments (`+attachmentColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			a.ID, team, a.ItemID, a.CommentID, a.Name, a.Size, a.ContentType, a.SHA256, a.Key, a.UploadedBy, ms(t.now))
		if err != nil {
			return fmt.Errorf("sqlstore: insert attachment: %w", err)
		}
		return t.record("attachment", a.ID, "created", 1, activity.Diff(nil, recordOfAttachment(a)))
	})
	return a, err
}

// Attachment implements attachment.Store.
func (s *Store) Attachment(ctx context.Context, team, id string) (attachment.Attachment, error) {
	var a attachment.Attachment
	err := s.readTeam(ctx, team, "attachment.get", func(q queryer) (err error) {
		a, err = loadAttachment(ctx, q, team, id)
		return err
	})
	return a, err
}

// Attachments implements attachment.Store.
func (s *Store) Attachments(ctx context.Context, team, itemID string) ([]attachment.Attachment, error) {
	out := []attachment.Attachment{}
	err := s.readTeam(ctx, team, "attachment.list", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE team_id = $1 AND item_id = $2
			ORDER BY created_at, id LIMIT $3`, team, itemID, attachment.MaxPerItem)
		if err != nil {
			return fmt.Errorf("sqlstore: list attachments: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAttachment(rows)
			if err != nil {
				return fmt.Errorf("sqlstore: scan attachment: %w", err)
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}

// DeleteAttachment implements attachment.Store.
func (s *Store) DeleteAttachment(ctx context.Context, team, id string, allow func(attachment.Attachment) error) error {
	return s.inTeam(ctx, team, "attachment.delete", func(t *tx) error {
		a, err := loadAttachment(ctx, t, team, id)
		if err != nil {
			return err
		}
		if err := allow(a); err != nil {
			return err
		}
		return s.trashAttachments(t, team, "id", id, true)
	})
}

// trashAttachments deletes the team's attachments whose column (id, item_id
// or comment_id) is value: their keys go to the blob trash, due now, and
// their bytes are given back. With record, each deletion is recorded.
func (s *Store) trashAttachments(t *tx, team, column, value string, record bool) error {
	switch column {
	case "id", "item_id", "comment_id":
	default:
		return fmt.Errorf("sqlstore: trash attachments by %q", column)
	}
	rows, err := t.QueryContext(t.ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE team_id = $1 AND `+column+` = $2`, team, value)
	if err != nil {
		return fmt.Errorf("sqlstore: find attachments: %w", err)
	}
	var list []attachment.Attachment
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("sqlstore: scan attachment: %w", err)
		}
		list = append(list, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var bytes int64
	for _, a := range list {
		if err := trashKey(t, team, a.Key, t.now); err != nil {
			return err
		}
		if _, err := t.ExecContext(t.ctx, `DELETE FROM attachments WHERE team_id = $1 AND id = $2`, team, a.ID); err != nil {
			return fmt.Errorf("sqlstore: delete attachment: %w", err)
		}
		bytes += a.Size
		if record {
			if err := t.record("attachment", a.ID, "deleted", 2, activity.Diff(recordOfAttachment(a), nil)); err != nil {
				return err
			}
		}
	}
	if len(list) > 0 {
		if _, err := t.ExecContext(t.ctx, `UPDATE storage_usage SET bytes = bytes - $2, files = files - $3 WHERE team_id = $1`,
			team, bytes, len(list)); err != nil {
			return fmt.Errorf("sqlstore: give back storage: %w", err)
		}
	}
	return nil
}

// StorageUsage implements attachment.Store.
func (s *Store) StorageUsage(ctx context.Context, team string) (attachment.Usage, error) {
	var u attachment.Usage
	err := s.readTeam(ctx, team, "attachment.usage", func(q queryer) error {
		err := q.QueryRowContext(ctx, `SELECT bytes, files FROM storage_usage WHERE team_id = $1`, team).Scan(&u.Bytes, &u.Files)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sqlstore: storage usage: %w", err)
		}
		return nil
	})
	return u, err
}

// ClaimTrash implements attachment.Store. Each key is claimed by deleting
// its row: of two sweeps that read the same key, the one whose delete
// removes the row has it.
// Most sweeps find nothing due, so the keys are read first and a write
// transaction is opened only when there are some.
func (s *Store) ClaimTrash(ctx context.Context, team string, limit int) ([]string, error) {
	var keys []string
	err := s.readTeam(ctx, team, "attachment.due_trash", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT key FROM blob_trash WHERE team_id = $1 AND due_at <= $2 ORDER BY due_at LIMIT $3`,
			team, ms(s.now()), limit)
		if err != nil {
			return fmt.Errorf("sqlstore: due trash: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				return fmt.Errorf("sqlstore: due trash: %w", err)
			}
			keys = append(keys, k)
		}
		return rows.Err()
	})
	if err != nil || len(keys) == 0 {
		return nil, err
	}
	var claimed []string
	err = s.inTeam(ctx, team, "attachment.claim_trash", func(t *tx) error {
		claimed = nil
		for _, k := range keys {
			res, err := t.ExecContext(ctx, `DELETE FROM blob_trash WHERE team_id = $1 AND key = $2 AND due_at <= $3`, team, k, ms(t.now))
			if err != nil {
				return fmt.Errorf("sqlstore: claim trash: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				claimed = append(claimed, k)
			}
		}
		return nil
	})
	return claimed, err
}

// ClearTrash implements attachment.Store.
func (s *Store) ClearTrash(ctx context.Context, team string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	return s.inTeam(ctx, team, "attachment.clear_trash", func(t *tx) error {
		for _, k := range keys {
			if _, err := t.ExecContext(ctx, `DELETE FROM blob_trash WHERE team_id = $1 AND key = $2`, team, k); err != nil {
				return fmt.Errorf("sqlstore: clear trash: %w", err)
			}
		}
		return nil
	})
}
