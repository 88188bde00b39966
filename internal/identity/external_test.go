package identity_test

import (
	"context"
	"errors"
	"testing"

	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/sqlstore"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
)

type nopMailer struct{}

func (nopMailer) Send(context.Context, string, string, string) error { return nil }

func TestSignInExternalLinksBySubject(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, store *sqlstore.Store) {
		ctx := context.Background()
		svc := identity.NewService(store, nopMailer{}, identity.Config{BaseURL: "https://pama.example.com"}, nil)
		meta := identity.SessionMeta{}

		first, err := svc.SignInExternal(ctx, identity.ExternalIdentity{Provider: "hq", Subject: "s-1",
			Email: "Kim@Example.com", EmailVerified: true, Name: "Kim Park"}, meta)
		if err != nil {
			t.Fatal(err)
		}
		if !first.NewAccount || first.Account.Email != "kim@example.com" || first.Account.DisplayName != "Kim Park" {
			t.Errorf("first sign-in = %+v", first)
		}

		tests := []struct {
			name    string
			ext     identity.ExternalIdentity
			want    string // account id; "" when refused
			wantErr error
		}{
			{"same subject, changed address: same account",
				identity.ExternalIdentity{Provider: "hq", Subject: "s-1", Email: "kim.new@example.com", EmailVerified: true}, first.Account.ID, nil},
			{"same subject, unverified address: the link decides",
				identity.ExternalIdentity{Provider: "hq", Subject: "s-1", Email: "x@example.com"}, first.Account.ID, nil},
			{"new subject claiming a linked account's address",
				identity.ExternalIdentity{Provider: "hq", Subject: "s-2", Email: "kim@example.com", EmailVerified: true}, "", identity.ErrExternalConflict},
			{"new subject, unverified address",
				identity.ExternalIdentity{Provider: "hq", Subject: "s-3", Email: "lee@example.com"}, "", identity.ErrExternalUnverified},
			{"same subject at another provider: links to the account of the address",
				identity.ExternalIdentity{Provider: "corp", Subject: "s-1", Email: "kim@example.com", EmailVerified: true}, first.Account.ID, nil},
		}
		for _, tc := range tests {
			got, err := svc.SignInExternal(ctx, tc.ext, meta)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("%s: err = %v, want %v", tc.name, err, tc.wantErr)
				}
				continue
			}
			if err != nil || got.Account.ID != tc.want || got.SessionToken == "" {
				t.Errorf("%s: account %s, err %v; want %s", tc.name, got.Account.ID, err, tc.want)
			}
		}
		if _, err := store.AccountByEmail(ctx, "kim.new@example.com"); err == nil {
			t.Error("a changed address at the provider created an account")
		}
	})
}
