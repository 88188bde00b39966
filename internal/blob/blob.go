// Package blob stores file contents (attachments, avatars) by key: in a local
// directory by default, or in S3-compatible object storage when scaled out.
// Both stores have the same methods and the same guarantees: a Put is
// complete or absent (never half a file), Get of a missing key is
// ErrNotFound, and keys cannot escape their store.
package blob

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pamateam/pama/internal/errkind"
)

// ErrNotFound reports a key with no object.
var ErrNotFound = fmt.Errorf("blob: object %w", errkind.NotFound)

// Info describes a stored object.
type Info struct {
	Key         string
	Size        int64
	ContentType string
	Modified    time.Time
}

// CheckKey accepts keys made of path segments of letters, digits and
// -_. (no empty, "." or ".." segment, no leading slash), at most 512 bytes.
func CheckKey(key string) error {
	if key == "" || len(key) > 512 || strings.HasPrefix(key, "/") {
		return fmt.Errorf("blob: bad key %q", key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("blob: bad key %q", key)
		}
		for _, c := range seg {
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
			if !ok {
				return fmt.Errorf("blob: bad key %q", key)
			}
		}
	}
	return nil
}

// checkPrefix accepts "" (everything) or a key prefix ending in "/".
func checkPrefix(prefix string) error {
	if prefix == "" {
		return errors.New("blob: refusing to delete everything")
	}
	if !strings.HasSuffix(prefix, "/") {
		return fmt.Errorf("blob: prefix %q must end in /", prefix)
	}
	return CheckKey(strings.TrimSuffix(prefix, "/"))
}
