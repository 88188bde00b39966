package team

import (
	"context"
	"log/slog"
	"time"
)

// Store is the persistence team needs; sqlstore.Store implements it.
type Store interface{}

// Service manages team spaces, members, invitations and settings.
type Service struct {
	store Store
	log   *slog.Logger
	now   func() time.Time
}

// NewService returns a Service.
func NewService(store Store, log *slog.Logger) *Service {
	return &Service{store: store, log: log, now: time.Now}
}

// Access returns what accountID may do in the team named by ref (its id or
// its address). Non-members get ErrNotFound, so a space's existence does not leak.
func (s *Service) Access(ctx context.Context, ref, accountID string) (Access, error) {
	return Access{}, ErrNotFound
}
