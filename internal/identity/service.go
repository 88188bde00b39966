package identity

import (
	"context"
	"log/slog"
	"time"
)

// Mailer sends one plain-text message.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// Store is the persistence identity needs; sqlstore.Store implements it.
type Store interface{}

// Config tunes the service.
type Config struct {
	BaseURL    string        // public address, for links in mail
	SessionTTL time.Duration // a session ends after this long unused
}

// Service signs people in and keeps their accounts, sessions and tokens.
type Service struct {
	store  Store
	mailer Mailer
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
}

// NewService returns a Service.
func NewService(store Store, mailer Mailer, cfg Config, log *slog.Logger) *Service {
	return &Service{store: store, mailer: mailer, cfg: cfg, log: log, now: time.Now}
}

// Authenticate returns the principal of a browser session token.
func (s *Service) Authenticate(ctx context.Context, sessionToken string) (Principal, error) {
	return Principal{}, ErrNoSession
}

// AuthenticateToken returns the principal of a personal API token.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (Principal, error) {
	return Principal{}, ErrBadToken
}
