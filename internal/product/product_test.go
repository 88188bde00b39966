package product_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/product"
	"github.com/pamateam/pama/internal/sqlstore"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
	"github.com/pamateam/pama/internal/team"
)

func newTeam(t *testing.T, s *sqlstore.Store, slug string) string {
	t.Helper()
	c, err := s.CreateTeam(context.Background(), team.NewTeam{Slug: slug, Name: slug, CreatedBy: "acct-1",
		Settings: team.DefaultSettings(slug)})
	if err != nil {
		t.Fatal(err)
	}
	return c.Team.ID
}

func TestValidateKey(t *testing.T) {
	for key, ok := range map[string]bool{
		"PAMA": true, "P1": true, "AB12CD34EF": true,
		"P": false, "ABCDEFGHIJK": false, "1P": false, "pama": false, "PA-MA": false, "PÄ": false, "": false,
	} {
		if err := product.ValidateKey(key, "key"); (err == nil) != ok {
			t.Errorf("ValidateKey(%q) = %v, want ok=%v", key, err, ok)
		}
	}
}

func TestProducts(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := activity.WithActor(context.Background(), "acct-1")
		svc := product.NewService(s, nil)
		tm := newTeam(t, s, "whales")
		other := newTeam(t, s, "orcas")

		p, err := svc.Create(ctx, tm, product.Draft{Key: " PAMA ", Name: " Pama web ", Description: "# Hello"})
		if err != nil {
			t.Fatal(err)
		}
		if p.Key != "PAMA" || p.Name != "Pama web" || p.Description != "# Hello" || p.Version != 1 || p.TeamID != tm || p.Archived {
			t.Errorf("created = %+v", p)
		}
		_, err = svc.Create(ctx, tm, product.Draft{Key: "PAMA", Name: "Again"})
		var fc *errkind.FieldConflict
		if !errors.Is(err, product.ErrKeyTaken) || !errors.As(err, &fc) || fc.Field != "key" {
			t.Errorf("duplicate key: %v", err)
		}
		if _, err := svc.Create(ctx, other, product.Draft{Key: "PAMA", Name: "Same key, other team"}); err != nil {
			t.Errorf("same key in another team: %v", err)
		}
		_, err = svc.Create(ctx, tm, product.Draft{Key: "x", Name: "", Description: strings.Repeat("d", 10001)})
		var fes errkind.FieldErrors
		if !errors.As(err, &fes) || len(fes) != 3 {
			t.Errorf("bad draft: %v", err)
		}

		// By id or key, and never across teams.
		for _, ref := range []string{p.ID, "PAMA", "pama"} {
			if got, err := svc.Get(ctx, tm, ref); err != nil || got.ID != p.ID {
				t.Errorf("Get(%q) = %+v, %v", ref, got, err)
			}
		}
		if _, err := svc.Get(ctx, other, p.ID); !errors.Is(err, product.ErrNotFound) {
			t.Errorf("Get from another team: %v", err)
		}

		// Partial, version-checked updates.
		name := "Pama"
		up, err := svc.Update(ctx, tm, p.ID, product.Patch{Name: &name}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if up.Name != "Pama" || up.Description != "# Hello" || up.Key != "PAMA" || up.Version != 2 {
			t.Errorf("updated = %+v", up)
		}
		desc := "changed"
		_, err = svc.Update(ctx, tm, p.ID, product.Patch{Description: &desc}, 1)
		var vc *errkind.VersionConflict
		if !errors.As(err, &vc) || vc.Version != 2 || vc.Current.(product.Product).Name != "Pama" {
			t.Errorf("stale update: %v", err)
		}
		if _, err := svc.Update(ctx, tm, p.ID, product.Patch{}, 2); !errors.Is(err, errkind.Invalid) {
			t.Errorf("empty patch: %v", err)
		}
		if _, err := svc.Update(ctx, other, p.ID, product.Patch{Name: &name}, 2); !errors.Is(err, product.ErrNotFound) {
			t.Errorf("update from another team: %v", err)
		}

		// Archived products are hidden unless asked for.
		if _, err := svc.Archive(ctx, tm, p.ID, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Create(ctx, tm, product.Draft{Key: "APP", Name: "App"}); err != nil {
			t.Fatal(err)
		}
		keys := func(include bool) []string {
			list, _, err := svc.List(ctx, tm, product.ListQuery{IncludeArchived: include})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, p := range list {
				out = append(out, p.Key)
			}
			return out
		}
		if diff := cmp.Diff([]string{"APP"}, keys(false)); diff != "" {
			t.Errorf("active products (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"APP", "PAMA"}, keys(true)); diff != "" {
			t.Errorf("all products (-want +got):\n%s", diff)
		}
		if _, err := svc.Unarchive(ctx, tm, p.ID, 3); err != nil {
			t.Fatal(err)
		}

		feed, _ := s.EntityHistory(ctx, tm, "product", p.ID, 0, 10)
		var got []string
		for _, e := range feed {
			got = append(got, e.Action)
		}
		if diff := cmp.Diff([]string{"created", "updated", "archived", "unarchived"}, got); diff != "" {
			t.Errorf("history (-want +got):\n%s", diff)
		}
	})
}

func TestProductPages(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		svc := product.NewService(s, nil)
		tm := newTeam(t, s, "whales")
		want := []string{"A1", "B2", "C3", "D4", "E5"}
		for _, k := range []string{"C3", "A1", "E5", "B2", "D4"} {
			if _, err := svc.Create(ctx, tm, product.Draft{Key: k, Name: k}); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		cursor := ""
		for range 10 {
			page, next, err := svc.List(ctx, tm, product.ListQuery{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page {
				got = append(got, p.Key)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("pages (-want +got):\n%s", diff)
		}
		if _, _, err := svc.List(ctx, tm, product.ListQuery{Cursor: "%%%"}); !errors.Is(err, errkind.Invalid) {
			t.Errorf("bad cursor: %v", err)
		}
	})
}
