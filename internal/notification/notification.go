// Package notification is each member's inbox in a team space: notices that
// someone mentioned them in a comment or assigned them an item. Notices are
// written by the store in the same transaction as the change that causes
// them (a comment, an assignment), so a notification exists exactly when its
// cause was saved. Each is recorded in the activity record (entity type
// "notification") and so published to the member's real-time channel,
// member:<account>.
//
// Inboxes are per team: a notification lives in the team space its item
// lives in. UnreadCounts sums them up across the teams of one account.
package notification

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/pamateam/pama/internal/errkind"
)

// Kind is why a member was notified.
type Kind string

// The kinds.
const (
	// KindMention: someone mentioned the member in a comment.
	KindMention Kind = "mention"
	// KindAssigned: someone made the member an assignee of an item.
	KindAssigned Kind = "assigned"
	// KindInvited: people are waiting for the member in a ceremony room.
	KindInvited Kind = "invited"
)

// Notice asks for one notification. The store drops notices for accounts
// that are not members of the team and for the actor themself.
type Notice struct {
	AccountID string
	Kind      Kind
	ItemID    string
	CommentID string // for mentions
	RoomID    string // for invitations
}

// Notification is one entry in a member's inbox.
type Notification struct {
	ID        string    `json:"id"`
	TeamID    string    `json:"team_id"`
	AccountID string    `json:"account_id" doc:"The member it is for"`
	Kind      Kind      `json:"kind" enum:"mention,assigned,invited" doc:"mention: you were mentioned in a comment; assigned: you were made an assignee of an item; invited: people wait for you in a ceremony room"`
	ActorID   string    `json:"actor_id" doc:"Who mentioned or assigned you"`
	ItemID    string    `json:"item_id"`
	ItemKey   string    `json:"item_key,omitempty" example:"PAMA-42"`
	ItemTitle string    `json:"item_title,omitempty"`
	CommentID string    `json:"comment_id,omitempty" doc:"The comment that mentions you"`
	Excerpt   string    `json:"excerpt,omitempty" doc:"The start of the comment, as written"`
	RoomID    string    `json:"room_id,omitempty" doc:"The ceremony room you are invited to"`
	RoomKind  string    `json:"room_kind,omitempty" example:"refinement"`
	RoomTitle string    `json:"room_title,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Read      bool      `json:"read"`
	ReadAt    time.Time `json:"read_at,omitzero"`
	Version   int64     `json:"version"`
}

// Query asks for a page of one member's inbox, newest first.
type Query struct {
	AccountID  string
	UnreadOnly bool
	Cursor     string
	Limit      int
}

// Inbox is a page of an inbox.
type Inbox struct {
	Notifications []Notification `json:"notifications"`
	Unread        int            `json:"unread" doc:"How many of the member's notifications in this team are unread"`
	NextCursor    string         `json:"next_cursor,omitempty"`
}

// Limits.
const (
	DefaultPage = 50
	MaxPage     = 200
	// ExcerptLen is how many characters of a comment a notification shows.
	ExcerptLen = 140
	// MaxTeams is how many teams UnreadCounts looks at.
	MaxTeams = 200
)

// ErrNotFound reports a notification that does not exist or is someone else's.
var ErrNotFound = fmt.Errorf("notification: notification %w", errkind.NotFound)

// Store is the persistence the inbox needs; sqlstore.Store implements it.
type Store interface {
	// Notifications returns a page of q.AccountID's inbox, newest first,
	// and the cursor of the next page ("" on the last).
	Notifications(ctx context.Context, team string, q Query) ([]Notification, string, error)
	UnreadCount(ctx context.Context, team, accountID string) (int, error)
	// SetNotificationRead marks one of accountID's notifications read or
	// unread; another account's notification is ErrNotFound.
	SetNotificationRead(ctx context.Context, team, accountID, id string, read bool) (Notification, error)
	// MarkAllRead marks every unread notification of accountID read and
	// reports how many there were.
	MarkAllRead(ctx context.Context, team, accountID string) (int, error)
}

// Service is the inbox's use cases.
type Service struct {
	store Store
	log   *slog.Logger
}

// NewService returns a Service on store.
func NewService(store Store, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, log: log}
}

// List returns a page of accountID's inbox in team, newest first, with the
// unread count.
func (s *Service) List(ctx context.Context, team string, q Query) (Inbox, error) {
	if q.Limit <= 0 {
		q.Limit = DefaultPage
	}
	if q.Limit > MaxPage {
		return Inbox{}, errkind.Field("query.limit", fmt.Sprintf("must be 1 to %d", MaxPage))
	}
	list, next, err := s.store.Notifications(ctx, team, q)
	if err != nil {
		return Inbox{}, err
	}
	unread, err := s.store.UnreadCount(ctx, team, q.AccountID)
	if err != nil {
		return Inbox{}, err
	}
	if list == nil {
		list = []Notification{}
	}
	return Inbox{Notifications: list, Unread: unread, NextCursor: next}, nil
}

// SetRead marks one of accountID's notifications read or unread.
func (s *Service) SetRead(ctx context.Context, team, accountID, id string, read bool) (Notification, error) {
	return s.store.SetNotificationRead(ctx, team, accountID, id, read)
}

// MarkAllRead marks all of accountID's notifications in team read and
// returns how many were unread.
func (s *Service) MarkAllRead(ctx context.Context, team, accountID string) (int, error) {
	return s.store.MarkAllRead(ctx, team, accountID)
}

// UnreadCounts returns accountID's unread count in each of teams (at most
// MaxTeams). A team that cannot be read is logged and left out, so one team
// space in trouble does not hide the others.
func (s *Service) UnreadCounts(ctx context.Context, accountID string, teams []string) (map[string]int, error) {
	if len(teams) > MaxTeams {
		teams = teams[:MaxTeams]
	}
	out := make(map[string]int, len(teams))
	for _, t := range teams {
		n, err := s.store.UnreadCount(ctx, t, accountID)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s.log.WarnContext(ctx, "unread count", "team", t, "err", err)
			continue
		}
		out[t] = n
	}
	return out, nil
}
