// Package attachment is files in Pama: attachments on backlog items and
// comments, and account avatars.
//
// Uploads stream from the request to the blob store (local directory or S3)
// without being held in memory. The content type is sniffed from the first
// bytes and never taken from the client; file names are cleaned (CleanName).
// Each file has a size limit and each team a storage quota, checked when the
// upload is accounted for: the attachment row and the team's usage change
// in one transaction, with a guarded update, so concurrent uploads cannot
// overrun the quota.
//
// Nothing is left half-written: before an upload starts its blob key is put
// in the team's blob trash, due when the upload would have timed out; the
// transaction that records the attachment takes it out again. An upload that
// fails, or a server that stops mid-upload, leaves no row, and its blob is
// deleted at once or by the next sweep. Deleting an attachment (directly, or
// with its comment or item) moves its key to the trash in the same
// transaction; Sweep deletes the blobs.
//
// Files are served (by the HTTP layer) with the type ServedType gives,
// Content-Disposition from Disposition (inline only for PNG, JPEG, GIF and
// WebP images; never SVG or HTML), X-Content-Type-Options: nosniff and a
// sandboxing Content-Security-Policy.
package attachment

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/pamateam/pama/internal/errkind"
)

// Attachment is a file attached to an item or to a comment on it.
type Attachment struct {
	ID          string    `json:"id"`
	TeamID      string    `json:"team_id"`
	ItemID      string    `json:"item_id"`
	CommentID   string    `json:"comment_id,omitempty" doc:"The comment it is attached to; absent when attached to the item"`
	Name        string    `json:"name" example:"screenshot.png" doc:"The file name, cleaned"`
	Size        int64     `json:"size" doc:"Bytes"`
	ContentType string    `json:"content_type" example:"image/png" doc:"Sniffed from the content; what the client said is ignored"`
	SHA256      string    `json:"sha256" doc:"Hex SHA-256 of the content; also its ETag"`
	Inline      bool      `json:"inline" doc:"Served for display in the page (PNG, JPEG, GIF and WebP images); everything else downloads"`
	UploadedBy  string    `json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
	ContentURL  string    `json:"content_url" example:"/api/v1/teams/0192.../attachments/0193.../content" doc:"Where to download the content"`
	Key         string    `json:"-"` // where the content is in the blob store
}

// Usage is how much of its storage a team uses.
type Usage struct {
	Bytes int64 `json:"bytes" doc:"Bytes of the team's attachments"`
	Files int64 `json:"files" doc:"How many attachments the team has"`
	Quota int64 `json:"quota" doc:"The most bytes the team may store; 0 for no limit"`
}

// Target is what an upload attaches to, as the store found it.
type Target struct {
	ItemID         string
	CommentID      string
	CommentAuthor  string
	CommentDeleted bool
}

// Object is stored content, open for reading. Body is also an io.Seeker
// when the store can seek (both Pama's stores can), which lets the HTTP
// layer answer range requests.
type Object struct {
	Body        io.ReadCloser
	Size        int64
	ContentType string
	Modified    time.Time
}

// Store is the persistence attachments need; sqlstore.Store implements it.
type Store interface {
	// AttachmentTarget checks that an item (commentID "") or a comment
	// exists and returns what an upload would attach to.
	AttachmentTarget(ctx context.Context, team, itemID, commentID string) (Target, error)
	// TrashBlob puts key in the team's blob trash, due after the given
	// time from now (an upload in flight is put there before it starts).
	TrashBlob(ctx context.Context, team, key string, after time.Duration) error
	// AddAttachment records a (with its item, comment, key, size and hash)
	// if the team's usage stays within quota (0: no limit) and the item has
	// fewer than MaxPerItem attachments, and takes a.Key out of the trash;
	// an upload whose key is no longer in the trash (it timed out) fails.
	AddAttachment(ctx context.Context, team string, a Attachment, quota int64) (Attachment, error)
	Attachment(ctx context.Context, team, id string) (Attachment, error)
	// Attachments returns an item's attachments (its comments' included), oldest first.
	Attachments(ctx context.Context, team, itemID string) ([]Attachment, error)
	// DeleteAttachment deletes an attachment if allow accepts it, moving its
	// key to the trash and giving back its bytes, in one transaction.
	DeleteAttachment(ctx context.Context, team, id string, allow func(Attachment) error) error
	StorageUsage(ctx context.Context, team string) (Usage, error)
	// ClaimTrash takes up to limit due keys out of the team's blob trash and
	// returns them; a key two sweeps race for goes to one of them.
	ClaimTrash(ctx context.Context, team string, limit int) ([]string, error)
	// ClearTrash takes keys out of the team's blob trash.
	ClearTrash(ctx context.Context, team string, keys []string) error
}

// Blobs is the file content store (blob.Local or blob.S3 behind a thin
// adapter). Put stores all of r (exactly size bytes) or nothing.
type Blobs interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	Open(ctx context.Context, key string) (Object, error)
	Delete(ctx context.Context, key string) error
}

// Accounts sets the avatar URL of an account; identity.Service implements it.
type Accounts interface {
	// SetAvatar stores url ("" for none) as the account's avatar and returns
	// the one it replaces.
	SetAvatar(ctx context.Context, accountID, url string) (previous string, err error)
}

// Config holds the limits.
type Config struct {
	// MaxSize is the largest attachment, in bytes. Default 25 MiB.
	MaxSize int64
	// TeamQuota is how many bytes of attachments a team may keep; 0 means
	// no limit. Default 1 GiB (use NoQuota for none).
	TeamQuota int64
	// MaxAvatar is the largest avatar image, in bytes. Default 2 MiB.
	MaxAvatar int64
	// UploadTimeout is how long an upload may take before the sweep may
	// delete what it wrote. Default 1h.
	UploadTimeout time.Duration
}

// NoQuota as Config.TeamQuota turns the storage quota off.
const NoQuota = -1

// Limits and defaults.
const (
	DefaultMaxSize   = 25 << 20
	DefaultTeamQuota = 1 << 30
	DefaultMaxAvatar = 2 << 20
	// MaxPerItem is the most attachments one item (with its comments) may have.
	MaxPerItem = 200
	// sweepBatch is how many trash entries one sweep handles.
	sweepBatch = 100
)

// Errors.
var (
	ErrNotFound         = fmt.Errorf("attachment: attachment %w", errkind.NotFound)
	ErrEmpty            = errkind.Field("body", "is empty; send the file's content as the request body")
	ErrLengthRequired   = errkind.New(errkind.Invalid, "attachment: send the file's length in Content-Length")
	ErrIncomplete       = errkind.New(errkind.Invalid, "attachment: the upload ended before all its bytes arrived")
	ErrNotAllowed       = errkind.New(errkind.Forbidden, "attachment: only the uploader or a team admin or owner may delete a file")
	ErrNotCommentAuthor = errkind.New(errkind.Forbidden, "attachment: only a comment's author may attach files to it")
	ErrCommentDeleted   = errkind.New(errkind.Conflict, "attachment: the comment was deleted")
	ErrTooManyFiles     = errkind.New(errkind.Conflict, fmt.Sprintf("attachment: an item can have at most %d files", MaxPerItem))
	ErrUploadExpired    = errkind.New(errkind.Conflict, "attachment: the upload took too long; send it again")
	ErrNotImage         = errkind.Field("body", "must be a PNG, JPEG, GIF or WebP image")
)

// TooLargeError reports a file over its size limit. It is a kind of Invalid;
// the HTTP layer answers it with 413.
type TooLargeError struct {
	What  string // "file", "avatar"
	Limit int64  // bytes
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("attachment: the %s is larger than the limit of %s", e.What, FormatBytes(e.Limit))
}

// Is reports that a TooLargeError is a kind of Invalid.
func (e *TooLargeError) Is(target error) bool { return target == errkind.Invalid }

// QuotaError reports an upload that would take a team over its storage
// quota. It is a kind of Quota (507).
type QuotaError struct {
	Used, Size, Quota int64
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("attachment: the team's file storage is full: %s of %s used, and this file needs %s; delete files or ask the operator for more room",
		FormatBytes(e.Used), FormatBytes(e.Quota), FormatBytes(e.Size))
}

// Is reports that a QuotaError is a kind of Quota.
func (e *QuotaError) Is(target error) bool { return target == errkind.Quota }

// FormatBytes writes n bytes for people: "25 MiB", "512 bytes".
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB"}
	v, i := float64(n)/unit, 0
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %s", int64(v), units[i])
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

// Actor is who is acting: an account, and whether its role lets it delete
// other people's files (a team admin or owner).
type Actor struct {
	AccountID string
	Moderator bool
}

// Key returns the blob key of a team's attachment.
func Key(team, id string) string { return "teams/" + team + "/attachments/" + id }

// ContentURL returns the API path of an attachment's content.
func ContentURL(team, id string) string {
	return "/api/v1/teams/" + team + "/attachments/" + id + "/content"
}
