package app

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/pamateam/pama/internal/attachment"
	"github.com/pamateam/pama/internal/blob"
	"github.com/pamateam/pama/internal/config"
)

// BlobStore is what both file stores (blob.Local and blob.S3) offer.
type BlobStore interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error)
	Delete(ctx context.Context, key string) error
	DeletePrefix(ctx context.Context, prefix string) error
	Walk(ctx context.Context, prefix string, fn func(blob.Info) error) error
	Ping(ctx context.Context) error
}

// newBlobs picks the file store: S3 when an endpoint is configured, a
// directory under the data dir otherwise.
func newBlobs(ctx context.Context, cfg config.Config) (BlobStore, error) {
	switch {
	case cfg.S3.Endpoint != "":
		s, err := blob.NewS3(ctx, blob.S3Config{
			Endpoint: cfg.S3.Endpoint, AccessKey: cfg.S3.AccessKey, SecretKey: cfg.S3.SecretKey,
			Bucket: cfg.S3.Bucket, Region: cfg.S3.Region, UseTLS: cfg.S3.TLS,
		})
		if err != nil {
			return nil, fmt.Errorf("app: file storage: %w", err)
		}
		return s, nil
	default:
		l, err := blob.NewLocal(filepath.Join(cfg.Data, "files"))
		if err != nil {
			return nil, fmt.Errorf("app: file storage: %w", err)
		}
		return l, nil
	}
}

// blobFiles adapts a BlobStore to attachment.Blobs.
type blobFiles struct{ b BlobStore }

func (f blobFiles) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	return f.b.Put(ctx, key, r, size, contentType)
}

func (f blobFiles) Open(ctx context.Context, key string) (attachment.Object, error) {
	rc, info, err := f.b.Get(ctx, key)
	if err != nil {
		return attachment.Object{}, err
	}
	return attachment.Object{Body: rc, Size: info.Size, ContentType: info.ContentType, Modified: info.Modified}, nil
}

func (f blobFiles) Delete(ctx context.Context, key string) error { return f.b.Delete(ctx, key) }
