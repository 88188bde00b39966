// Package product is a team's products. A team may have several; each has
// its own backlog.
package product

import (
	"log/slog"
	"time"
)

// Store is the persistence product needs; sqlstore.Store implements it.
type Store interface{}

// Service manages products.
type Service struct {
	store Store
	log   *slog.Logger
	now   func() time.Time
}

// NewService returns a Service.
func NewService(store Store, log *slog.Logger) *Service {
	return &Service{store: store, log: log, now: time.Now}
}
