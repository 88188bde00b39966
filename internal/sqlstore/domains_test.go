package sqlstore_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/crypto/acme/autocert"

	"github.com/pamateam/pama/internal/route"
	"github.com/pamateam/pama/internal/sqlstore"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
)

func TestCustomDomainsStore(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		d := route.Domain{Name: "board.example.org", TeamID: "team-a", Token: "tok", CreatedBy: "acc"}
		if _, err := s.CreateDomain(ctx, d, 2, time.Hour); err != nil {
			t.Fatal(err)
		}
		// The same team adding it again is a no-op; another team is refused while the claim is fresh.
		if got, err := s.CreateDomain(ctx, d, 2, time.Hour); err != nil || got.Token != "tok" {
			t.Errorf("again: %+v %v", got, err)
		}
		other := route.Domain{Name: "board.example.org", TeamID: "team-b", Token: "tok2", CreatedBy: "acc2"}
		if _, err := s.CreateDomain(ctx, other, 2, time.Hour); !errors.Is(err, route.ErrDomainTaken) {
			t.Errorf("taken: %v", err)
		}
		// A stale pending claim gives way.
		if _, err := s.CreateDomain(ctx, other, 2, 0); err != nil {
			t.Errorf("stale claim not replaced: %v", err)
		}
		got, err := s.Domain(ctx, "board.example.org")
		if err != nil || got.TeamID != "team-b" || got.Verified() {
			t.Fatalf("after takeover: %+v %v", got, err)
		}
		// Verified claims hold for good.
		now := time.Now().UTC().Truncate(time.Millisecond)
		if got, err = s.SetDomainCheck(ctx, "board.example.org", now, now, ""); err != nil || !got.VerifiedAt.Equal(now) {
			t.Fatalf("verify: %+v %v", got, err)
		}
		if _, err := s.CreateDomain(ctx, d, 2, 0); !errors.Is(err, route.ErrDomainTaken) {
			t.Errorf("a verified domain was taken over: %v", err)
		}
		// Per-team limit.
		for i, name := range []string{"a.example.org", "b.example.org"} {
			_, err := s.CreateDomain(ctx, route.Domain{Name: name, TeamID: "team-a", Token: "t", CreatedBy: "acc"}, 1, time.Hour)
			if want := i == 1; errors.Is(err, route.ErrTooManyDomains) != want {
				t.Errorf("%s: %v", name, err)
			}
		}
		if list, err := s.Domains(ctx, "team-a"); err != nil || len(list) != 1 {
			t.Errorf("team-a: %+v %v", list, err)
		}
		if list, err := s.Domains(ctx, ""); err != nil || len(list) != 2 {
			t.Errorf("all: %+v %v", list, err)
		}
		if err := s.DeleteDomain(ctx, "team-a", "board.example.org"); !errors.Is(err, route.ErrDomainNotFound) {
			t.Errorf("another team's domain deleted: %v", err)
		}
		if err := s.DeleteDomain(ctx, "team-b", "board.example.org"); err != nil {
			t.Error(err)
		}
		if _, err := s.Domain(ctx, "board.example.org"); !errors.Is(err, route.ErrDomainNotFound) {
			t.Errorf("deleted: %v", err)
		}
	})
}

func TestCertCache(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		c := route.CertCache(s)
		if _, err := c.Get(ctx, "x.example.org"); !errors.Is(err, autocert.ErrCacheMiss) {
			t.Fatalf("a missing certificate: %v", err)
		}
		data := []byte{0, 1, 2, 0xff, 'p', 'e', 'm'}
		if err := c.Put(ctx, "x.example.org", data); err != nil {
			t.Fatal(err)
		}
		if err := c.Put(ctx, "x.example.org", append(data, 9)); err != nil {
			t.Fatal(err)
		}
		got, err := c.Get(ctx, "x.example.org")
		if err != nil || !bytes.Equal(got, append(data, 9)) {
			t.Errorf("get: %v %v", got, err)
		}
		if err := c.Delete(ctx, "x.example.org"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Get(ctx, "x.example.org"); !errors.Is(err, autocert.ErrCacheMiss) {
			t.Errorf("deleted certificate: %v", err)
		}
	})
}
