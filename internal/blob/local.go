package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Local stores objects as files under a directory. The content type is kept
// in a sidecar file next to the object.
type Local struct {
	dir string
}

// NewLocal returns a store rooted at dir, creating it if needed.
func NewLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("blob: create %s: %w", dir, err)
	}
	return &Local{dir: dir}, nil
}

func (l *Local) path(key string) string { return filepath.Join(l.dir, filepath.FromSlash(key)) }

// Put stores r under key. It reads at most size bytes and fails if r holds
// more or fewer; nothing is stored unless the whole content is.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	p := l.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".upload-*")
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	n, err := io.Copy(f, io.LimitReader(ctxReader{ctx, r}, size+1))
	if err == nil && n != size {
		err = fmt.Errorf("blob: got %d bytes, want %d", n, size)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("blob: write %s: %w", key, err)
	}
	if err := os.WriteFile(p+".type", []byte(contentType), 0o640); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// Get opens the object at key.
func (l *Local) Get(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := CheckKey(key); err != nil {
		return nil, Info{}, err
	}
	f, err := os.Open(l.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Info{}, ErrNotFound
	}
	if err != nil {
		return nil, Info{}, fmt.Errorf("blob: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, Info{}, fmt.Errorf("blob: %w", err)
	}
	ct, _ := os.ReadFile(l.path(key) + ".type")
	return f, Info{Key: key, Size: st.Size(), ContentType: string(ct), Modified: st.ModTime().UTC()}, nil
}

// Delete removes the object at key; deleting a missing key is not an error.
func (l *Local) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	for _, p := range []string{l.path(key), l.path(key) + ".type"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("blob: %w", err)
		}
	}
	return nil
}

// DeletePrefix removes every object whose key starts with prefix (which ends in "/").
func (l *Local) DeletePrefix(ctx context.Context, prefix string) error {
	if err := checkPrefix(prefix); err != nil {
		return err
	}
	if err := os.RemoveAll(l.path(strings.TrimSuffix(prefix, "/"))); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// Ping checks that the directory is writable.
func (l *Local) Ping(ctx context.Context) error {
	f, err := os.CreateTemp(l.dir, ".ping-*")
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// ctxReader stops reading when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Walk calls fn for every object whose key starts with prefix (which ends in
// "/"), in key order, and stops at fn's first error.
func (l *Local) Walk(ctx context.Context, prefix string, fn func(Info) error) error {
	if err := checkPrefix(prefix); err != nil {
		return err
	}
	root := l.path(strings.TrimSuffix(prefix, "/"))
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == root {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || strings.HasSuffix(p, ".type") || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, err := filepath.Rel(l.dir, p)
		if err != nil {
			return err
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		ct, _ := os.ReadFile(p + ".type")
		return fn(Info{Key: filepath.ToSlash(rel), Size: st.Size(), ContentType: string(ct), Modified: st.ModTime().UTC()})
	})
	if err != nil {
		return fmt.Errorf("blob: walk %s: %w", prefix, err)
	}
	return nil
}
