package identity

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/pamateam/pama/internal/errkind"
)

// ExternalIdentity is who an external OpenID Connect provider says signed in.
type ExternalIdentity struct {
	Provider      string // the provider's id in Pama's configuration
	Subject       string // the provider's stable id of the person
	Email         string
	EmailVerified bool
	Name          string
}

// Errors of external sign-in.
var (
	ErrExternalNotLinked = errkind.New(errkind.NotFound, "identity: no account is linked to that identity")
	ErrExternalConflict  = errkind.New(errkind.Conflict,
		"identity: this account is linked to another identity at that provider; sign in with that one, or by emailed code")
	ErrExternalUnverified = errkind.New(errkind.Forbidden, "identity: the provider has not verified that email address")
)

// SignInExternal signs in the person an external provider vouched for. The
// link between the provider's subject and the account decides: once linked,
// the provider's email address no longer matters, so a changed address at
// the provider neither moves nor takes over an account. The first time, the
// verified address finds the account (or creates it) and the link is made;
// an account already linked to another subject of the same provider is
// refused.
func (s *Service) SignInExternal(ctx context.Context, ext ExternalIdentity, meta SessionMeta) (SignedIn, error) {
	if ext.Provider == "" || ext.Subject == "" || len(ext.Subject) > 255 || len(ext.Provider) > 64 {
		return SignedIn{}, ErrExternalNotLinked
	}
	now := s.now().UTC()
	accountID, err := s.store.ExternalAccount(ctx, ext.Provider, ext.Subject)
	switch {
	case err == nil:
		a, err := s.store.Account(ctx, accountID)
		if err != nil {
			return SignedIn{}, err
		}
		if err := s.store.TouchExternal(ctx, ext.Provider, ext.Subject, strings.ToLower(ext.Email), now); err != nil {
			s.log.WarnContext(ctx, "external link not touched", "err", err)
		}
		return s.startSession(ctx, a, false, "external:"+ext.Provider, meta)
	case !errors.Is(err, ErrExternalNotLinked):
		return SignedIn{}, err
	}
	if !ext.EmailVerified {
		return SignedIn{}, ErrExternalUnverified
	}
	email, err := NormalizeEmail(ext.Email)
	if err != nil {
		return SignedIn{}, err
	}
	a, created, err := s.accountFor(ctx, email)
	if err != nil {
		return SignedIn{}, err
	}
	if created {
		if name := strings.Join(strings.Fields(ext.Name), " "); name != "" && utf8.RuneCountInString(name) <= 80 {
			if renamed, err := s.store.UpdateAccount(ctx, a.ID, a.Version, func(acc *Account) error {
				acc.DisplayName = name
				return nil
			}); err == nil {
				a = renamed
			}
		}
	}
	err = s.store.LinkExternal(ctx, ext.Provider, ext.Subject, a.ID, email, now)
	if errors.Is(err, ErrEmailTaken) || errors.Is(err, ErrExternalConflict) {
		// A parallel first sign-in of the same subject may have linked it.
		if id, lerr := s.store.ExternalAccount(ctx, ext.Provider, ext.Subject); lerr == nil && id == a.ID {
			return s.startSession(ctx, a, false, "external:"+ext.Provider, meta)
		}
		return SignedIn{}, ErrExternalConflict
	}
	if err != nil {
		return SignedIn{}, err
	}
	s.log.InfoContext(ctx, "external identity linked", "account", a.ID, "provider", ext.Provider)
	return s.startSession(ctx, a, created, "external:"+ext.Provider, meta)
}
