package identity

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/time/rate"

	"github.com/pamateam/pama/internal/errkind"
)

// argon2id parameters (OWASP's recommended minimum: 19 MiB, 2 passes).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// Password length limits, in characters.
const (
	MinPassword = 10
	MaxPassword = 200
)

// hashPassword returns a PHC-format argon2id hash of pw with a random salt.
func hashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("identity: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// checkPassword reports whether pw matches the PHC argon2id hash encoded.
func checkPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var mem uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || mem > 256*1024 || t > 10 || p == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

func validatePassword(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPassword || n > MaxPassword {
		return errkind.Field(field, fmt.Sprintf("must be %d to %d characters", MinPassword, MaxPassword))
	}
	return nil
}

// SetPassword sets or changes the account's password. When one is set
// already, current must match it.
func (s *Service) SetPassword(ctx context.Context, accountID, current, next string) error {
	if err := validatePassword("new_password", next); err != nil {
		return err
	}
	old, err := s.store.PasswordHash(ctx, accountID)
	if err != nil {
		return err
	}
	if old != "" {
		if !s.allowPasswordTry(accountID) {
			return &errkind.LimitError{What: "password attempts", RetryAfter: 30 * time.Second}
		}
		if !checkPassword(old, current) {
			return &errkind.FieldError{Field: "current_password", Message: "is not your current password"}
		}
	}
	h, err := hashPassword(next)
	if err != nil {
		return err
	}
	return s.store.SetPasswordHash(ctx, accountID, h)
}

// SignInWithPassword signs in with email and password. Wrong passwords are
// throttled per address (five tries, then one every 30 seconds).
func (s *Service) SignInWithPassword(ctx context.Context, email, password string, meta SessionMeta) (SignedIn, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return SignedIn{}, err
	}
	if len(password) == 0 || len(password) > 4*MaxPassword {
		return SignedIn{}, ErrBadPassword
	}
	if !s.allowPasswordTry(email) {
		return SignedIn{}, &errkind.LimitError{What: "password attempts for this address", RetryAfter: 30 * time.Second}
	}
	a, err := s.store.AccountByEmail(ctx, email)
	if err != nil {
		checkPassword(dummyHash, password) // same work whether or not the account exists
		if isNotFound(err) {
			return SignedIn{}, ErrBadPassword
		}
		return SignedIn{}, err
	}
	h, err := s.store.PasswordHash(ctx, a.ID)
	if err != nil {
		return SignedIn{}, err
	}
	if h == "" {
		checkPassword(dummyHash, password)
		return SignedIn{}, ErrBadPassword
	}
	if !checkPassword(h, password) {
		return SignedIn{}, ErrBadPassword
	}
	return s.startSession(ctx, a, false, "password", meta)
}

// dummyHash is checked against when there is no account or no password, so
// the answer takes as long either way.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyMTI"

func (s *Service) allowPasswordTry(key string) bool {
	s.pwMu.Lock()
	defer s.pwMu.Unlock()
	l := s.pwLimiter[key]
	if l == nil {
		if len(s.pwLimiter) > 100_000 { // bound memory; buckets refill anyway
			clear(s.pwLimiter)
		}
		l = rate.NewLimiter(rate.Every(30*time.Second), 5)
		s.pwLimiter[key] = l
	}
	return l.AllowN(s.now(), 1)
}
