package identity

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/webauthn"
	"golang.org/x/time/rate"

	"github.com/pamateam/pama/internal/errkind"
)

// Mailer sends one plain-text message.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// Store is the persistence identity needs; sqlstore.Store implements it.
type Store interface {
	// Secret returns the platform secret called name, creating it with gen
	// the first time. Every node sees the same value.
	Secret(ctx context.Context, name string, gen func() ([]byte, error)) ([]byte, error)

	// UpdateSignInCode reads the code for email (nil if none), calls fn and
	// stores what fn returns (nil deletes it), atomically, even when fn also
	// returns an error; that error is then returned.
	UpdateSignInCode(ctx context.Context, email string, fn func(prev *SignInCode) (*SignInCode, error)) error

	CreateAccount(ctx context.Context, a Account) (Account, error) // ErrEmailTaken if the address exists
	Account(ctx context.Context, id string) (Account, error)
	AccountByEmail(ctx context.Context, email string) (Account, error)
	Accounts(ctx context.Context, ids []string) ([]Account, error)
	// UpdateAccount applies fn to the account at version and saves it.
	UpdateAccount(ctx context.Context, id string, version int64, fn func(*Account) error) (Account, error)
	PasswordHash(ctx context.Context, accountID string) (string, error)
	SetPasswordHash(ctx context.Context, accountID, hash string) error
	RecordSignIn(ctx context.Context, accountID, method string) error

	CreateSession(ctx context.Context, s Session) error
	Session(ctx context.Context, idHash string) (Session, error)
	TouchSession(ctx context.Context, idHash string, seen, expires time.Time) error
	DeleteSession(ctx context.Context, idHash string) error

	CreateToken(ctx context.Context, t Token, hash string, maxActive int) (Token, error)
	TokenByHash(ctx context.Context, hash string) (Token, error)
	Tokens(ctx context.Context, accountID string) ([]Token, error)
	RevokeToken(ctx context.Context, accountID, tokenID string, at time.Time) (Token, error)
	TouchToken(ctx context.Context, tokenID string, at time.Time) error

	// ExternalAccount returns the account linked to subject at provider,
	// or ErrExternalNotLinked.
	ExternalAccount(ctx context.Context, provider, subject string) (string, error)
	// LinkExternal links subject at provider to accountID; ErrExternalConflict
	// when the subject or the account is linked (at that provider) already.
	LinkExternal(ctx context.Context, provider, subject, accountID, email string, at time.Time) error
	TouchExternal(ctx context.Context, provider, subject, email string, at time.Time) error

	// CreatePasskey stores a passkey; ErrPasskeyExists when its credential
	// is registered, ErrPasskeyLimit when the account has max already.
	CreatePasskey(ctx context.Context, p Passkey, max int) (Passkey, error)
	Passkeys(ctx context.Context, accountID string) ([]Passkey, error)
	PasskeyByCredentialID(ctx context.Context, credentialID string) (Passkey, error) // ErrPasskeyNotFound
	UpdatePasskeyUse(ctx context.Context, id string, credential []byte, at time.Time) error
	DeletePasskey(ctx context.Context, accountID, id string) error // ErrPasskeyNotFound
	SaveCeremony(ctx context.Context, c PasskeyCeremony) error
	// TakeCeremony returns and deletes the ceremony, if it has not expired
	// at now; ErrCeremonyNotFound otherwise.
	TakeCeremony(ctx context.Context, idHash string, now time.Time) (PasskeyCeremony, error)
}

// SignInCode is the live one-time code of one email address. Only a keyed
// hash of the code is kept.
type SignInCode struct {
	Email       string
	CodeHash    string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	Attempts    int       // wrong guesses so far
	Sends       int       // codes sent in the current window
	WindowStart time.Time // start of the current rate window
}

// Session is a browser session. Only a hash of its token is kept.
type Session struct {
	IDHash     string
	AccountID  string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
	UserAgent  string
	IP         string
}

// Token is a personal API token. Its secret is shown once, at creation.
type Token struct {
	ID         string    `json:"id"`
	AccountID  string    `json:"-"`
	Name       string    `json:"name"`
	Prefix     string    `json:"prefix" doc:"The first characters of the token, to recognise it"`
	Scopes     []Scope   `json:"scopes"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
}

// Active reports whether the token can be used at now.
func (t Token) Active(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

// More errors.
var (
	ErrEmailTaken   = errkind.New(errkind.Conflict, "identity: an account with that email exists")
	ErrTooManyCodes = errkind.New(errkind.Limited, "identity: too many wrong codes; request a new one")
	ErrTokenLimit   = errkind.New(errkind.Quota, "identity: too many active API tokens; revoke some first")
)

// Config tunes the service. Zero values get the defaults.
type Config struct {
	BaseURL         string        // public address, for links in mail
	SessionTTL      time.Duration // a session ends after this long unused (30 days)
	CodeTTL         time.Duration // a sign-in code lives this long (10 minutes)
	CodeAttempts    int           // wrong guesses allowed per code (5)
	ResendAfter     time.Duration // a new code no sooner than this after the last (30 s)
	CodesPerHour    int           // codes sent to one address per hour (6)
	MaxActiveTokens int           // active API tokens per account (50)
	Operators       []string      // addresses that are operators
}

func (c *Config) defaults() {
	if c.SessionTTL <= 0 {
		c.SessionTTL = 30 * 24 * time.Hour
	}
	if c.CodeTTL <= 0 {
		c.CodeTTL = 10 * time.Minute
	}
	if c.CodeAttempts <= 0 {
		c.CodeAttempts = 5
	}
	if c.ResendAfter <= 0 {
		c.ResendAfter = 30 * time.Second
	}
	if c.CodesPerHour <= 0 {
		c.CodesPerHour = 6
	}
	if c.MaxActiveTokens <= 0 {
		c.MaxActiveTokens = 50
	}
}

// Service signs people in and keeps their accounts, sessions and tokens.
type Service struct {
	store  Store
	mailer Mailer
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	wa     *webauthn.WebAuthn // nil: passkeys are off

	keyOnce sync.Once
	key     []byte
	keyErr  error

	pwMu      sync.Mutex
	pwLimiter map[string]*rate.Limiter // per address, against password guessing
}

// NewService returns a Service.
func NewService(store Store, mailer Mailer, cfg Config, log *slog.Logger) *Service {
	cfg.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{store: store, mailer: mailer, cfg: cfg, log: log, now: time.Now,
		pwLimiter: map[string]*rate.Limiter{}}
	wa, err := newWebAuthn(cfg.BaseURL)
	if err != nil {
		log.Warn("passkeys are off", "base_url", cfg.BaseURL, "err", err)
	}
	s.wa = wa
	return s
}

// PasskeysOn reports whether passkeys can be used: the base URL must name a
// host, not an IP address.
func (s *Service) PasskeysOn() bool { return s.wa != nil }

// SetClock replaces the service's clock; for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// hmacKey is the platform key that hashes codes, sessions and tokens.
func (s *Service) hmacKey(ctx context.Context) ([]byte, error) {
	s.keyOnce.Do(func() {
		s.key, s.keyErr = s.store.Secret(ctx, "identity.hmac", func() ([]byte, error) {
			b := make([]byte, 32)
			_, err := rand.Read(b)
			return b, err
		})
	})
	if s.keyErr != nil {
		err := s.keyErr
		s.keyOnce = sync.Once{} // try again next time
		return nil, fmt.Errorf("identity: load key: %w", err)
	}
	return s.key, nil
}

func (s *Service) hash(ctx context.Context, kind, value string) (string, error) {
	key, err := s.hmacKey(ctx)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil)), nil
}

// NormalizeEmail checks an address and returns it trimmed and lower-cased.
func NormalizeEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	bad := errkind.Field("email", "must be an email address like ana@example.com")
	if e == "" || len(e) > 254 || strings.ContainsAny(e, " \t\r\n<>\",;") {
		return "", bad
	}
	addr, err := mail.ParseAddress(e)
	if err != nil || addr.Address != e || addr.Name != "" {
		return "", bad
	}
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" || len(local) > 64 || !strings.Contains(domain, ".") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", bad
	}
	return e, nil
}

// CodeSent says where a code went and when the next may be asked for.
type CodeSent struct {
	Email       string
	ResendAfter time.Duration
	ExpiresIn   time.Duration
}

// RequestCode sends a new sign-in code to email, replacing any earlier one.
// Codes to one address are throttled: one per ResendAfter, CodesPerHour per hour.
func (s *Service) RequestCode(ctx context.Context, email string) (CodeSent, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return CodeSent{}, err
	}
	code, err := newCode()
	if err != nil {
		return CodeSent{}, err
	}
	h, err := s.hash(ctx, "code", email+":"+code)
	if err != nil {
		return CodeSent{}, err
	}
	now := s.now().UTC()
	err = s.store.UpdateSignInCode(ctx, email, func(prev *SignInCode) (*SignInCode, error) {
		next := &SignInCode{Email: email, CodeHash: h, CreatedAt: now, ExpiresAt: now.Add(s.cfg.CodeTTL),
			Sends: 1, WindowStart: now}
		if prev != nil {
			if wait := prev.CreatedAt.Add(s.cfg.ResendAfter).Sub(now); wait > 0 {
				return prev, &errkind.LimitError{What: "codes for this address", RetryAfter: wait}
			}
			if now.Sub(prev.WindowStart) < time.Hour {
				if prev.Sends >= s.cfg.CodesPerHour {
					return prev, &errkind.LimitError{What: "codes for this address",
						RetryAfter: prev.WindowStart.Add(time.Hour).Sub(now)}
				}
				next.Sends, next.WindowStart = prev.Sends+1, prev.WindowStart
			}
		}
		return next, nil
	})
	if err != nil {
		return CodeSent{}, err
	}
	body := fmt.Sprintf("Your Pama sign-in code is %s\n\nIt works once and expires in %d minutes.\n"+
		"If you did not ask for it, ignore this message.\n\n%s\n",
		code, int(s.cfg.CodeTTL.Minutes()), s.cfg.BaseURL)
	if err := s.mailer.Send(ctx, email, "Your Pama sign-in code: "+code, body); err != nil {
		s.log.ErrorContext(ctx, "sign-in code not sent", "to", email, "err", err)
		// Let the person ask again at once rather than wait for a code that never came.
		s.store.UpdateSignInCode(context.WithoutCancel(ctx), email, func(prev *SignInCode) (*SignInCode, error) {
			if prev != nil && prev.CodeHash == h {
				return nil, nil
			}
			return prev, nil
		})
		return CodeSent{}, fmt.Errorf("identity: send code: %w", errors.Join(errkind.Unavailable, err))
	}
	return CodeSent{Email: email, ResendAfter: s.cfg.ResendAfter, ExpiresIn: s.cfg.CodeTTL}, nil
}

// newCode returns six random decimal digits.
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("identity: random code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// SessionMeta describes the client a session is for.
type SessionMeta struct {
	UserAgent string
	IP        string
}

// SignedIn is the result of a sign-in: the account, the new session's token
// (to put in a cookie; shown only now) and whether the account is new.
type SignedIn struct {
	Account      Account
	SessionToken string
	NewAccount   bool
}

// SignInWithCode checks the code sent to email. A right code signs in, and
// creates the account the first time an address signs in. Each code works
// once; a code is void after CodeAttempts wrong guesses.
func (s *Service) SignInWithCode(ctx context.Context, email, code string, meta SessionMeta) (SignedIn, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return SignedIn{}, err
	}
	code = strings.TrimSpace(code)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return SignedIn{}, errkind.Field("code", "must be the 6 digits from the email")
	}
	h, err := s.hash(ctx, "code", email+":"+code)
	if err != nil {
		return SignedIn{}, err
	}
	now := s.now().UTC()
	err = s.store.UpdateSignInCode(ctx, email, func(prev *SignInCode) (*SignInCode, error) {
		switch {
		case prev == nil || prev.CodeHash == "":
			return prev, ErrBadCode
		case !now.Before(prev.ExpiresAt):
			return nil, ErrBadCode
		case prev.Attempts >= s.cfg.CodeAttempts:
			return nil, ErrTooManyCodes
		case !hmac.Equal([]byte(prev.CodeHash), []byte(h)):
			next := *prev
			next.Attempts++
			if next.Attempts >= s.cfg.CodeAttempts {
				next.CodeHash = "" // void, but keep the send window
			}
			return &next, ErrBadCode
		}
		used := *prev
		used.CodeHash, used.Attempts = "", 0 // single use; keep the send window
		return &used, nil
	})
	if err != nil {
		return SignedIn{}, err
	}
	acct, created, err := s.accountFor(ctx, email)
	if err != nil {
		return SignedIn{}, err
	}
	return s.startSession(ctx, acct, created, "code", meta)
}

// accountFor returns the account of email, creating it if there is none.
func (s *Service) accountFor(ctx context.Context, email string) (Account, bool, error) {
	a, err := s.store.AccountByEmail(ctx, email)
	if err == nil {
		a.Operator = a.Operator || s.isOperator(a.Email)
		return a, false, nil
	}
	if !errors.Is(err, ErrAccountNotFound) {
		return Account{}, false, err
	}
	a, err = s.store.CreateAccount(ctx, Account{
		Email:       email,
		DisplayName: displayNameFrom(email),
		Operator:    s.isOperator(email),
	})
	if errors.Is(err, ErrEmailTaken) { // created meanwhile by a parallel sign-in
		a, err = s.store.AccountByEmail(ctx, email)
		return a, false, err
	}
	return a, err == nil, err
}

// IsOperator reports whether the account has the operator role: it was
// made an operator, or its address is among the configured operators now.
func (s *Service) IsOperator(ctx context.Context, accountID string) (bool, error) {
	a, err := s.store.Account(ctx, accountID)
	if err != nil {
		return false, err
	}
	return a.Operator || s.isOperator(a.Email), nil
}

func (s *Service) isOperator(email string) bool {
	for _, o := range s.cfg.Operators {
		if strings.EqualFold(strings.TrimSpace(o), email) {
			return true
		}
	}
	return false
}

// displayNameFrom makes "Ana Lima" of "ana.lima@example.com".
func displayNameFrom(email string) string {
	local, _, _ := strings.Cut(email, "@")
	local, _, _ = strings.Cut(local, "+")
	words := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' })
	for i, w := range words {
		r, n := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + w[n:]
	}
	name := strings.Join(words, " ")
	if name == "" {
		return email
	}
	return name
}

func (s *Service) startSession(ctx context.Context, a Account, created bool, method string, meta SessionMeta) (SignedIn, error) {
	token, err := randomToken("")
	if err != nil {
		return SignedIn{}, err
	}
	h, err := s.hash(ctx, "session", token)
	if err != nil {
		return SignedIn{}, err
	}
	now := s.now().UTC()
	err = s.store.CreateSession(ctx, Session{
		IDHash: h, AccountID: a.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL), LastSeenAt: now,
		UserAgent: truncate(meta.UserAgent, 200), IP: truncate(meta.IP, 64),
	})
	if err != nil {
		return SignedIn{}, fmt.Errorf("identity: create session: %w", err)
	}
	if err := s.store.RecordSignIn(ctx, a.ID, method); err != nil {
		s.log.WarnContext(ctx, "sign-in not recorded", "account", a.ID, "err", err)
	}
	return SignedIn{Account: a, SessionToken: token, NewAccount: created}, nil
}

// SessionTTL is how long a session lasts without use.
func (s *Service) SessionTTL() time.Duration { return s.cfg.SessionTTL }

// Authenticate returns the principal of a browser session token. Each use
// extends the session (written at most once a minute).
func (s *Service) Authenticate(ctx context.Context, sessionToken string) (Principal, error) {
	if sessionToken == "" || len(sessionToken) > 128 {
		return Principal{}, ErrNoSession
	}
	h, err := s.hash(ctx, "session", sessionToken)
	if err != nil {
		return Principal{}, err
	}
	sess, err := s.store.Session(ctx, h)
	if err != nil {
		if errors.Is(err, errkind.NotFound) {
			return Principal{}, ErrNoSession
		}
		return Principal{}, err
	}
	now := s.now().UTC()
	if !now.Before(sess.ExpiresAt) {
		s.store.DeleteSession(ctx, h)
		return Principal{}, ErrNoSession
	}
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if err := s.store.TouchSession(ctx, h, now, now.Add(s.cfg.SessionTTL)); err != nil {
			s.log.WarnContext(ctx, "session not extended", "err", err)
		}
	}
	return Principal{AccountID: sess.AccountID, AuthTime: sess.CreatedAt}, nil
}

// SignOut ends the session of sessionToken. Ending an unknown session is not an error.
func (s *Service) SignOut(ctx context.Context, sessionToken string) error {
	h, err := s.hash(ctx, "session", sessionToken)
	if err != nil {
		return err
	}
	return s.store.DeleteSession(ctx, h)
}

// Account returns the account with id.
// Operator is set when the account has the operator role (see IsOperator).
func (s *Service) Account(ctx context.Context, id string) (Account, error) {
	a, err := s.store.Account(ctx, id)
	a.Operator = a.Operator || (err == nil && s.isOperator(a.Email))
	return a, err
}

// Accounts returns the accounts with the given ids, by id. Unknown ids are left out.
func (s *Service) Accounts(ctx context.Context, ids []string) (map[string]Account, error) {
	list, err := s.store.Accounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Account, len(list))
	for _, a := range list {
		out[a.ID] = a
	}
	return out, nil
}

// ProfilePatch changes an account's profile; nil fields stay as they are.
type ProfilePatch struct {
	DisplayName *string
}

// UpdateProfile changes the caller's own profile, if version is current.
func (s *Service) UpdateProfile(ctx context.Context, accountID string, version int64, p ProfilePatch) (Account, error) {
	var name string
	if p.DisplayName != nil {
		name = strings.Join(strings.Fields(*p.DisplayName), " ")
		if n := utf8.RuneCountInString(name); n < 1 || n > 80 {
			return Account{}, errkind.Field("display_name", "must be 1 to 80 characters")
		}
	}
	return s.store.UpdateAccount(ctx, accountID, version, func(a *Account) error {
		if p.DisplayName != nil {
			a.DisplayName = name
		}
		return nil
	})
}

func randomToken(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("identity: random token: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// SetAvatar stores url ("" for none) as the account's avatar and returns
// the one it replaces. It is not a profile edit of the caller's, so it takes
// no version: it retries when the account changes under it.
func (s *Service) SetAvatar(ctx context.Context, accountID, url string) (previous string, err error) {
	for range 3 {
		a, err := s.store.Account(ctx, accountID)
		if err != nil {
			return "", err
		}
		_, err = s.store.UpdateAccount(ctx, accountID, a.Version, func(acc *Account) error {
			acc.Avatar = url
			return nil
		})
		var vc *errkind.VersionConflict
		if errors.As(err, &vc) {
			continue
		}
		if err != nil {
			return "", err
		}
		return a.Avatar, nil
	}
	return "", errkind.New(errkind.Conflict, "identity: the account kept changing; try again")
}
