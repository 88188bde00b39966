package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/notification"
)

// Notifications. notify writes them inside the transaction of the change
// that causes them (a comment, an assignment); each is recorded as entity
// "notification", every entry naming account_id, so the real-time layer can
// publish it to that member alone (member:<account>).

var _ notification.Store = (*Store)(nil)

// notificationRecord is what the activity record keeps of a notification.
type notificationRecord struct {
	AccountID string            `json:"account_id"`
	Kind      notification.Kind `json:"kind"`
	ItemID    string            `json:"item_id"`
	CommentID string            `json:"comment_id,omitempty"`
	RoomID    string            `json:"room_id,omitempty"`
	Read      bool              `json:"read"`
}

// notify writes a notification for each notice, skipping notices for the
// actor, for accounts that are not members of the team, and repeats.
func (s *Store) notify(t *tx, team string, notices []notification.Notice) error {
	actor := activity.Actor(t.ctx)
	seen := map[string]bool{}
	for _, n := range notices {
		k := n.AccountID + "\x00" + string(n.Kind)
		if n.AccountID == "" || n.AccountID == actor || seen[k] {
			continue
		}
		seen[k] = true
		id := newID()
		res, err := t.ExecContext(t.ctx, `INSERT INTO notifications (id, team_id, account_id, kind, actor_id, item_id, comment_id, room_id, created_at, read_at, version)
			SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, 0, 1 WHERE EXISTS (SELECT 1 FROM members WHERE team_id = $2 AND account_id = $3)`,
			id, team, n.AccountID, string(n.Kind), actor, n.ItemID, n.CommentID, n.RoomID, ms(t.now))
		if err != nil {
			return fmt.Errorf("sqlstore: insert notification: %w", err)
		}
		if c, _ := res.RowsAffected(); c == 0 {
			continue // not a member
		}
		rec := notificationRecord{AccountID: n.AccountID, Kind: n.Kind, ItemID: n.ItemID, CommentID: n.CommentID, RoomID: n.RoomID}
		if err := t.record("notification", id, "created", 1, activity.Diff(nil, rec)); err != nil {
			return err
		}
	}
	return nil
}

// notificationSelect reads notifications with their item's key and title
// and the start of their comment.
var notificationSelect = `SELECT n.id, n.team_id, n.account_id, n.kind, n.actor_id, n.item_id, n.comment_id, n.created_at, n.read_at, n.version,
		coalesce(i.title, ''), coalesce(p.key, ''), coalesce(i.number, 0), coalesce(substr(c.body, 1, ` + strconv.Itoa(notification.ExcerptLen) + `), ''),
		n.room_id, coalesce(r.kind, ''), coalesce(r.title, '')
	FROM notifications n
	LEFT JOIN items i ON i.team_id = n.team_id AND i.id = n.item_id
	LEFT JOIN products p ON p.team_id = i.team_id AND p.id = i.product_id
	LEFT JOIN comments c ON c.team_id = n.team_id AND c.id = n.comment_id
	LEFT JOIN ceremonies r ON r.team_id = n.team_id AND r.id = n.room_id`

func scanNotification(r rowScanner) (notification.Notification, error) {
	var (
		n             notification.Notification
		created, read int64
		key           string
		number        int64
	)
	err := r.Scan(&n.ID, &n.TeamID, &n.AccountID, &n.Kind, &n.ActorID, &n.ItemID, &n.CommentID, &created, &read, &n.Version,
		&n.ItemTitle, &key, &number, &n.Excerpt, &n.RoomID, &n.RoomKind, &n.RoomTitle)
	if err != nil {
		return n, err
	}
	n.CreatedAt, n.ReadAt, n.Read = fromMS(created), fromMS(read), read != 0
	if key != "" {
		n.ItemKey = itemKey(key, number)
	}
	return n, nil
}

func loadNotification(ctx context.Context, q queryer, team, accountID, id string) (notification.Notification, error) {
	n, err := scanNotification(q.QueryRowContext(ctx, notificationSelect+` WHERE n.team_id = $1 AND n.account_id = $2 AND n.id = $3`, team, accountID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return n, notification.ErrNotFound
	}
	if err != nil {
		return n, fmt.Errorf("sqlstore: load notification: %w", err)
	}
	return n, nil
}

// Notifications implements notification.Store. Pages go by id (UUIDv7, so
// newest first is by id), the cursor being the last id of a page.
func (s *Store) Notifications(ctx context.Context, team string, q notification.Query) ([]notification.Notification, string, error) {
	after, err := decodeCursor(q.Cursor, 1)
	if err != nil {
		return nil, "", err
	}
	before := "~" // sorts after every id
	if after != nil {
		before = after[0]
	}
	cond := ""
	if q.UnreadOnly {
		cond = " AND n.read_at = 0"
	}
	out := []notification.Notification{}
	err = s.readTeam(ctx, team, "notification.list", func(db queryer) error {
		rows, err := db.QueryContext(ctx, notificationSelect+` WHERE n.team_id = $1 AND n.account_id = $2 AND n.id < $3`+cond+`
			ORDER BY n.id DESC LIMIT $4`, team, q.AccountID, before, q.Limit+1)
		if err != nil {
			return fmt.Errorf("sqlstore: list notifications: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			n, err := scanNotification(rows)
			if err != nil {
				return fmt.Errorf("sqlstore: scan notification: %w", err)
			}
			out = append(out, n)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	var next string
	if len(out) > q.Limit {
		out = out[:q.Limit]
		next = encodeCursor(out[len(out)-1].ID)
	}
	return out, next, nil
}

// UnreadCount implements notification.Store.
func (s *Store) UnreadCount(ctx context.Context, team, accountID string) (int, error) {
	var n int
	err := s.readTeam(ctx, team, "notification.unread", func(q queryer) error {
		err := q.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE team_id = $1 AND account_id = $2 AND read_at = 0`, team, accountID).Scan(&n)
		if err != nil {
			return fmt.Errorf("sqlstore: count unread: %w", err)
		}
		return nil
	})
	return n, err
}

// SetNotificationRead implements notification.Store.
func (s *Store) SetNotificationRead(ctx context.Context, team, accountID, id string, read bool) (notification.Notification, error) {
	var n notification.Notification
	err := s.inTeam(ctx, team, "notification.set_read", func(t *tx) error {
		before, err := loadNotification(ctx, t, team, accountID, id)
		if err != nil {
			return err
		}
		if before.Read == read {
			n = before
			return nil
		}
		var at int64
		if read {
			at = ms(t.now)
		}
		if _, err := t.ExecContext(ctx, `UPDATE notifications SET read_at = $1, version = version + 1 WHERE team_id = $2 AND id = $3`, at, team, id); err != nil {
			return fmt.Errorf("sqlstore: mark notification: %w", err)
		}
		if n, err = loadNotification(ctx, t, team, accountID, id); err != nil {
			return err
		}
		action := "unread"
		if read {
			action = "read"
		}
		return t.record("notification", id, action, n.Version, readChanges(accountID, n.Read))
	})
	return n, err
}

// MarkAllRead implements notification.Store: one update, and one record per
// notification it marks.
func (s *Store) MarkAllRead(ctx context.Context, team, accountID string) (int, error) {
	var count int
	err := s.inTeam(ctx, team, "notification.mark_all_read", func(t *tx) error {
		rows, err := t.QueryContext(ctx, `SELECT id, version FROM notifications WHERE team_id = $1 AND account_id = $2 AND read_at = 0 ORDER BY id`, team, accountID)
		if err != nil {
			return fmt.Errorf("sqlstore: unread notifications: %w", err)
		}
		type entry struct {
			id string
			v  int64
		}
		var unread []entry
		for rows.Next() {
			var e entry
			if err := rows.Scan(&e.id, &e.v); err != nil {
				rows.Close()
				return fmt.Errorf("sqlstore: unread notifications: %w", err)
			}
			unread = append(unread, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(unread) == 0 {
			return nil
		}
		if _, err := t.ExecContext(ctx, `UPDATE notifications SET read_at = $1, version = version + 1
			WHERE team_id = $2 AND account_id = $3 AND read_at = 0`, ms(t.now), team, accountID); err != nil {
			return fmt.Errorf("sqlstore: mark all read: %w", err)
		}
		changes := readChanges(accountID, true)
		for _, e := range unread {
			if err := t.record("notification", e.id, "read", e.v+1, changes); err != nil {
				return err
			}
		}
		count = len(unread)
		return nil
	})
	return count, err
}

// readChanges are the changes of marking a notification read (or unread),
// naming its member so the entry reaches the member alone.
func readChanges(accountID string, read bool) []activity.Change {
	return activity.WithContext(activity.Diff(map[string]bool{"read": !read}, map[string]bool{"read": read}), "account_id", accountID)
}
