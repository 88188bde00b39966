package sqlstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/attachment"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/blob"
	"github.com/pamateam/pama/internal/comment"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/sqlstore"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
)

// blobStore is what blob.Local and blob.S3 offer.
type blobStore interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error)
	Delete(ctx context.Context, key string) error
}

// files adapts a blob store to attachment.Blobs, remembering the keys put,
// and failing puts while failPut is set.
type files struct {
	b       blobStore
	mu      sync.Mutex
	keys    []string
	failPut bool
}

func (f *files) Put(ctx context.Context, key string, r io.Reader, size int64, ct string) error {
	f.mu.Lock()
	f.keys = append(f.keys, key)
	fail := f.failPut
	f.mu.Unlock()
	if fail {
		io.CopyN(io.Discard, r, size/2)
		return errors.New("disk on fire")
	}
	return f.b.Put(ctx, key, r, size, ct)
}

func (f *files) Open(ctx context.Context, key string) (attachment.Object, error) {
	rc, info, err := f.b.Get(ctx, key)
	if err != nil {
		return attachment.Object{}, err
	}
	return attachment.Object{Body: rc, Size: info.Size, ContentType: info.ContentType, Modified: info.Modified}, nil
}

func (f *files) Delete(ctx context.Context, key string) error { return f.b.Delete(ctx, key) }

func (f *files) lastKey() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.keys[len(f.keys)-1]
}

func (f *files) exists(t *testing.T, key string) bool {
	t.Helper()
	rc, _, err := f.b.Get(context.Background(), key)
	if errors.Is(err, blob.ErrNotFound) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	return true
}

// eachBlobStore runs fn on a local directory and, when PAMA_TEST_S3_ENDPOINT
// is set, on a fresh S3 bucket.
func eachBlobStore(t *testing.T, fn func(t *testing.T, b blobStore)) {
	t.Run("local", func(t *testing.T) {
		b, err := blob.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		fn(t, b)
	})
	t.Run("s3", func(t *testing.T) {
		endpoint := os.Getenv("PAMA_TEST_S3_ENDPOINT")
		if endpoint == "" {
			if os.Getenv("PAMA_TEST_REQUIRE_SERVICES") != "" {
				t.Fatal("PAMA_TEST_S3_ENDPOINT is not set; PAMA_TEST_REQUIRE_SERVICES demands the S3 tests")
			}
			t.Skip("PAMA_TEST_S3_ENDPOINT not set")
		}
		var r [4]byte
		rand.Read(r[:])
		b, err := blob.NewS3(context.Background(), blob.S3Config{Endpoint: endpoint, AccessKey: os.Getenv("PAMA_TEST_S3_ACCESS_KEY"),
			SecretKey: os.Getenv("PAMA_TEST_S3_SECRET_KEY"), Bucket: "pama-test-" + hex.EncodeToString(r[:]), Region: "us-east-1"})
		if err != nil {
			t.Fatal(err)
		}
		fn(t, b)
	})
}

// failingReader gives n bytes of data, then fails as a dropped connection does.
type failingReader struct {
	n     int
	after func()
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		if r.after != nil {
			r.after()
		}
		return 0, io.ErrUnexpectedEOF
	}
	k := min(len(p), r.n)
	for i := range k {
		p[i] = 'x'
	}
	r.n -= k
	return k, nil
}

func TestAttachmentUploadsLeaveNothingHalfWritten(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		p := newPeople(t, s)
		eachBlobStore(t, func(t *testing.T, b blobStore) {
			fs := &files{b: b}
			svc := attachment.NewService(s, fs, nil, attachment.Config{TeamQuota: 10_000, MaxSize: 4_000}, nil)
			it := p.create(t, backlog.NewItem{Title: "With files"})
			upload := func(body io.Reader, size int64) (attachment.Attachment, error) {
				return svc.Upload(p.ctx, p.team, attachment.Upload{ItemID: it.ID, Name: "f.txt", Size: size, Body: body, By: p.ann})
			}
			nothingLeft := func(what string) {
				t.Helper()
				key := fs.lastKey()
				if fs.exists(t, key) {
					t.Errorf("%s: content left at %s", what, key)
				}
				if list, _ := svc.List(p.ctx, p.team, it.ID); len(list) != 0 {
					t.Errorf("%s: attachments %+v", what, list)
				}
				if u, _ := svc.Usage(p.ctx, p.team); u.Bytes != 0 || u.Files != 0 {
					t.Errorf("%s: usage %+v", what, u)
				}
				if keys, _ := s.ClaimTrash(p.ctx, p.team, 10); len(keys) != 0 {
					t.Errorf("%s: trash %v", what, keys)
				}
			}

			// The client stops sending.
			if _, err := upload(&failingReader{n: 1500}, 3000); !errors.Is(err, attachment.ErrIncomplete) {
				t.Errorf("dropped upload: %v", err)
			}
			nothingLeft("dropped upload")
			// The client stops within the first bytes (before sniffing ends).
			if _, err := upload(&failingReader{n: 100}, 3000); !errors.Is(err, attachment.ErrIncomplete) {
				t.Errorf("upload dropped early: %v", err)
			}
			// The store fails.
			fs.failPut = true
			if _, err := upload(bytes.NewReader(make([]byte, 3000)), 3000); !errors.Is(err, errkind.Unavailable) {
				t.Errorf("failing store: %v", err)
			}
			fs.failPut = false
			nothingLeft("failing store")
			// The item is deleted while its file arrives.
			doomed := p.create(t, backlog.NewItem{Title: "Doomed"})
			body := io.MultiReader(bytes.NewReader(make([]byte, 1000)), &lazy{fn: func() io.Reader {
				if err := p.svc.DeleteItem(p.ctx, p.team, doomed.ID, 1); err != nil {
					t.Error(err)
				}
				return bytes.NewReader(make([]byte, 1000))
			}})
			if _, err := svc.Upload(p.ctx, p.team, attachment.Upload{ItemID: doomed.ID, Name: "f", Size: 2000, Body: body, By: p.ann}); !errors.Is(err, backlog.ErrItemNotFound) {
				t.Errorf("upload to an item deleted meanwhile: %v", err)
			}
			nothingLeft("item deleted meanwhile")

			// A server that stops mid-upload leaves its key in the trash; the
			// sweep deletes the content once the upload would have timed out.
			key := attachment.Key(p.team, "crashed-upload")
			if err := s.TrashBlob(p.ctx, p.team, key, time.Hour); err != nil {
				t.Fatal(err)
			}
			if err := b.Put(p.ctx, key, bytes.NewReader([]byte("half")), 4, "text/plain"); err != nil {
				t.Fatal(err)
			}
			svc.Sweep(p.ctx, p.team)
			if !fs.exists(t, key) {
				t.Fatal("swept an upload still in time")
			}
			s.SetClock(func() time.Time { return time.Now().Add(2 * time.Hour) })
			svc.Sweep(p.ctx, p.team)
			s.SetClock(time.Now)
			if fs.exists(t, key) {
				t.Error("abandoned upload not swept")
			}
			// An upload whose key was swept cannot be recorded any more.
			_, err := s.AddAttachment(p.ctx, p.team, attachment.Attachment{ID: "late", ItemID: it.ID, Name: "x", Size: 4, Key: key}, 0)
			if !errors.Is(err, attachment.ErrUploadExpired) {
				t.Errorf("recording a swept upload: %v", err)
			}

			// What works, works.
			a, err := upload(bytes.NewReader([]byte("%PDF-1.4 hello")), 14)
			if err != nil {
				t.Fatal(err)
			}
			_, obj, err := svc.Open(p.ctx, p.team, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(obj.Body)
			obj.Body.Close()
			if string(got) != "%PDF-1.4 hello" || a.ContentType != "application/pdf" {
				t.Errorf("stored %q as %s", got, a.ContentType)
			}
			if _, err := upload(bytes.NewReader(make([]byte, 5000)), 5000); !errors.As(err, new(*attachment.TooLargeError)) {
				t.Errorf("too large: %v", err)
			}
			// Deleting gives the room back and the content goes.
			if err := svc.Delete(p.ctx, p.team, a.ID, attachment.Actor{AccountID: p.bob}); !errors.Is(err, attachment.ErrNotAllowed) {
				t.Errorf("delete by another member: %v", err)
			}
			if err := svc.Delete(p.ctx, p.team, a.ID, attachment.Actor{AccountID: p.ann}); err != nil {
				t.Fatal(err)
			}
			if fs.exists(t, a.Key) {
				t.Error("deleted attachment's content left")
			}
			nothingLeft("after delete")
		})
	})
}

// lazy builds its reader when first read.
type lazy struct {
	fn func() io.Reader
	r  io.Reader
}

func (l *lazy) Read(p []byte) (int, error) {
	if l.r == nil {
		l.r = l.fn()
	}
	return l.r.Read(p)
}

func TestQuotaHoldsUnderConcurrentUploads(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		p := newPeople(t, s)
		b, err := blob.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		svc := attachment.NewService(s, &files{b: b}, nil, attachment.Config{TeamQuota: 5_000}, nil)
		it := p.create(t, backlog.NewItem{Title: "Race"})
		const n = 12
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, errs[i] = svc.Upload(p.ctx, p.team, attachment.Upload{ItemID: it.ID, Name: "f", Size: 1000,
					Body: bytes.NewReader(make([]byte, 1000)), By: p.ann})
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.As(err, new(*attachment.QuotaError)):
				t.Errorf("upload: %v", err)
			}
		}
		u, err := svc.Usage(p.ctx, p.team)
		if err != nil {
			t.Fatal(err)
		}
		list, _ := svc.List(p.ctx, p.team, it.ID)
		if ok != 5 || u.Bytes != 5000 || u.Files != 5 || len(list) != 5 {
			t.Errorf("%d uploads succeeded; usage %+v; %d listed", ok, u, len(list))
		}
	})
}

func TestDeletingTakesFilesAlong(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		p := newPeople(t, s)
		b, err := blob.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		fs := &files{b: b}
		svc := attachment.NewService(s, fs, nil, attachment.Config{}, nil)
		it := p.create(t, backlog.NewItem{Title: "Going away"})
		c, err := p.comments.Create(p.ctx, p.team, it.ID, p.ann, "see file, @bob")
		if err != nil {
			t.Fatal(err)
		}
		up := func(u attachment.Upload) attachment.Attachment {
			u.Name, u.Size, u.Body, u.By = "f.txt", 5, bytes.NewReader([]byte("hello")), p.ann
			a, err := svc.Upload(p.ctx, p.team, u)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		onItem := up(attachment.Upload{ItemID: it.ID})
		onComment := up(attachment.Upload{CommentID: c.ID})
		if onComment.ItemID != it.ID || onComment.CommentID != c.ID {
			t.Errorf("comment attachment = %+v", onComment)
		}
		if _, err := svc.Upload(p.as(p.bob), p.team, attachment.Upload{CommentID: c.ID, Name: "x", Size: 1, Body: bytes.NewReader([]byte("x")), By: p.bob}); !errors.Is(err, attachment.ErrNotCommentAuthor) {
			t.Errorf("upload to another's comment: %v", err)
		}

		if err := p.comments.Delete(p.ctx, p.team, c.ID, comment.Actor{AccountID: p.ann}, 1); err != nil {
			t.Fatal(err)
		}
		svc.Sweep(p.ctx, p.team)
		if _, err := svc.Get(p.ctx, p.team, onComment.ID); !errors.Is(err, attachment.ErrNotFound) {
			t.Errorf("attachment of a deleted comment: %v", err)
		}
		if fs.exists(t, onComment.Key) || !fs.exists(t, onItem.Key) {
			t.Error("deleting the comment deleted the wrong content")
		}
		if _, err := svc.Upload(p.ctx, p.team, attachment.Upload{CommentID: c.ID, Name: "x", Size: 1, Body: bytes.NewReader([]byte("x")), By: p.ann}); !errors.Is(err, attachment.ErrCommentDeleted) {
			t.Errorf("upload to a deleted comment: %v", err)
		}

		if err := p.svc.DeleteItem(p.ctx, p.team, it.ID, 1); err != nil {
			t.Fatal(err)
		}
		svc.Sweep(p.ctx, p.team)
		if fs.exists(t, onItem.Key) {
			t.Error("content of a deleted item's file left")
		}
		if u, _ := svc.Usage(p.ctx, p.team); u.Bytes != 0 || u.Files != 0 {
			t.Errorf("usage after deleting the item = %+v", u)
		}
		if _, _, err := s.Comments(p.ctx, p.team, it.ID, "", 10); !errors.Is(err, backlog.ErrItemNotFound) {
			t.Errorf("comments of a deleted item: %v", err)
		}
		if _, err := s.Comment(p.ctx, p.team, c.ID); !errors.Is(err, comment.ErrNotFound) {
			t.Errorf("comment of a deleted item: %v", err)
		}
		if n, _ := s.UnreadCount(p.ctx, p.team, p.bob); n != 0 {
			t.Errorf("bob has %d notifications about a deleted item", n)
		}
	})
}

func TestTrashKeysGoToOneSweep(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		team := s.NewTeamForTest(t, "ann")
		ctx := context.Background()
		want := map[string]bool{}
		for i := range 30 {
			k := attachment.Key(team, "k"+string(rune('a'+i)))
			want[k] = true
			if err := s.TrashBlob(ctx, team, k, 0); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.TrashBlob(ctx, team, attachment.Key(team, "later"), time.Hour); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		got := map[string]int{}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				keys, err := s.ClaimTrash(ctx, team, 100)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				for _, k := range keys {
					got[k]++
				}
				mu.Unlock()
			})
		}
		wg.Wait()
		if len(got) != len(want) {
			t.Errorf("claimed %d keys, want %d", len(got), len(want))
		}
		for k, n := range got {
			if !want[k] || n != 1 {
				t.Errorf("%s claimed %d times (due: %v)", k, n, want[k])
			}
		}
	})
}
