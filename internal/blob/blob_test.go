package blob_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/pamateam/pama/internal/blob"
)

type store interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error)
	Delete(ctx context.Context, key string) error
	DeletePrefix(ctx context.Context, prefix string) error
	Ping(ctx context.Context) error
}

func eachStore(t *testing.T, fn func(t *testing.T, s store)) {
	t.Run("local", func(t *testing.T) {
		s, err := blob.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		fn(t, s)
	})
	t.Run("s3", func(t *testing.T) {
		endpoint := os.Getenv("PAMA_TEST_S3_ENDPOINT")
		if endpoint == "" {
			if os.Getenv("PAMA_TEST_REQUIRE_SERVICES") != "" {
				t.Fatal("PAMA_TEST_S3_ENDPOINT is not set; PAMA_TEST_REQUIRE_SERVICES demands the S3 tests")
			}
			t.Skip("PAMA_TEST_S3_ENDPOINT not set")
		}
		var b [4]byte
		rand.Read(b[:])
		s, err := blob.NewS3(context.Background(), blob.S3Config{
			Endpoint: endpoint, AccessKey: os.Getenv("PAMA_TEST_S3_ACCESS_KEY"), SecretKey: os.Getenv("PAMA_TEST_S3_SECRET_KEY"),
			Bucket: "pama-test-" + hex.EncodeToString(b[:]), Region: "us-east-1",
		})
		if err != nil {
			t.Fatal(err)
		}
		fn(t, s)
	})
}

func read(t *testing.T, s store, key string) (string, blob.Info) {
	t.Helper()
	rc, info, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), info
}

func TestStoreConformance(t *testing.T) {
	eachStore(t, func(t *testing.T, s store) {
		ctx := context.Background()
		if err := s.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		body := "hello, team"
		if err := s.Put(ctx, "teams/a/att/1", strings.NewReader(body), int64(len(body)), "text/plain"); err != nil {
			t.Fatalf("Put: %v", err)
		}
		got, info := read(t, s, "teams/a/att/1")
		if got != body || info.Size != int64(len(body)) || info.ContentType != "text/plain" {
			t.Errorf("Get = %q %+v", got, info)
		}
		// A short read stores nothing.
		if err := s.Put(ctx, "teams/a/att/2", strings.NewReader("abc"), 10, "text/plain"); err == nil {
			t.Error("Put with fewer bytes than declared succeeded")
		}
		if _, _, err := s.Get(ctx, "teams/a/att/2"); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("after a failed Put, Get err = %v, want ErrNotFound", err)
		}
		// Overwrite replaces the whole content.
		big := bytes.Repeat([]byte("x"), 1<<20)
		if err := s.Put(ctx, "teams/a/att/1", bytes.NewReader(big), int64(len(big)), "application/octet-stream"); err != nil {
			t.Fatal(err)
		}
		if got, _ := read(t, s, "teams/a/att/1"); len(got) != len(big) {
			t.Errorf("after overwrite, %d bytes", len(got))
		}
		s.Put(ctx, "teams/b/att/1", strings.NewReader("b"), 1, "text/plain")
		if err := s.DeletePrefix(ctx, "teams/a/"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Get(ctx, "teams/a/att/1"); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("after DeletePrefix, err = %v", err)
		}
		if got, _ := read(t, s, "teams/b/att/1"); got != "b" {
			t.Errorf("DeletePrefix(teams/a/) touched teams/b: %q", got)
		}
		if err := s.Delete(ctx, "teams/b/att/1"); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, "teams/b/att/1"); err != nil {
			t.Errorf("deleting a missing key: %v", err)
		}
		for _, bad := range []string{"", "/abs", "a/../b", "a//b", "a/./b", "a b", "teams/ä"} {
			if err := s.Put(ctx, bad, strings.NewReader("x"), 1, ""); err == nil {
				t.Errorf("Put(%q) accepted a bad key", bad)
			}
		}
		if err := s.DeletePrefix(ctx, ""); err == nil {
			t.Error("DeletePrefix(\"\") accepted")
		}
	})
}
