package operator_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/attachment"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/blob"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/operator"
	"github.com/pamateam/pama/internal/product"
	"github.com/pamateam/pama/internal/sqlstore"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
	"github.com/pamateam/pama/internal/team"
)

// env is an operator service on a real store with a local file store and a
// mailer that records what it sends.
type env struct {
	store *sqlstore.Store
	svc   *operator.Service
	files *blob.Local
	mail  *mailbox
	now   time.Time
}

type mailbox struct {
	mu   sync.Mutex
	sent []string // "to|subject"
}

func (m *mailbox) Send(_ context.Context, to, subject, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, to+"|"+subject)
	return nil
}

func (m *mailbox) all() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.sent...)
}

type files struct{ l *blob.Local }

func (f files) Walk(ctx context.Context, prefix string, fn func(string, int64) error) error {
	return f.l.Walk(ctx, prefix, func(i blob.Info) error { return fn(i.Key, i.Size) })
}
func (f files) Get(ctx context.Context, key string) (io.ReadCloser, string, error) {
	rc, info, err := f.l.Get(ctx, key)
	return rc, info.ContentType, err
}
func (f files) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	return f.l.Put(ctx, key, r, size, contentType)
}
func (f files) DeletePrefix(ctx context.Context, prefix string) error {
	return f.l.DeletePrefix(ctx, prefix)
}

type emails struct{ s *sqlstore.Store }

func (e emails) Emails(ctx context.Context, ids []string) (map[string]string, error) {
	refs, err := e.s.AccountRefs(ctx, ids)
	out := map[string]string{}
	for _, r := range refs {
		out[r.ID] = r.Email
	}
	return out, err
}

func newEnv(t *testing.T, s *sqlstore.Store, filesDir string, cfg operator.Config) *env {
	t.Helper()
	l, err := blob.NewLocal(filesDir)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{store: s, files: l, mail: &mailbox{}, now: time.Now()}
	if cfg.ExportDir == "" {
		cfg.ExportDir = t.TempDir()
	}
	if cfg.JobPoll == 0 {
		cfg.JobPoll = 20 * time.Millisecond
	}
	e.svc = operator.New(operator.Deps{Store: s, Blobs: files{l}, Mailer: e.mail, Accounts: emails{s}}, cfg)
	return e
}

var ctx = activity.WithActor(context.Background(), "op-1")

// space makes a team space with an owner account, a product and n items.
func (e *env) space(t testing.TB, slug string, n int) (team.Team, identity.Account) {
	t.Helper()
	owner, err := e.store.CreateAccount(ctx, identity.Account{Email: slug + "@example.com", DisplayName: "Owner of " + slug})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.store.CreateTeam(activity.WithActor(ctx, owner.ID), team.NewTeam{Slug: slug, Name: "Team " + slug, CreatedBy: owner.ID,
		Settings: team.DefaultSettings("Team " + slug), FirstProduct: &product.Product{Key: "PRD", Name: "Product"}})
	if err != nil {
		t.Fatal(err)
	}
	bl := backlog.NewService(e.store, nil)
	for i := range n {
		pts := float64(i % 8)
		if _, err := bl.CreateItem(activity.WithActor(ctx, owner.ID), c.Team.ID, backlog.NewItem{ProductID: c.Product.ID,
			Kind: backlog.KindStory, Title: fmt.Sprintf("Story %d of %s", i, slug), Description: "As a **user** I want " + slug,
			Points: &pts, Labels: []string{"l" + fmt.Sprint(i%3)}, Assignees: []string{owner.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	return c.Team, owner
}

func TestLifecycle(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		e := newEnv(t, s, t.TempDir(), operator.Config{DeleteGrace: time.Hour})
		now := time.Now()
		e.svc.SetClock(func() time.Time { return now })
		tm, _ := e.space(t, "whales", 3)
		if err := e.files.Put(ctx, "teams/"+tm.ID+"/a/file.txt", strings.NewReader("hello"), 5, "text/plain"); err != nil {
			t.Fatal(err)
		}

		steps := []struct {
			name   string
			do     func() (operator.Space, error)
			state  team.State
			closed bool
			err    error
		}{
			{"suspend read-only", func() (operator.Space, error) { return e.svc.Suspend(ctx, "whales", operator.ReadOnly, "unpaid") }, team.StateSuspended, false, nil},
			{"suspend closed", func() (operator.Space, error) { return e.svc.Suspend(ctx, "whales", operator.Closed, "") }, team.StateSuspended, true, nil},
			{"restore refused", func() (operator.Space, error) { return e.svc.Restore(ctx, "whales", "") }, "", false, errkind.Conflict},
			{"resume", func() (operator.Space, error) { return e.svc.Resume(ctx, "whales", "") }, team.StateActive, false, nil},
			{"resume twice refused", func() (operator.Space, error) { return e.svc.Resume(ctx, "whales", "") }, "", false, errkind.Conflict},
			{"archive", func() (operator.Space, error) { return e.svc.Archive(ctx, tm.ID, "") }, team.StateArchived, false, nil},
			{"restore archived", func() (operator.Space, error) { return e.svc.Restore(ctx, "whales", "") }, team.StateActive, false, nil},
			{"delete", func() (operator.Space, error) { return e.svc.Delete(ctx, "whales", "asked") }, team.StateDeleted, false, nil},
			{"restore deleted", func() (operator.Space, error) { return e.svc.Restore(ctx, "whales", "") }, team.StateActive, false, nil},
		}
		for _, st := range steps {
			sp, err := st.do()
			if st.err != nil {
				if !errors.Is(err, st.err) {
					t.Fatalf("%s: err = %v, want %v", st.name, err, st.err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if sp.State != st.state || sp.Closed != st.closed {
				t.Fatalf("%s: state %s closed %v, want %s %v", st.name, sp.State, sp.Closed, st.state, st.closed)
			}
			// Members see what the registry says.
			reg, err := s.TeamByRef(ctx, tm.ID)
			if err != nil {
				t.Fatal(err)
			}
			if reg.State != st.state || reg.Closed != st.closed {
				t.Fatalf("%s: registry %s/%v", st.name, reg.State, reg.Closed)
			}
			if st.state == team.StateArchived && s.Engine() == sqlstore.SQLite {
				if sp.Archive != "gzip" {
					t.Fatalf("archive = %q, want gzip", sp.Archive)
				}
			}
		}
		// The data survived archive and restore.
		if n, err := s.CountItems(ctx, tm.ID); err != nil || n != 3 {
			t.Fatalf("items after restore = %d, %v; want 3", n, err)
		}

		// Every action is in the audit log, newest first.
		log, _, err := e.svc.AuditLog(ctx, operator.AuditQuery{Target: tm.ID, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, a := range log {
			actions = append(actions, a.Action)
			if a.ActorID != "op-1" {
				t.Errorf("audit actor = %q", a.ActorID)
			}
		}
		want := []string{"operator.restore", "operator.delete", "operator.restore", "operator.archive", "operator.resume",
			"operator.suspend", "operator.suspend"}
		if diff := cmp.Diff(want, actions); diff != "" {
			t.Errorf("audit actions (-want +got):\n%s", diff)
		}
		if log[len(log)-1].Details["reason"] != "unpaid" || log[len(log)-1].Details["mode"] != "read_only" {
			t.Errorf("first audit details = %v", log[len(log)-1].Details)
		}

		// Delete, and erase for real after the grace period: data, registry and files.
		if _, err := e.svc.Delete(ctx, "whales", ""); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Purge(ctx, tm.ID); !errors.Is(err, errkind.Conflict) {
			t.Fatalf("purge within grace: %v, want conflict", err)
		}
		if n, _ := e.svc.PurgeDue(ctx); n != 0 {
			t.Fatalf("purged %d within grace", n)
		}
		now = now.Add(2 * time.Hour)
		if n, err := e.svc.PurgeDue(ctx); err != nil || n != 1 {
			t.Fatalf("PurgeDue = %d, %v; want 1", n, err)
		}
		if _, err := e.svc.Show(ctx, tm.ID); !errors.Is(err, errkind.NotFound) {
			t.Fatalf("show after purge: %v", err)
		}
		if _, err := s.TeamByRef(ctx, "whales"); !errors.Is(err, errkind.NotFound) {
			t.Fatalf("registry after purge: %v", err)
		}
		if _, _, err := e.files.Get(ctx, "teams/"+tm.ID+"/a/file.txt"); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("file after purge: %v", err)
		}
		if _, err := s.CountItems(ctx, tm.ID); err == nil && s.Engine() == sqlstore.SQLite {
			t.Fatal("team file still opens after purge")
		}
		if s.Engine() == sqlstore.Postgres {
			if n, err := s.CountItems(ctx, tm.ID); err != nil || n != 0 {
				t.Fatalf("rows after purge = %d, %v", n, err)
			}
		}
		if ok, _ := s.SlugTaken(ctx, "whales"); ok {
			t.Fatal("slug still taken after purge")
		}
	})
}

func TestListFiltersSortsAndPages(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		e := newEnv(t, s, t.TempDir(), operator.Config{Defaults: operator.SpaceQuota{Items: 100}})
		var ids []string
		for i, slug := range []string{"alpha", "bravo", "charlie", "delta", "echo"} {
			tm, _ := e.space(t, slug, i)
			ids = append(ids, tm.ID)
			if _, err := e.svc.Show(ctx, tm.ID); err != nil { // counts usage
				t.Fatal(err)
			}
		}
		if _, err := e.svc.Suspend(ctx, "charlie", operator.ReadOnly, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Delete(ctx, "echo", ""); err != nil {
			t.Fatal(err)
		}
		items := int64(50)
		if _, err := e.svc.SetQuota(ctx, "bravo", operator.QuotaOverride{Items: &items}); err != nil {
			t.Fatal(err)
		}
		slugs := func(q operator.ListQuery) []string {
			t.Helper()
			var out []string
			for {
				list, next, err := e.svc.List(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, sp := range list {
					out = append(out, sp.Slug)
				}
				if next == "" {
					return out
				}
				q.Cursor = next
			}
		}
		tests := []struct {
			name string
			q    operator.ListQuery
			want []string
		}{
			{"default hides deleted", operator.ListQuery{Limit: 2}, []string{"alpha", "bravo", "charlie", "delta"}},
			{"search", operator.ListQuery{Filter: operator.SpaceFilter{Search: "HAR"}}, []string{"charlie"}},
			{"state", operator.ListQuery{Filter: operator.SpaceFilter{States: []team.State{team.StateSuspended, team.StateDeleted}}}, []string{"charlie", "echo"}},
			{"items desc", operator.ListQuery{Sort: operator.SortItems, Descending: true, Limit: 1}, []string{"delta", "charlie", "bravo", "alpha"}},
			{"health", operator.ListQuery{Filter: operator.SpaceFilter{Health: []operator.Health{operator.HealthOK}}}, nil},
		}
		for _, tt := range tests {
			if diff := cmp.Diff(tt.want, slugs(tt.q)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.name, diff)
			}
		}
		list, _, err := e.svc.List(ctx, operator.ListQuery{Filter: operator.SpaceFilter{Search: "bravo"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := list[0]; got.Quota.Items != 50 || got.Usage.Items != 1 || got.Usage.Members != 1 || got.Usage.CountedAt == nil || got.Connections != -1 {
			t.Errorf("bravo = %+v", got)
		}
		if _, _, err := e.svc.List(ctx, operator.ListQuery{Sort: "nonsense"}); !errors.Is(err, errkind.Invalid) {
			t.Errorf("bad sort: %v", err)
		}
	})
}

func TestQuotas(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		e := newEnv(t, s, t.TempDir(), operator.Config{Defaults: operator.SpaceQuota{Items: 3, StorageBytes: 10}})
		tm, _ := e.space(t, "quota", 2)
		if err := e.svc.AllowItems(ctx, tm.ID, 1); err != nil {
			t.Fatalf("third item refused: %v", err)
		}
		bl := backlog.NewService(s, nil)
		bl.SetItemQuota(e.svc)
		prods := products(t, s, tm.ID)
		if _, err := bl.CreateItem(ctx, tm.ID, backlog.NewItem{ProductID: prods[0].ID, Kind: backlog.KindTask, Title: "third"}); err != nil {
			t.Fatal(err)
		}
		_, err := bl.CreateItem(ctx, tm.ID, backlog.NewItem{ProductID: prods[0].ID, Kind: backlog.KindTask, Title: "fourth"})
		var qe *errkind.QuotaError
		if !errors.As(err, &qe) || qe.Quota != "items" || qe.Limit != 3 || !errors.Is(err, errkind.Quota) {
			t.Fatalf("fourth item: %v, want the items quota of 3", err)
		}
		// Raise it for this space only.
		ten := int64(10)
		if _, err := e.svc.SetQuota(ctx, tm.ID, operator.QuotaOverride{Items: &ten}); err != nil {
			t.Fatal(err)
		}
		if _, err := bl.CreateItem(ctx, tm.ID, backlog.NewItem{ProductID: prods[0].ID, Kind: backlog.KindTask, Title: "fourth"}); err != nil {
			t.Fatalf("after raising: %v", err)
		}
		// Storage: the attachment service enforces the space's quota.
		att := attachment.NewService(s, attBlobs{e.files}, nil, attachment.Config{}, nil)
		att.SetTeamQuotas(e.svc)
		item := firstItem(t, s, tm.ID)
		if _, err := att.Upload(ctx, tm.ID, attachment.Upload{ItemID: item, Name: "a.txt", Size: 8, Body: strings.NewReader("12345678"), By: "op-1"}); err != nil {
			t.Fatalf("8 of 10 bytes: %v", err)
		}
		if err := e.svc.AllowStorage(ctx, tm.ID, 2); err != nil {
			t.Fatalf("2 more bytes: %v", err)
		}
		if err := e.svc.AllowStorage(ctx, tm.ID, 3); !errors.As(err, &qe) || qe.Quota != "storage_bytes" || qe.Used != 8 {
			t.Fatalf("3 more bytes: %v", err)
		}
		if _, err := att.Upload(ctx, tm.ID, attachment.Upload{ItemID: item, Name: "b.txt", Size: 3, Body: strings.NewReader("123"), By: "op-1"}); !errors.Is(err, errkind.Quota) {
			t.Fatalf("upload past the quota: %v", err)
		}
		big := int64(100)
		if _, err := e.svc.SetQuota(ctx, tm.ID, operator.QuotaOverride{Items: &ten, StorageBytes: &big}); err != nil {
			t.Fatal(err)
		}
		if _, err := att.Upload(ctx, tm.ID, attachment.Upload{ItemID: item, Name: "b.txt", Size: 3, Body: strings.NewReader("123"), By: "op-1"}); err != nil {
			t.Fatalf("upload after raising the quota: %v", err)
		}
		if sp, _ := e.svc.Show(ctx, tm.ID); sp.Usage.StorageBytes != 11 || sp.Quota.StorageBytes != 100 {
			t.Fatalf("storage usage %d of %d", sp.Usage.StorageBytes, sp.Quota.StorageBytes)
		}
		// Members: the owner is one; a quota of one refuses a second.
		one := int64(1)
		if _, err := e.svc.SetQuota(ctx, tm.ID, operator.QuotaOverride{Members: &one, Items: &ten, StorageBytes: &big}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.AllowMembers(ctx, tm.ID, 1); !errors.As(err, &qe) || qe.Quota != "members" {
			t.Fatalf("second member: %v", err)
		}
		if n, err := e.svc.MemberLimit(ctx, tm.ID); err != nil || n != 1 {
			t.Fatalf("MemberLimit = %d, %v", n, err)
		}
		neg := int64(-1)
		if _, err := e.svc.SetQuota(ctx, tm.ID, operator.QuotaOverride{Items: &neg}); !errors.Is(err, errkind.Invalid) {
			t.Fatalf("negative quota: %v", err)
		}
	})
}

type flakyRealtime struct{ fail bool }

func (f *flakyRealtime) roundTrip(context.Context, string) error {
	if f.fail {
		return errors.New("no echo within 5s")
	}
	return nil
}

func TestHealth(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		rt := &flakyRealtime{}
		l, _ := blob.NewLocal(t.TempDir())
		svc := operator.New(operator.Deps{Store: s, Blobs: files{l}, RoundTrip: rt.roundTrip}, operator.Config{AlertAfter: 2})
		e := &env{store: s, svc: svc, files: l}
		tm, _ := e.space(t, "healthy", 1)
		c, err := svc.CheckHealth(ctx, tm.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !c.OK || !c.DatabaseOK || c.Realtime != "ok" || c.Health != operator.HealthOK {
			t.Fatalf("check = %+v", c)
		}
		rt.fail = true
		for _, want := range []operator.Health{operator.HealthFailing, operator.HealthAlert, operator.HealthAlert} {
			c, err := svc.CheckHealth(ctx, tm.ID)
			if err != nil {
				t.Fatal(err)
			}
			if c.OK || c.Health != want || !strings.Contains(c.Detail, "real time") {
				t.Fatalf("check = %+v, want %s", c, want)
			}
		}
		sp, err := svc.Show(ctx, tm.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sp.Health != operator.HealthAlert || sp.HealthFails != 3 {
			t.Fatalf("space health %s fails %d", sp.Health, sp.HealthFails)
		}
		list, _, err := svc.List(ctx, operator.ListQuery{Filter: operator.SpaceFilter{Health: []operator.Health{operator.HealthAlert}}})
		if err != nil || len(list) != 1 {
			t.Fatalf("alert filter: %v %v", list, err)
		}
		rt.fail = false
		if c, _ := svc.CheckHealth(ctx, tm.ID); c.Health != operator.HealthOK {
			t.Fatalf("recovered check = %+v", c)
		}
		hist, err := svc.HealthHistory(ctx, tm.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var oks []bool
		for _, h := range hist {
			oks = append(oks, h.OK)
		}
		if diff := cmp.Diff([]bool{true, false, false, false, true}, oks); diff != "" {
			t.Errorf("history (-want +got):\n%s", diff)
		}
		// Archived spaces are not checked.
		if _, err := svc.Archive(ctx, tm.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CheckHealth(ctx, tm.ID); !errors.Is(err, errkind.Conflict) {
			t.Fatalf("check archived: %v", err)
		}
	})
}

func TestHealthFindsADamagedFile(t *testing.T) {
	s := sqlstoretest.SQLiteAt(t, t.TempDir())
	e := newEnv(t, s, t.TempDir(), operator.Config{})
	tm, _ := e.space(t, "damaged", 200)
	// Take the file out of use, then damage pages in its middle.
	if _, err := e.svc.Archive(ctx, tm.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Restore(ctx, tm.ID, ""); err != nil {
		t.Fatal(err)
	}
	unseal, err := s.SealSpace(ctx, tm.ID)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dataDirOf(t, s), "teams", tm.ID+".db")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(raw) / 2; i < len(raw)/2+8192 && i < len(raw); i++ {
		raw[i] = 0xA5
	}
	if err := os.WriteFile(path, raw, 0o640); err != nil {
		t.Fatal(err)
	}
	unseal()
	c, err := e.svc.CheckHealth(ctx, tm.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.OK || c.DatabaseOK || !strings.Contains(c.Detail, "database") {
		t.Fatalf("check of a damaged file = %+v", c)
	}
}

// dataDirOf finds the data dir of a SQLite store opened by sqlstoretest.
func dataDirOf(t *testing.T, s *sqlstore.Store) string {
	t.Helper()
	d := s.DataDir()
	if d == "" {
		t.Fatal("no data dir")
	}
	return d
}

func TestExportImportKeepsEverything(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		e := newEnv(t, s, t.TempDir(), operator.Config{})
		tm, _ := e.space(t, "source", 20)
		att := attachment.NewService(s, attBlobs{e.files}, nil, attachment.Config{}, nil)
		png := []byte("\x89PNG\r\n\x1a\n fake image")
		a, err := att.Upload(ctx, tm.ID, attachment.Upload{ItemID: firstItem(t, s, tm.ID), Name: "one.png", Size: int64(len(png)),
			Body: bytes.NewReader(png), By: "op-1"})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := e.svc.Export(ctx, "source", &buf); err != nil {
			t.Fatal(err)
		}
		m, err := operator.ReadManifest(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if m.Engine != s.EngineName() || m.Space.ID != tm.ID || len(m.Files) != 1 || len(m.Accounts) != 1 || m.Files[0].ContentType != "image/png" {
			t.Fatalf("manifest = %+v", m)
		}
		// Same install: the rows keep their ids, so a copy beside its
		// original is refused, and leaves nothing behind.
		if _, err := e.svc.Import(ctx, bytes.NewReader(buf.Bytes()), operator.ImportOptions{Slug: "copy"}); !errors.Is(err, errkind.Conflict) {
			t.Fatalf("copy beside the original: %v, want a conflict", err)
		}
		if ok, _ := s.SlugTaken(ctx, "copy"); ok {
			t.Fatal("the refused import left its registry entry")
		}
		// Another install of the same engine.
		other := sqlstoretest.SQLite
		if s.Engine() == sqlstore.Postgres {
			other = sqlstoretest.Postgres
		}
		s2 := other(t)
		e2 := newEnv(t, s2, t.TempDir(), operator.Config{})
		res, err := e2.svc.Import(ctx, bytes.NewReader(buf.Bytes()), operator.ImportOptions{Slug: "copy"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Space.ID == tm.ID || res.Space.Slug != "copy" || res.Space.State != team.StateActive || res.Files != 1 || res.AccountsCreated != 1 {
			t.Fatalf("import = %+v", res)
		}
		if res.Space.Usage.Items != 20 {
			t.Errorf("imported items = %d", res.Space.Usage.Items)
		}
		before, after := dump(t, s, tm.ID), dump(t, s2, res.Space.ID)
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("copy differs (-source +copy):\n%s", diff)
		}
		// Search works in the copy (the index is rebuilt).
		bl := backlog.NewService(s2, nil)
		prods := products(t, s2, res.Space.ID)
		page, err := bl.Search(ctx, res.Space.ID, backlog.Query{ProductID: prods[0].ID, Filter: backlog.Filter{Text: "Story 7"}, Limit: 50})
		if err != nil || len(page.Items) == 0 {
			t.Fatalf("search in copy: %d items, %v", len(page.Items), err)
		}
		// The attachment moved with the space: its row points at the new key.
		att2 := attachment.NewService(s2, attBlobs{e2.files}, nil, attachment.Config{}, nil)
		got, obj, err := att2.Open(ctx, res.Space.ID, a.ID)
		if err != nil {
			t.Fatalf("attachment in copy: %v", err)
		}
		body, _ := io.ReadAll(obj.Body)
		obj.Body.Close()
		if !bytes.Equal(body, png) || got.Key != "teams/"+res.Space.ID+"/attachments/"+a.ID || obj.ContentType != a.ContentType {
			t.Fatalf("attachment in copy: key %s, type %s, %q", got.Key, obj.ContentType, body)
		}
		// A damaged archive is refused and leaves nothing behind.
		bad := append([]byte(nil), buf.Bytes()...)
		bad[len(bad)/2] ^= 0xff
		s3 := other(t)
		e3 := newEnv(t, s3, t.TempDir(), operator.Config{})
		if _, err := e3.svc.Import(ctx, bytes.NewReader(bad), operator.ImportOptions{}); !errors.Is(err, errkind.Invalid) {
			t.Fatalf("damaged archive: %v", err)
		}
		if left, _, _ := e3.svc.List(ctx, operator.ListQuery{Filter: operator.SpaceFilter{States: []team.State{team.StateCreating, team.StateActive}}}); len(left) != 0 {
			t.Fatalf("a failed import left %d spaces", len(left))
		}
	})
}

// dump returns every row of a space with its team id blanked, table by table.
func dump(t *testing.T, s *sqlstore.Store, id string) map[string][]map[string]any {
	t.Helper()
	d := &collect{out: map[string][]map[string]any{}, prefix: "teams/" + id + "/"}
	if err := s.DumpSpace(ctx, id, d); err != nil {
		t.Fatal(err)
	}
	return d.out
}

type collect struct {
	out    map[string][]map[string]any
	cur    operator.Table
	prefix string // the space's file keys, written as teams/*/
}

func (c *collect) Table(t operator.Table) error {
	c.cur = t
	c.out[t.Name] = []map[string]any{}
	return nil
}

func (c *collect) Row(values []any) error {
	row := map[string]any{}
	for i, col := range c.cur.Columns {
		if col.Name == "team_id" || col.Local {
			continue
		}
		if v, ok := values[i].(string); ok && strings.HasPrefix(v, c.prefix) {
			values[i] = "teams/*/" + strings.TrimPrefix(v, c.prefix)
		}
		row[col.Name] = values[i]
	}
	c.out[c.cur.Name] = append(c.out[c.cur.Name], row)
	return nil
}

func TestMoveBetweenEngines(t *testing.T) {
	sqlite1 := sqlstoretest.SQLite(t)
	pg := sqlstoretest.Postgres(t)
	sqlite2 := sqlstoretest.SQLite(t)
	e1 := newEnv(t, sqlite1, t.TempDir(), operator.Config{})
	e2 := newEnv(t, pg, t.TempDir(), operator.Config{})
	e3 := newEnv(t, sqlite2, t.TempDir(), operator.Config{})
	tm, owner := e1.space(t, "mover", 30)
	if err := e1.files.Put(ctx, "teams/"+tm.ID+"/x/y.bin", strings.NewReader("bytes"), 5, ""); err != nil {
		t.Fatal(err)
	}
	move := func(from, to *env, id string) operator.ImportResult {
		t.Helper()
		var buf bytes.Buffer
		if err := from.svc.Export(ctx, id, &buf); err != nil {
			t.Fatal(err)
		}
		res, err := to.svc.Import(ctx, &buf, operator.ImportOptions{KeepID: true})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	r2 := move(e1, e2, tm.ID)
	if r2.Space.ID != tm.ID || r2.Space.Slug != "mover" || r2.AccountsCreated != 1 {
		t.Fatalf("into postgres: %+v", r2)
	}
	r3 := move(e2, e3, tm.ID)
	if r3.Space.ID != tm.ID || r3.AccountsCreated != 1 {
		t.Fatalf("back into sqlite: %+v", r3)
	}
	orig, viaPG, back := dump(t, sqlite1, tm.ID), dump(t, pg, tm.ID), dump(t, sqlite2, tm.ID)
	if diff := cmp.Diff(orig, viaPG); diff != "" {
		t.Errorf("sqlite -> postgres (-sqlite +postgres):\n%s", diff)
	}
	if diff := cmp.Diff(orig, back); diff != "" {
		t.Errorf("sqlite -> postgres -> sqlite (-first +last):\n%s", diff)
	}
	if len(orig["items"]) != 30 || len(orig["activity"]) == 0 {
		t.Fatalf("dump has %d items, %d activity rows", len(orig["items"]), len(orig["activity"]))
	}
	// The owner can use the space in its new home: membership and account are there.
	m, _, err := pg.MemberAccess(ctx, tm.ID, owner.ID)
	if err != nil || m.Role != team.RoleOwner {
		t.Fatalf("owner in postgres: %+v %v", m, err)
	}
	mine, _, err := sqlite2.MyTeams(ctx, owner.ID, team.Page{Limit: 10})
	if err != nil || len(mine) != 1 {
		t.Fatalf("my teams in the last install: %v %v", mine, err)
	}
	if _, _, err := e3.files.Get(ctx, "teams/"+tm.ID+"/x/y.bin"); err != nil {
		t.Fatalf("file after the round trip: %v", err)
	}
}

func products(t *testing.T, s *sqlstore.Store, id string) []product.Product {
	t.Helper()
	list, _, err := s.Products(ctx, id, product.ListQuery{Limit: 10})
	if err != nil || len(list) == 0 {
		t.Fatalf("products of %s: %v %v", id, list, err)
	}
	return list
}

// attBlobs is the local file store as the attachment service uses it.
type attBlobs struct{ l *blob.Local }

func (b attBlobs) Put(ctx context.Context, key string, r io.Reader, size int64, ct string) error {
	return b.l.Put(ctx, key, r, size, ct)
}
func (b attBlobs) Open(ctx context.Context, key string) (attachment.Object, error) {
	rc, info, err := b.l.Get(ctx, key)
	if err != nil {
		return attachment.Object{}, err
	}
	return attachment.Object{Body: rc, Size: info.Size, ContentType: info.ContentType, Modified: info.Modified}, nil
}
func (b attBlobs) Delete(ctx context.Context, key string) error { return b.l.Delete(ctx, key) }

// firstItem returns the id of some item of a space.
func firstItem(t *testing.T, s *sqlstore.Store, id string) string {
	t.Helper()
	page, err := backlog.NewService(s, nil).Search(ctx, id, backlog.Query{ProductID: products(t, s, id)[0].ID, Limit: 1})
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("items of %s: %v", id, err)
	}
	return page.Items[0].ID
}

func TestHealthCheckLeavesNoFileOpen(t *testing.T) {
	s := sqlstoretest.SQLite(t)
	e := newEnv(t, s, t.TempDir(), operator.Config{})
	tm, _ := e.space(t, "closed-file", 3)
	unseal, err := s.SealSpace(ctx, tm.ID) // closes the file
	if err != nil {
		t.Fatal(err)
	}
	unseal()
	if n := s.OpenTeamCount(); n != 0 {
		t.Fatalf("%d files open before the check", n)
	}
	if c, err := e.svc.CheckHealth(ctx, tm.ID); err != nil || !c.OK {
		t.Fatalf("check = %+v, %v", c, err)
	}
	if n := s.OpenTeamCount(); n != 0 {
		t.Fatalf("%d files open after the check, want 0", n)
	}
	// A file in use stays open.
	if _, err := s.CountItems(ctx, tm.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CheckHealth(ctx, tm.ID); err != nil {
		t.Fatal(err)
	}
	if n := s.OpenTeamCount(); n != 1 {
		t.Fatalf("%d files open after checking an open one, want 1", n)
	}
}
