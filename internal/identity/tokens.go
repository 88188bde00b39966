package identity

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pamateam/pama/internal/errkind"
)

// TokenPrefix starts every personal API token, so leaked tokens are easy to spot.
const TokenPrefix = "pama_"

// NewToken describes a token to create.
type NewToken struct {
	Name      string
	Scopes    []Scope
	ExpiresAt time.Time // zero: never
}

// CreateToken makes a personal API token for the account. The returned
// secret is shown this once; only its hash is stored.
func (s *Service) CreateToken(ctx context.Context, accountID string, nt NewToken) (Token, string, error) {
	var errs errkind.FieldErrors
	name := strings.TrimSpace(nt.Name)
	if n := utf8.RuneCountInString(name); n < 1 || n > 80 {
		errs = append(errs, errkind.Field("name", "must be 1 to 80 characters"))
	}
	if len(nt.Scopes) == 0 {
		errs = append(errs, errkind.Field("scopes", "must name at least one scope: read or write"))
	}
	for _, sc := range nt.Scopes {
		if sc != ScopeRead && sc != ScopeWrite {
			errs = append(errs, &errkind.FieldError{Field: "scopes", Message: "must be read or write", Value: string(sc)})
		}
	}
	now := s.now().UTC()
	if !nt.ExpiresAt.IsZero() && (!nt.ExpiresAt.After(now) || nt.ExpiresAt.After(now.AddDate(2, 0, 0))) {
		errs = append(errs, errkind.Field("expires_at", "must be in the future and within two years"))
	}
	if err := errs.Err(); err != nil {
		return Token{}, "", err
	}
	scopes := slices.Clone(nt.Scopes)
	slices.Sort(scopes)
	scopes = slices.Compact(scopes)
	secret, err := randomToken(TokenPrefix)
	if err != nil {
		return Token{}, "", err
	}
	h, err := s.hash(ctx, "token", secret)
	if err != nil {
		return Token{}, "", err
	}
	t, err := s.store.CreateToken(ctx, Token{
		AccountID: accountID, Name: name, Prefix: secret[:len(TokenPrefix)+6], Scopes: scopes,
		CreatedAt: now, ExpiresAt: nt.ExpiresAt.UTC(),
	}, h, s.cfg.MaxActiveTokens)
	if err != nil {
		return Token{}, "", err
	}
	return t, secret, nil
}

// Tokens lists the account's tokens, newest first, revoked ones included.
func (s *Service) Tokens(ctx context.Context, accountID string) ([]Token, error) {
	return s.store.Tokens(ctx, accountID)
}

// RevokeToken makes one of the account's tokens unusable at once.
func (s *Service) RevokeToken(ctx context.Context, accountID, tokenID string) (Token, error) {
	return s.store.RevokeToken(ctx, accountID, tokenID, s.now().UTC())
}

// AuthenticateToken returns the principal of a personal API token. The
// token's last-used time is updated at most once a minute.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (Principal, error) {
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 128 {
		return Principal{}, ErrBadToken
	}
	h, err := s.hash(ctx, "token", token)
	if err != nil {
		return Principal{}, err
	}
	t, err := s.store.TokenByHash(ctx, h)
	if err != nil {
		if isNotFound(err) {
			return Principal{}, ErrBadToken
		}
		return Principal{}, err
	}
	now := s.now().UTC()
	if !t.Active(now) {
		return Principal{}, ErrBadToken
	}
	if now.Sub(t.LastUsedAt) > time.Minute {
		if err := s.store.TouchToken(ctx, t.ID, now); err != nil {
			s.log.WarnContext(ctx, "token last-used not updated", "err", err)
		}
	}
	return Principal{AccountID: t.AccountID, TokenID: t.ID, Scopes: t.Scopes}, nil
}

func isNotFound(err error) bool { return errors.Is(err, errkind.NotFound) }

// ErrTokenRevoked is returned when revoking a token twice.
var ErrTokenRevoked = fmt.Errorf("identity: token already revoked: %w", errkind.Conflict)
