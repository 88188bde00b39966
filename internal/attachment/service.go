package attachment

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/pamateam/pama/internal/errkind"
)

// Service is the files' use cases over a Store, a Blobs store and the
// accounts (for avatars).
type Service struct {
	store    Store
	blobs    Blobs
	accounts Accounts
	cfg      Config
	log      *slog.Logger
	quotas   TeamQuotas
}

// TeamQuotas gives each team space its own storage quota, set by the
// operator; *operator.Service implements it.
type TeamQuotas interface {
	// StorageQuota returns the most bytes of files the space may keep (0: no limit).
	StorageQuota(ctx context.Context, team string) (int64, error)
}

// SetTeamQuotas makes uploads use q's quota of each space instead of
// Config.TeamQuota. Call it before serving.
func (s *Service) SetTeamQuotas(q TeamQuotas) { s.quotas = q }

// teamQuota is the storage quota of team (0: no limit).
func (s *Service) teamQuota(ctx context.Context, team string) (int64, error) {
	if s.quotas == nil {
		return s.cfg.TeamQuota, nil
	}
	return s.quotas.StorageQuota(ctx, team)
}

// NewService returns a Service. Zero fields of cfg get their defaults.
func NewService(store Store, blobs Blobs, accounts Accounts, cfg Config, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = DefaultMaxSize
	}
	switch {
	case cfg.TeamQuota == 0:
		cfg.TeamQuota = DefaultTeamQuota
	case cfg.TeamQuota < 0:
		cfg.TeamQuota = 0
	}
	if cfg.MaxAvatar <= 0 {
		cfg.MaxAvatar = DefaultMaxAvatar
	}
	if cfg.UploadTimeout <= 0 {
		cfg.UploadTimeout = time.Hour
	}
	return &Service{store: store, blobs: blobs, accounts: accounts, cfg: cfg, log: log}
}

// Limits returns the configured limits (TeamQuota 0: no quota).
func (s *Service) Limits() Config { return s.cfg }

// Upload is one file arriving.
type Upload struct {
	ItemID    string // the item to attach to (ignored when CommentID is set)
	CommentID string // the comment to attach to; "" for the item itself
	Name      string // the client's file name; cleaned before use
	Size      int64  // the length the client declared; -1 when unknown
	Body      io.Reader
	By        string // the uploader
}

func (s *Service) withURL(a Attachment) Attachment {
	a.ContentURL = ContentURL(a.TeamID, a.ID)
	a.Inline = Inline(a.ContentType)
	return a
}

// Upload streams a file into the blob store and records it. The size must be
// known in advance and within the limit, the team must have room for it, and
// a comment may only get files from its author. If anything fails, no
// attachment is recorded and the content is deleted.
func (s *Service) Upload(ctx context.Context, team string, u Upload) (Attachment, error) {
	tgt, err := s.store.AttachmentTarget(ctx, team, u.ItemID, u.CommentID)
	if err != nil {
		return Attachment{}, err
	}
	if tgt.CommentID != "" {
		if tgt.CommentDeleted {
			return Attachment{}, ErrCommentDeleted
		}
		if tgt.CommentAuthor != u.By {
			return Attachment{}, ErrNotCommentAuthor
		}
	}
	switch {
	case u.Size < 0:
		return Attachment{}, ErrLengthRequired
	case u.Size == 0:
		return Attachment{}, ErrEmpty
	case u.Size > s.cfg.MaxSize:
		return Attachment{}, &TooLargeError{What: "file", Limit: s.cfg.MaxSize}
	}
	quota, err := s.teamQuota(ctx, team)
	if err != nil {
		return Attachment{}, err
	}
	if quota > 0 {
		use, err := s.store.StorageUsage(ctx, team)
		if err != nil {
			return Attachment{}, err
		}
		if use.Bytes+u.Size > quota {
			return Attachment{}, &QuotaError{Used: use.Bytes, Size: u.Size, Quota: quota}
		}
	}

	id := uuid.Must(uuid.NewV7()).String()
	key := Key(team, id)
	if err := s.store.TrashBlob(ctx, team, key, s.cfg.UploadTimeout); err != nil {
		return Attachment{}, err
	}
	ct, sum, err := s.put(ctx, key, u.Body, u.Size)
	if err != nil {
		s.discard(ctx, team, key)
		return Attachment{}, err
	}
	a, err := s.store.AddAttachment(ctx, team, Attachment{
		ID: id, TeamID: team, ItemID: tgt.ItemID, CommentID: tgt.CommentID, Name: CleanName(u.Name),
		Size: u.Size, ContentType: ct, SHA256: sum, UploadedBy: u.By, Key: key,
	}, quota)
	if err != nil {
		s.discard(ctx, team, key)
		return Attachment{}, err
	}
	s.Sweep(ctx, team)
	return s.withURL(a), nil
}

// put streams size bytes of body to key, sniffing the type from the first
// bytes and hashing the whole. It tells a client that stopped sending
// (ErrIncomplete) from a store that failed.
func (s *Service) put(ctx context.Context, key string, body io.Reader, size int64) (contentType, sha string, err error) {
	src := &clientReader{r: body}
	head := make([]byte, min(size, SniffLen))
	if _, err := io.ReadFull(src, head); err != nil {
		return "", "", ErrIncomplete
	}
	ct := Sniff(head)
	h := sha256.New()
	h.Write(head)
	rest := io.TeeReader(src, h)
	err = s.blobs.Put(ctx, key, io.MultiReader(bytes.NewReader(head), rest), size, ct)
	if err := src.failed(err, size); err != nil {
		return "", "", err
	}
	if err != nil && ctx.Err() != nil {
		return "", "", ctx.Err()
	}
	if err != nil {
		return "", "", fmt.Errorf("attachment: store content: %w", errors.Join(errkind.Unavailable, err))
	}
	return ct, hex.EncodeToString(h.Sum(nil)), nil
}

// clientReader counts what the client sent and remembers why it stopped.
type clientReader struct {
	r   io.Reader
	n   int64
	err error
}

// failed returns ErrIncomplete if a store's error putErr came from the
// client: its connection failed, or it ended before size bytes.
func (c *clientReader) failed(putErr error, size int64) error {
	switch {
	case putErr == nil:
		return nil
	case c.err != nil && !errors.Is(c.err, io.EOF), errors.Is(c.err, io.EOF) && c.n < size:
		return ErrIncomplete
	}
	return nil
}

func (c *clientReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil {
		c.err = err
	}
	return n, err
}

// discard deletes the content of an upload that will not be recorded, and
// its trash entry; what fails here the next sweep finishes.
func (s *Service) discard(ctx context.Context, team, key string) {
	ctx = context.WithoutCancel(ctx)
	if err := s.blobs.Delete(ctx, key); err != nil {
		s.log.WarnContext(ctx, "delete failed upload; the sweep will retry", "team", team, "key", key, "err", err)
		return
	}
	if err := s.store.ClearTrash(ctx, team, []string{key}); err != nil {
		s.log.WarnContext(ctx, "clear upload from trash", "team", team, "key", key, "err", err)
	}
}

// Get returns one attachment's details.
func (s *Service) Get(ctx context.Context, team, id string) (Attachment, error) {
	a, err := s.store.Attachment(ctx, team, id)
	if err != nil {
		return Attachment{}, err
	}
	return s.withURL(a), nil
}

// List returns an item's attachments, its comments' included, oldest first.
func (s *Service) List(ctx context.Context, team, itemID string) ([]Attachment, error) {
	if _, err := s.store.AttachmentTarget(ctx, team, itemID, ""); err != nil {
		return nil, err
	}
	list, err := s.store.Attachments(ctx, team, itemID)
	if err != nil {
		return nil, err
	}
	out := make([]Attachment, len(list))
	for i, a := range list {
		out[i] = s.withURL(a)
	}
	return out, nil
}

// Open returns an attachment and its content, which the caller closes.
func (s *Service) Open(ctx context.Context, team, id string) (Attachment, Object, error) {
	a, err := s.store.Attachment(ctx, team, id)
	if err != nil {
		return Attachment{}, Object{}, err
	}
	obj, err := s.blobs.Open(ctx, a.Key)
	if errors.Is(err, errkind.NotFound) {
		s.log.ErrorContext(ctx, "attachment without content", "team", team, "attachment", id, "key", a.Key)
		return Attachment{}, Object{}, ErrNotFound
	}
	if err != nil {
		return Attachment{}, Object{}, fmt.Errorf("attachment: open content: %w", errors.Join(errkind.Unavailable, err))
	}
	return s.withURL(a), obj, nil
}

// Delete deletes an attachment and its content. The uploader may delete it,
// and a team admin or owner any.
func (s *Service) Delete(ctx context.Context, team, id string, actor Actor) error {
	err := s.store.DeleteAttachment(ctx, team, id, func(a Attachment) error {
		if a.UploadedBy != actor.AccountID && !actor.Moderator {
			return ErrNotAllowed
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.Sweep(ctx, team)
	return nil
}

// Usage returns how much storage the team uses, and its quota.
func (s *Service) Usage(ctx context.Context, team string) (Usage, error) {
	u, err := s.store.StorageUsage(ctx, team)
	if err != nil {
		return Usage{}, err
	}
	if u.Quota, err = s.teamQuota(ctx, team); err != nil {
		return Usage{}, err
	}
	return u, nil
}

// Sweep deletes the content of the team's deleted attachments and abandoned
// uploads that is due. Failures are logged and left for the next sweep.
// Uploads and deletions sweep their team; call it after other changes that
// delete attachments (deleting a comment or an item).
func (s *Service) Sweep(ctx context.Context, team string) {
	ctx = context.WithoutCancel(ctx)
	// Claim first, then delete: an upload whose key was claimed can no
	// longer be recorded, so no attachment ever points at deleted content.
	keys, err := s.store.ClaimTrash(ctx, team, sweepBatch)
	if err != nil {
		s.log.WarnContext(ctx, "claim blob trash", "team", team, "err", err)
		return
	}
	for _, k := range keys {
		if err := s.blobs.Delete(ctx, k); err != nil {
			s.log.WarnContext(ctx, "delete blob; will retry", "team", team, "key", k, "err", err)
			if err := s.store.TrashBlob(ctx, team, k, retryAfter); err != nil {
				s.log.ErrorContext(ctx, "blob left behind", "team", team, "key", k, "err", err)
			}
		}
	}
}

// retryAfter is when a blob that could not be deleted is tried again.
const retryAfter = time.Minute
