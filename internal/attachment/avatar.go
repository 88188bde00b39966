package attachment

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/pamateam/pama/internal/errkind"
)

// Avatars are stored under accounts/<account>/avatar-<random> and served at
// /api/v1/avatars/<account>/avatar-<random>, the URL kept in the account.
// A new avatar gets a new random name, so its URL can be cached for good
// and the old image stops being served once it is replaced.

// ErrAvatarNotFound reports an avatar that is not (or no longer) there.
var ErrAvatarNotFound = fmt.Errorf("attachment: avatar %w", errkind.NotFound)

const avatarPath = "/api/v1/avatars/"

var (
	avatarNameRE = regexp.MustCompile(`^avatar-[0-9a-f]{32}$`)
	accountIDRE  = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
)

// AvatarURL returns the URL an avatar is served at.
func AvatarURL(accountID, name string) string { return avatarPath + accountID + "/" + name }

// avatarKey returns the blob key of an avatar, or "" if the account id or
// name is not one Pama makes.
func avatarKey(accountID, name string) string {
	if !accountIDRE.MatchString(accountID) || !avatarNameRE.MatchString(name) {
		return ""
	}
	return "accounts/" + accountID + "/" + name
}

// keyOfURL returns the blob key of an avatar URL this package made, or "".
func keyOfURL(url string) string {
	rest, ok := strings.CutPrefix(url, avatarPath)
	if !ok {
		return ""
	}
	account, name, _ := strings.Cut(rest, "/")
	return avatarKey(account, name)
}

// SetAvatar stores a new avatar image for an account and returns its URL.
// The image must be PNG, JPEG, GIF or WebP (by its content) and at most
// Config.MaxAvatar bytes. The previous avatar is deleted.
func (s *Service) SetAvatar(ctx context.Context, accountID string, body io.Reader, size int64) (string, error) {
	switch {
	case size < 0:
		return "", ErrLengthRequired
	case size == 0:
		return "", ErrEmpty
	case size > s.cfg.MaxAvatar:
		return "", &TooLargeError{What: "avatar", Limit: s.cfg.MaxAvatar}
	}
	var r [16]byte
	rand.Read(r[:])
	name := "avatar-" + hex.EncodeToString(r[:])
	key := avatarKey(accountID, name)
	if key == "" {
		return "", ErrAvatarNotFound
	}
	src := &clientReader{r: body}
	head := make([]byte, min(size, SniffLen))
	if _, err := io.ReadFull(src, head); err != nil {
		return "", ErrIncomplete
	}
	ct := Sniff(head)
	if !Inline(ct) {
		return "", ErrNotImage
	}
	err := s.blobs.Put(ctx, key, io.MultiReader(bytes.NewReader(head), src), size, ct)
	if err != nil {
		s.dropBlob(ctx, key)
		if cerr := src.failed(err, size); cerr != nil {
			return "", cerr
		}
		return "", fmt.Errorf("attachment: store avatar: %w", errors.Join(errkind.Unavailable, err))
	}
	url := AvatarURL(accountID, name)
	prev, err := s.accounts.SetAvatar(ctx, accountID, url)
	if err != nil {
		s.dropBlob(ctx, key)
		return "", err
	}
	if k := keyOfURL(prev); k != "" {
		s.dropBlob(ctx, k)
	}
	return url, nil
}

// RemoveAvatar removes an account's avatar.
func (s *Service) RemoveAvatar(ctx context.Context, accountID string) error {
	prev, err := s.accounts.SetAvatar(ctx, accountID, "")
	if err != nil {
		return err
	}
	if k := keyOfURL(prev); k != "" {
		s.dropBlob(ctx, k)
	}
	return nil
}

// OpenAvatar returns the content of an avatar, which the caller closes.
func (s *Service) OpenAvatar(ctx context.Context, accountID, name string) (Object, error) {
	key := avatarKey(accountID, name)
	if key == "" {
		return Object{}, ErrAvatarNotFound
	}
	obj, err := s.blobs.Open(ctx, key)
	if errors.Is(err, errkind.NotFound) {
		return Object{}, ErrAvatarNotFound
	}
	if err != nil {
		return Object{}, fmt.Errorf("attachment: open avatar: %w", errors.Join(errkind.Unavailable, err))
	}
	return obj, nil
}

// dropBlob deletes content no row refers to, logging a failure (the
// content is then orphaned: no one can reach it, but it takes room).
func (s *Service) dropBlob(ctx context.Context, key string) {
	ctx = context.WithoutCancel(ctx)
	if err := s.blobs.Delete(ctx, key); err != nil {
		s.log.WarnContext(ctx, "delete unused blob", "key", key, "err", err)
	}
}
