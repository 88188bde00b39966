// Package comment is the discussion on backlog items: comments in Markdown
// with @mentions, edited by their author, deleted by their author or a team
// admin or owner.
//
// A comment's body is stored as written and returned with a sanitised HTML
// rendering made by the backlog's Markdown renderer. Deleting a comment is
// soft: the row stays, as "comment deleted", with an empty body; what it said
// is kept in the activity record (entity type "comment"), whose entries also
// carry every edit. Comments feed the item's full-text search.
//
// Mentions: "@" followed by a member's handle (see Handles) mentions that
// member. Each newly mentioned member (not the author) gets a notification,
// written in the same transaction as the comment; an edit notifies only the
// members it adds.
package comment

import (
	"fmt"
	"time"

	"github.com/pamateam/pama/internal/errkind"
)

// Comment is one comment on an item.
type Comment struct {
	ID        string    `json:"id"`
	TeamID    string    `json:"team_id"`
	ItemID    string    `json:"item_id"`
	AuthorID  string    `json:"author_id"`
	Body      string    `json:"body" doc:"Markdown, as written; empty once deleted"`
	BodyHTML  string    `json:"body_html" doc:"The body rendered to sanitised HTML"`
	Mentions  []string  `json:"mentions" doc:"Account ids of the members the body mentions"`
	CreatedAt time.Time `json:"created_at"`
	EditedAt  time.Time `json:"edited_at,omitzero" doc:"When the author last changed the body; absent if never"`
	Deleted   bool      `json:"deleted" doc:"The comment was deleted; show it as \"comment deleted\""`
	DeletedAt time.Time `json:"deleted_at,omitzero"`
	DeletedBy string    `json:"deleted_by,omitempty"`
	Version   int64     `json:"version"`
}

// Limits.
const (
	MaxBody     = 20000 // characters
	MaxMentions = 50    // distinct members one comment may mention
	MaxPerItem  = 2000  // comments on one item, deleted ones included
	DefaultPage = 50
	MaxPage     = 200
	// MaxSearchText bounds the comments' text an item's search document
	// holds; the newest comments are kept.
	MaxSearchText = 100_000
	// MaxSuggestions is the most members a mention suggestion returns.
	MaxSuggestions = 20
)

// Errors.
var (
	ErrNotFound    = fmt.Errorf("comment: comment %w", errkind.NotFound)
	ErrNotAuthor   = errkind.New(errkind.Forbidden, "comment: only its author may edit a comment")
	ErrNotAllowed  = errkind.New(errkind.Forbidden, "comment: only its author or a team admin or owner may delete a comment")
	ErrDeleted     = errkind.New(errkind.Conflict, "comment: the comment was deleted")
	ErrTooMany     = errkind.New(errkind.Conflict, fmt.Sprintf("comment: an item can have at most %d comments", MaxPerItem))
	errEmptyBody   = errkind.Field("body", "must not be empty")
	errLongBody    = errkind.Field("body", fmt.Sprintf("must be at most %d characters", MaxBody))
	errManyMention = errkind.Field("body", fmt.Sprintf("may mention at most %d members", MaxMentions))
)

// Actor is who is acting on a comment: an account, and whether its role in
// the team lets it moderate (delete others' comments).
type Actor struct {
	AccountID string
	Moderator bool
}
