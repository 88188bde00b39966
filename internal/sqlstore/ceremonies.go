package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/ceremony"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/notification"
)

var _ ceremony.Store = (*Store)(nil)

const roomColumns = `id, team_id, kind, title, product_id, sprint_id, status, facilitator_id, step, deadline,
	participants, state, created_by, created_at, updated_at, finished_at, version`

func scanRoom(r rowScanner) (ceremony.Room, error) {
	var (
		room                                 ceremony.Room
		deadline, created, updated, finished int64
		participants, state                  string
	)
	err := r.Scan(&room.ID, &room.TeamID, &room.Kind, &room.Title, &room.ProductID, &room.SprintID, &room.Status,
		&room.FacilitatorID, &room.Step, &deadline, &participants, &state, &room.CreatedBy, &created, &updated,
		&finished, &room.Version)
	if err != nil {
		return room, err
	}
	room.Deadline, room.CreatedAt, room.UpdatedAt, room.FinishedAt = fromMS(deadline), fromMS(created), fromMS(updated), fromMS(finished)
	if err := json.Unmarshal([]byte(participants), &room.Participants); err != nil {
		return room, fmt.Errorf("sqlstore: room participants: %w", err)
	}
	room.State = json.RawMessage(state)
	return room, nil
}

func loadRoom(ctx context.Context, q queryer, team, id, suffix string) (ceremony.Room, error) {
	r, err := scanRoom(q.QueryRowContext(ctx, `SELECT `+roomColumns+` FROM ceremonies WHERE team_id = $1 AND id = $2`+suffix, team, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ceremony.ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("sqlstore: load room: %w", err)
	}
	return r, nil
}

// roomRecord is what the activity record keeps of a new room.
type roomRecord struct {
	Kind      ceremony.Kind   `json:"kind"`
	Title     string          `json:"title"`
	ProductID string          `json:"product_id,omitempty"`
	SprintID  string          `json:"sprint_id,omitempty"`
	Status    ceremony.Status `json:"status"`
}

// CreateRoom implements ceremony.Store.
func (s *Store) CreateRoom(ctx context.Context, team string, r ceremony.Room) (ceremony.Room, error) {
	err := s.inTeam(ctx, team, "room.create", func(t *tx) error {
		if r.ProductID != "" {
			if _, err := productKey(ctx, t, team, r.ProductID); err != nil {
				return &errkind.FieldError{Field: "product_id", Message: "is not a product of this team", Value: r.ProductID}
			}
		}
		if r.SprintID != "" {
			var product string
			err := t.QueryRowContext(ctx, `SELECT product_id FROM sprints WHERE team_id = $1 AND id = $2`, team, r.SprintID).Scan(&product)
			if err != nil || (r.ProductID != "" && product != r.ProductID) {
				return &errkind.FieldError{Field: "sprint_id", Message: "is not a sprint of this product", Value: r.SprintID}
			}
			r.ProductID = product
		}
		r.ID, r.TeamID, r.CreatedAt, r.UpdatedAt, r.Version = newID(), team, t.now, t.now, 1
		for i := range r.Participants {
			if r.Participants[i].JoinedAt.IsZero() {
				r.Participants[i].JoinedAt = t.now
			}
		}
		if err := insertRoom(t, r); err != nil {
			return err
		}
		return t.record("room", r.ID, "created", 1, activity.Diff(nil, roomRecord{Kind: r.Kind, Title: r.Title,
			ProductID: r.ProductID, SprintID: r.SprintID, Status: r.Status}))
	})
	return r, err
}

func insertRoom(t *tx, r ceremony.Room) error {
	participants, err := json.Marshal(r.Participants)
	if err != nil {
		return fmt.Errorf("sqlstore: room participants: %w", err)
	}
	state := string(r.State)
	if state == "" {
		state = "{}"
	}
	_, err = t.ExecContext(t.ctx, `INSERT INTO ceremonies (`+roomColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		r.ID, r.TeamID, r.Kind, r.Title, r.ProductID, r.SprintID, r.Status, r.FacilitatorID, r.Step, ms(r.Deadline),
		string(participants), state, r.CreatedBy, ms(r.CreatedAt), ms(r.UpdatedAt), ms(r.FinishedAt), r.Version)
	if err != nil {
		return fmt.Errorf("sqlstore: insert room: %w", err)
	}
	return nil
}

// Room implements ceremony.Store.
func (s *Store) Room(ctx context.Context, team, id string) (ceremony.Room, error) {
	var r ceremony.Room
	err := s.readTeam(ctx, team, "room.get", func(q queryer) (err error) {
		r, err = loadRoom(ctx, q, team, id, "")
		return err
	})
	return r, err
}

// Rooms implements ceremony.Store: newest first.
func (s *Store) Rooms(ctx context.Context, team string, f ceremony.Filter) ([]ceremony.Room, error) {
	out := []ceremony.Room{}
	err := s.readTeam(ctx, team, "room.list", func(q queryer) error {
		query := `SELECT ` + roomColumns + ` FROM ceremonies WHERE team_id = $1`
		args := []any{team}
		add := func(cond string, v any) {
			args = append(args, v)
			query += fmt.Sprintf(" AND %s = $%d", cond, len(args))
		}
		if f.Status != "" {
			add("status", f.Status)
		}
		if f.Kind != "" {
			add("kind", f.Kind)
		}
		if f.ProductID != "" {
			add("product_id", f.ProductID)
		}
		args = append(args, f.Limit)
		rows, err := q.QueryContext(ctx, query+fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args)), args...)
		if err != nil {
			return fmt.Errorf("sqlstore: list rooms: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRoom(rows)
			if err != nil {
				return fmt.Errorf("sqlstore: scan room: %w", err)
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

// UpdateRoom implements ceremony.Store. On PostgreSQL the row is locked for
// the transaction; SQLite write transactions are serialised already.
func (s *Store) UpdateRoom(ctx context.Context, team, id string, fn func(r *ceremony.Room) (ceremony.Change, error)) (ceremony.Room, error) {
	var out ceremony.Room
	err := s.inTeam(ctx, team, "room.update", func(t *tx) error {
		lock := ""
		if s.engine == Postgres {
			lock = " FOR UPDATE"
		}
		r, err := loadRoom(ctx, t, team, id, lock)
		if err != nil {
			return err
		}
		before := r.Version
		c, err := fn(&r)
		if err != nil {
			return err
		}
		r.Version, r.UpdatedAt = before+1, t.now
		participants, err := json.Marshal(r.Participants)
		if err != nil {
			return fmt.Errorf("sqlstore: room participants: %w", err)
		}
		state := string(r.State)
		if state == "" {
			state = "{}"
		}
		_, err = t.ExecContext(ctx, `UPDATE ceremonies SET title = $3, status = $4, facilitator_id = $5, step = $6,
			deadline = $7, participants = $8, state = $9, updated_at = $10, finished_at = $11, version = $12
			WHERE team_id = $1 AND id = $2`,
			team, id, r.Title, r.Status, r.FacilitatorID, r.Step, ms(r.Deadline), string(participants), state,
			ms(r.UpdatedAt), ms(r.FinishedAt), r.Version)
		if err != nil {
			return fmt.Errorf("sqlstore: update room: %w", err)
		}
		if c.Action == "" {
			c.Action = "updated"
		}
		out = r
		return t.record("room", id, c.Action, r.Version, c.Changes)
	})
	return out, err
}

// InviteToRoom implements ceremony.Store: one notification per account.
func (s *Store) InviteToRoom(ctx context.Context, team, roomID string, accounts []string) error {
	return s.inTeam(ctx, team, "room.invite", func(t *tx) error {
		if _, err := loadRoom(ctx, t, team, roomID, ""); err != nil {
			return err
		}
		notices := make([]notification.Notice, len(accounts))
		for i, a := range accounts {
			notices[i] = notification.Notice{AccountID: a, Kind: notification.KindInvited, RoomID: roomID}
		}
		return s.notify(t, team, notices)
	})
}

// requestRecord is what the activity record keeps of a refinement request.
type requestRecord struct {
	ItemID    string `json:"item_id"`
	ProductID string `json:"product_id"`
	Note      string `json:"note,omitempty"`
	State     string `json:"state"`
	RoomID    string `json:"room_id,omitempty"`
}

// RequestRefinement implements ceremony.Store.
func (s *Store) RequestRefinement(ctx context.Context, team, itemID, note string) (ceremony.Request, error) {
	var out ceremony.Request
	err := s.inTeam(ctx, team, "refinement.request", func(t *tx) error {
		it, err := loadItem(ctx, t, team, itemID)
		if err != nil {
			return err
		}
		var n int
		if err := t.QueryRowContext(ctx, `SELECT count(*) FROM refinement_requests WHERE team_id = $1 AND item_id = $2 AND state = 'open'`,
			team, it.ID).Scan(&n); err != nil {
			return fmt.Errorf("sqlstore: find request: %w", err)
		}
		if n > 0 {
			return ceremony.ErrRequested
		}
		id := newID()
		out = ceremony.Request{ItemID: it.ID, ItemKey: it.Key, ItemTitle: it.Title, ProductID: it.ProductID, Note: note,
			RequestedBy: activity.Actor(ctx), RequestedAt: t.now}
		if _, err := t.ExecContext(ctx, `INSERT INTO refinement_requests (id, team_id, item_id, product_id, note, requested_by, requested_at, state)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'open')`, id, team, it.ID, it.ProductID, note, out.RequestedBy, ms(t.now)); err != nil {
			return fmt.Errorf("sqlstore: insert request: %w", err)
		}
		return t.record("refinement_request", id, "created", 1,
			activity.Diff(nil, requestRecord{ItemID: it.ID, ProductID: it.ProductID, Note: note, State: "open"}))
	})
	return out, err
}

// closeRequest ends the open request of an item, as withdrawn or done.
func (s *Store) closeRequest(ctx context.Context, team, itemID, state, roomID, op string) error {
	return s.inTeam(ctx, team, op, func(t *tx) error {
		var id, product string
		err := t.QueryRowContext(ctx, `SELECT id, product_id FROM refinement_requests WHERE team_id = $1 AND item_id = $2 AND state = 'open'`,
			team, itemID).Scan(&id, &product)
		if errors.Is(err, sql.ErrNoRows) {
			return ceremony.ErrNoRequest
		}
		if err != nil {
			return fmt.Errorf("sqlstore: find request: %w", err)
		}
		if _, err := t.ExecContext(ctx, `UPDATE refinement_requests SET state = $3, room_id = $4, closed_at = $5 WHERE team_id = $1 AND id = $2`,
			team, id, state, roomID, ms(t.now)); err != nil {
			return fmt.Errorf("sqlstore: close request: %w", err)
		}
		return t.record("refinement_request", id, state, 2, activity.Diff(
			requestRecord{ItemID: itemID, ProductID: product, State: "open"},
			requestRecord{ItemID: itemID, ProductID: product, State: state, RoomID: roomID}))
	})
}

// WithdrawRequest implements ceremony.Store.
func (s *Store) WithdrawRequest(ctx context.Context, team, itemID string) error {
	return s.closeRequest(ctx, team, itemID, "withdrawn", "", "refinement.withdraw")
}

// CloseRequest implements ceremony.Store: the item was refined in roomID.
func (s *Store) CloseRequest(ctx context.Context, team, itemID, roomID string) error {
	return s.closeRequest(ctx, team, itemID, "done", roomID, "refinement.close")
}

// Requests implements ceremony.Store: open requests, oldest first.
func (s *Store) Requests(ctx context.Context, team, productID string) ([]ceremony.Request, error) {
	out := []ceremony.Request{}
	err := s.readTeam(ctx, team, "refinement.list", func(q queryer) error {
		query := `SELECT r.item_id, r.product_id, r.note, r.requested_by, r.requested_at, i.title, p.key, i.number
			FROM refinement_requests r
			JOIN items i ON i.team_id = r.team_id AND i.id = r.item_id
			JOIN products p ON p.team_id = i.team_id AND p.id = i.product_id
			WHERE r.team_id = $1 AND r.state = 'open'`
		args := []any{team}
		if productID != "" {
			query += ` AND r.product_id = $2`
			args = append(args, productID)
		}
		rows, err := q.QueryContext(ctx, query+` ORDER BY r.requested_at, r.id`, args...)
		if err != nil {
			return fmt.Errorf("sqlstore: list requests: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var rq ceremony.Request
			var at, number int64
			var key string
			if err := rows.Scan(&rq.ItemID, &rq.ProductID, &rq.Note, &rq.RequestedBy, &at, &rq.ItemTitle, &key, &number); err != nil {
				return fmt.Errorf("sqlstore: scan request: %w", err)
			}
			rq.RequestedAt, rq.ItemKey = fromMS(at), itemKey(key, number)
			out = append(out, rq)
		}
		return rows.Err()
	})
	return out, err
}

// Reference implements ceremony.Store.
func (s *Store) Reference(ctx context.Context, team string) (ceremony.Reference, error) {
	var ref ceremony.Reference
	err := s.readTeam(ctx, team, "reference.get", func(q queryer) error {
		var at int64
		err := q.QueryRowContext(ctx, `SELECT item_id, set_by, set_at FROM estimation_reference WHERE team_id = $1`, team).
			Scan(&ref.ItemID, &ref.SetBy, &at)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sqlstore: load reference: %w", err)
		}
		ref.SetAt = fromMS(at)
		it, err := loadItem(ctx, q, team, ref.ItemID)
		if errors.Is(err, backlog.ErrItemNotFound) {
			ref = ceremony.Reference{} // the item was deleted
			return nil
		}
		if err != nil {
			return err
		}
		ref.ItemKey, ref.ItemTitle = it.Key, it.Title
		return nil
	})
	return ref, err
}

// SetReference implements ceremony.Store; "" clears the reference.
func (s *Store) SetReference(ctx context.Context, team, itemID string) (ceremony.Reference, error) {
	err := s.inTeam(ctx, team, "reference.set", func(t *tx) error {
		if itemID == "" {
			if _, err := t.ExecContext(ctx, `DELETE FROM estimation_reference WHERE team_id = $1`, team); err != nil {
				return fmt.Errorf("sqlstore: clear reference: %w", err)
			}
			return t.record("estimation_reference", team, "cleared", 1, nil)
		}
		it, err := loadItem(ctx, t, team, itemID)
		if errors.Is(err, backlog.ErrItemNotFound) {
			return &errkind.FieldError{Field: "item_id", Message: "is not an item of this team", Value: itemID}
		}
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `DELETE FROM estimation_reference WHERE team_id = $1`, team); err != nil {
			return fmt.Errorf("sqlstore: set reference: %w", err)
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO estimation_reference (team_id, item_id, set_by, set_at) VALUES ($1, $2, $3, $4)`,
			team, it.ID, activity.Actor(ctx), ms(t.now)); err != nil {
			return fmt.Errorf("sqlstore: set reference: %w", err)
		}
		return t.record("estimation_reference", team, "set", 1, activity.Diff(nil, struct {
			ItemID string `json:"item_id"`
		}{it.ID}))
	})
	if err != nil {
		return ceremony.Reference{}, err
	}
	return s.Reference(ctx, team)
}
