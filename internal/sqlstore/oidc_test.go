package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/oidc"
	"github.com/pamateam/pama/internal/sqlstore"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
)

func oidcFixture(t *testing.T, s *sqlstore.Store) (identity.Account, oidc.Client, oidc.AuthRequest) {
	t.Helper()
	ctx := context.Background()
	a, err := s.CreateAccount(ctx, identity.Account{Email: "ana@example.com", DisplayName: "Ana"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.CreateClient(ctx, oidc.Client{ID: "c_1", Name: "Wiki", RedirectURIs: []string{"https://w.example.com/cb"},
		Scopes: []string{"openid", "offline_access"}, SecretHash: "h", CreatedBy: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	ar := oidc.AuthRequest{ID: "req-1", ClientID: c.ID, RedirectURI: c.RedirectURIs[0], Scopes: []string{"openid"},
		ResponseType: "code", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	if err := s.CreateAuthRequest(ctx, ar); err != nil {
		t.Fatal(err)
	}
	return a, c, ar
}

func TestOIDCCodesWorkOnceAndReplayRevokes(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, c, ar := oidcFixture(t, s)
		now := time.Now().UTC()
		if _, err := s.UseCode(ctx, "nope", now); !errors.Is(err, oidc.ErrBadCode) {
			t.Errorf("unknown code: %v", err)
		}
		if _, err := s.CompleteAuthRequest(ctx, ar.ID, a.ID, now, now, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CompleteAuthRequest(ctx, ar.ID, "someone-else", now, now, now.Add(time.Minute)); !errors.Is(err, oidc.ErrAuthRequestNotFound) {
			t.Errorf("second completion: %v", err)
		}
		s.SaveCode(ctx, oidc.Code{Hash: "code-1", AuthRequestID: ar.ID, CreatedAt: now, ExpiresAt: now.Add(time.Minute)})
		s.SaveCode(ctx, oidc.Code{Hash: "old", AuthRequestID: ar.ID, CreatedAt: now, ExpiresAt: now.Add(-time.Second)})
		if _, err := s.UseCode(ctx, "old", now); !errors.Is(err, oidc.ErrBadCode) {
			t.Errorf("expired code: %v", err)
		}
		got, err := s.UseCode(ctx, "code-1", now)
		if err != nil || got.AccountID != a.ID || !got.Done {
			t.Fatalf("first use = %+v, %v", got, err)
		}
		rt := oidc.RefreshToken{ID: "rt-1", Hash: "rth-1", ChainID: "chain", AccountID: a.ID, ClientID: c.ID,
			Scopes: []string{"openid"}, AuthRequestID: ar.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		at := oidc.AccessToken{IDHash: "at-1", AccountID: a.ID, ClientID: c.ID, ChainID: "chain", AuthRequestID: ar.ID,
			CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.IssueTokens(ctx, at, &rt); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UseCode(ctx, "code-1", now); !errors.Is(err, oidc.ErrCodeReplayed) {
			t.Fatalf("replay: %v", err)
		}
		if _, err := s.AccessToken(ctx, "at-1"); !errors.Is(err, oidc.ErrTokenNotFound) {
			t.Errorf("access token after replay: %v", err)
		}
		if got, _ := s.RefreshToken(ctx, "rth-1"); got.RevokedAt.IsZero() {
			t.Error("refresh token not revoked after replay")
		}
	})
}

func TestOIDCRefreshRotationDetectsReuse(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, c, _ := oidcFixture(t, s)
		now := time.Now().UTC()
		mk := func(n string) (oidc.RefreshToken, oidc.AccessToken) {
			return oidc.RefreshToken{ID: "rt-" + n, Hash: "h-" + n, ChainID: "chain", AccountID: a.ID, ClientID: c.ID,
					Scopes: []string{"openid"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
				oidc.AccessToken{IDHash: "at-" + n, AccountID: a.ID, ClientID: c.ID, ChainID: "chain", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		}
		rt1, at1 := mk("1")
		if err := s.IssueTokens(ctx, at1, &rt1); err != nil {
			t.Fatal(err)
		}
		rt2, at2 := mk("2")
		if err := s.RotateRefreshToken(ctx, "h-1", at2, rt2, now); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.RefreshToken(ctx, "h-1"); got.UsedAt.IsZero() {
			t.Error("rotated token not marked used")
		}
		rt3, at3 := mk("3")
		if err := s.RotateRefreshToken(ctx, "h-1", at3, rt3, now); !errors.Is(err, oidc.ErrRefreshReused) {
			t.Fatalf("reuse: %v", err)
		}
		if got, _ := s.RefreshToken(ctx, "h-2"); got.RevokedAt.IsZero() {
			t.Error("the chain's newest token survived reuse")
		}
		for _, h := range []string{"at-1", "at-2", "at-3"} {
			if _, err := s.AccessToken(ctx, h); !errors.Is(err, oidc.ErrTokenNotFound) {
				t.Errorf("access token %s after reuse: %v", h, err)
			}
		}
		if _, err := s.RefreshToken(ctx, "h-3"); !errors.Is(err, oidc.ErrTokenNotFound) {
			t.Error("the reusing rotation stored a token")
		}
	})
}

func TestOIDCDeleteClientTakesItsTokens(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, c, _ := oidcFixture(t, s)
		now := time.Now().UTC()
		rt := oidc.RefreshToken{ID: "rt", Hash: "h", ChainID: "ch", AccountID: a.ID, ClientID: c.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		s.IssueTokens(ctx, oidc.AccessToken{IDHash: "at", AccountID: a.ID, ClientID: c.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}, &rt)
		s.SaveConsent(ctx, oidc.Consent{AccountID: a.ID, ClientID: c.ID, Scopes: []string{"openid"}, CreatedAt: now, UpdatedAt: now})
		if err := s.DeleteClient(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Client(ctx, c.ID); !errors.Is(err, oidc.ErrClientNotFound) {
			t.Errorf("client: %v", err)
		}
		if _, err := s.AccessToken(ctx, "at"); !errors.Is(err, oidc.ErrTokenNotFound) {
			t.Errorf("access token: %v", err)
		}
		if _, err := s.RefreshToken(ctx, "h"); !errors.Is(err, oidc.ErrTokenNotFound) {
			t.Errorf("refresh token: %v", err)
		}
		if list, _ := s.Consents(ctx, a.ID); len(list) != 0 {
			t.Errorf("consents: %v", list)
		}
	})
}

func TestOIDCSigningKeyGenerationsAreSerial(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		k := oidc.StoredKey{ID: "k1", Generation: 1, Algorithm: "RS256", PublicKey: "p", PrivateKey: "v1.x.y", CreatedAt: now, ActiveAt: now}
		if err := s.AddSigningKey(ctx, k, now, now); err != nil {
			t.Fatal(err)
		}
		k2 := k
		k2.ID = "k2"
		if err := s.AddSigningKey(ctx, k2, now, now); !errors.Is(err, oidc.ErrKeyRace) {
			t.Errorf("same generation twice: %v", err)
		}
		k2.Generation = 2
		if err := s.AddSigningKey(ctx, k2, now.Add(time.Hour), now); err != nil {
			t.Fatal(err)
		}
		keys, _ := s.SigningKeys(ctx)
		if len(keys) != 2 || !keys[0].ExpiresAt.Equal(now.Add(time.Hour).Truncate(time.Millisecond)) || !keys[1].ExpiresAt.IsZero() {
			t.Errorf("keys = %+v", keys)
		}
		k3 := k2
		k3.ID, k3.Generation = "k3", 3
		if err := s.AddSigningKey(ctx, k3, now.Add(2*time.Hour), now.Add(90*time.Minute)); err != nil {
			t.Fatal(err)
		}
		keys, _ = s.SigningKeys(ctx)
		if len(keys) != 2 || keys[0].ID != "k2" {
			t.Errorf("expired key not deleted: %+v", keys)
		}
	})
}
