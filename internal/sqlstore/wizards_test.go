package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pamateam/pama/internal/captcha"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/onboard"
	"github.com/pamateam/pama/internal/sqlstore"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
	"github.com/pamateam/pama/internal/team"
)

func TestWizardsRoundTripAndVersions(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Millisecond)
		w, err := s.CreateWizard(ctx, onboard.Wizard{Step: onboard.StepEmail, IP: "192.0.2.1", Deck: team.DeckFibonacci,
			CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour)}, "hash-1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.WizardByToken(ctx, "hash-2"); !errors.Is(err, onboard.ErrNotFound) {
			t.Errorf("unknown token: %v", err)
		}
		w.Step, w.Email, w.AccountID = onboard.StepInvite, "ana@example.com", "acc-1"
		w.Team = onboard.TeamDraft{Name: "Blue Whales", Slug: "blue-whales"}
		w.Product = onboard.ProductDraft{Name: "App", Key: "APP"}
		w.Deck, w.CustomDeck = team.DeckCustom, []string{"S", "M"}
		w.Invitations = []onboard.Invitee{{Email: "grace@example.com", Role: team.RoleAdmin}}
		saved, err := s.SaveWizard(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		if saved.Version != 2 {
			t.Errorf("version after save = %d", saved.Version)
		}
		got, err := s.WizardByToken(ctx, "hash-1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(saved, got); diff != "" {
			t.Errorf("stored wizard (-saved +got):\n%s", diff)
		}
		// A save based on the old version loses.
		_, err = s.SaveWizard(ctx, w)
		var vc *errkind.VersionConflict
		if !errors.As(err, &vc) || vc.Version != 2 {
			t.Fatalf("stale save: %v", err)
		}

		if n, err := s.WizardsFrom(ctx, "192.0.2.1", now.Add(-time.Minute)); err != nil || n != 1 {
			t.Errorf("WizardsFrom = %d, %v", n, err)
		}
		if n, err := s.WizardsFrom(ctx, "192.0.2.1", now.Add(time.Minute)); err != nil || n != 0 {
			t.Errorf("WizardsFrom later = %d, %v", n, err)
		}
		if n, err := s.DeleteExpiredWizards(ctx, now.Add(30*time.Minute)); err != nil || n != 0 {
			t.Errorf("nothing expired yet: %d, %v", n, err)
		}
		if n, err := s.DeleteExpiredWizards(ctx, now.Add(2*time.Hour)); err != nil || n != 1 {
			t.Errorf("expired: %d, %v", n, err)
		}
		if _, err := s.WizardByToken(ctx, "hash-1"); !errors.Is(err, onboard.ErrNotFound) {
			t.Errorf("expired wizard is still there: %v", err)
		}
	})
}

func TestCaptchaSpentOnce(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		exp := time.Now().Add(time.Minute)
		if err := s.Spend(ctx, "c1", exp); err != nil {
			t.Fatal(err)
		}
		if err := s.Spend(ctx, "c1", exp); !errors.Is(err, captcha.ErrSpent) {
			t.Fatalf("second spend: %v", err)
		}
		if err := s.Spend(ctx, "c2", exp); err != nil {
			t.Fatal(err)
		}
		// An expired id is forgotten: it no longer blocks (nor takes room).
		if err := s.Spend(ctx, "old", time.Now().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.Spend(ctx, "old", time.Now().Add(time.Minute)); err != nil {
			t.Errorf("an expired id still counts as spent: %v", err)
		}
	})
}
