// Package product is a team's products. A team may have several; each has
// its own backlog, and its key prefixes its items' keys (PAMA-12).
package product

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pamateam/pama/internal/errkind"
)

// Product is one product of a team.
type Product struct {
	ID          string    `json:"id"`
	TeamID      string    `json:"team_id"`
	Key         string    `json:"key" example:"PAMA" doc:"Prefix of the product's item keys (PAMA-12); unique in the team"`
	Name        string    `json:"name" example:"Pama web app"`
	Description string    `json:"description" doc:"Markdown"`
	Archived    bool      `json:"archived" doc:"Archived products are hidden from lists unless asked for"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Version     int64     `json:"version"`
}

// Limits.
const (
	MinKeyLen         = 2
	MaxKeyLen         = 10
	MaxNameLen        = 80
	MaxDescriptionLen = 10000
	// MaxProducts is how many products (archived included) one team may have.
	MaxProducts = 200
)

// Errors.
var (
	ErrNotFound    = fmt.Errorf("product: product %w", errkind.NotFound)
	ErrKeyTaken    = &errkind.FieldConflict{Field: "key", Message: "is already used by another product in this team"}
	ErrTooMany     = errkind.New(errkind.Quota, "product: this team has reached its product limit")
	errNothingSent = errkind.New(errkind.Invalid, "product: the update changes nothing; send at least one field")
)

// ValidateKey checks a product key: 2 to 10 upper-case letters A-Z and digits,
// starting with a letter. It returns nil or an *errkind.FieldError on field.
func ValidateKey(key, field string) error {
	if len(key) < MinKeyLen || len(key) > MaxKeyLen {
		return &errkind.FieldError{Field: field, Message: "must be 2 to 10 characters", Value: key}
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		case c >= '0' && c <= '9':
			return &errkind.FieldError{Field: field, Message: "must start with a letter", Value: key}
		default:
			return &errkind.FieldError{Field: field, Message: "may contain only upper-case letters A-Z and digits", Value: key}
		}
	}
	return nil
}

// CleanName trims a product name and checks it: 1 to 80 printable characters.
func CleanName(name, field string) (string, error) {
	name = strings.TrimSpace(name)
	n := utf8.RuneCountInString(name)
	if n == 0 || n > MaxNameLen || !utf8.ValidString(name) {
		return name, errkind.Field(field, "must be 1 to 80 characters")
	}
	if strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return name, errkind.Field(field, "must not contain control characters")
	}
	return name, nil
}

func checkDescription(d string) error {
	if utf8.RuneCountInString(d) > MaxDescriptionLen || !utf8.ValidString(d) {
		return errkind.Field("description", "must be at most 10000 characters of text")
	}
	return nil
}

// Draft is a product to create.
type Draft struct {
	Key         string
	Name        string
	Description string
}

// Check trims and checks a draft, returning it cleaned. prefix is put before
// field names ("first_product." when the draft is part of a bigger request).
func (d Draft) Check(prefix string) (Draft, error) {
	var errs errkind.FieldErrors
	d.Key = strings.TrimSpace(d.Key)
	if err := ValidateKey(d.Key, prefix+"key"); err != nil {
		errs = append(errs, err.(*errkind.FieldError))
	}
	name, err := CleanName(d.Name, prefix+"name")
	if err != nil {
		errs = append(errs, err.(*errkind.FieldError))
	}
	d.Name = name
	if err := checkDescription(d.Description); err != nil {
		fe := err.(*errkind.FieldError)
		fe.Field = prefix + fe.Field
		errs = append(errs, fe)
	}
	return d, errs.Err()
}

// Patch changes some fields of a product; nil fields stay as they are.
type Patch struct {
	Key         *string
	Name        *string
	Description *string
	Archived    *bool
}

// ListQuery asks for one page of a team's products, ordered by key.
type ListQuery struct {
	Cursor          string
	Limit           int
	IncludeArchived bool
}

// Store is the persistence product needs; sqlstore.Store implements it.
type Store interface {
	// CreateProduct stores a new product (with id and times filled in) and
	// records it. ErrKeyTaken when the key is used; ErrTooMany at the limit.
	CreateProduct(ctx context.Context, team string, p Product, max int) (Product, error)
	// Product returns the product whose id or key is ref, or ErrNotFound.
	Product(ctx context.Context, team, ref string) (Product, error)
	// Products returns one page and the cursor of the next ("" at the end).
	Products(ctx context.Context, team string, q ListQuery) ([]Product, string, error)
	// UpdateProduct stores p if the stored version is still version, and
	// records action. A stale version is a *errkind.VersionConflict with the
	// current product.
	UpdateProduct(ctx context.Context, team string, p Product, version int64, action string) (Product, error)
}

// Service manages products. Permissions are checked by the caller (the HTTP
// layer checks products.manage for changes, team.view for reads).
type Service struct {
	store Store
	log   *slog.Logger
}

// NewService returns a Service.
func NewService(store Store, log *slog.Logger) *Service {
	return &Service{store: store, log: log}
}

// Create makes a product in team.
func (s *Service) Create(ctx context.Context, team string, d Draft) (Product, error) {
	d, err := d.Check("")
	if err != nil {
		return Product{}, err
	}
	return s.store.CreateProduct(ctx, team, Product{Key: d.Key, Name: d.Name, Description: d.Description}, MaxProducts)
}

// Get returns a product by id or key.
func (s *Service) Get(ctx context.Context, team, ref string) (Product, error) {
	return s.store.Product(ctx, team, ref)
}

// List returns one page of the team's products, ordered by key, and the
// cursor of the next page ("" at the end). Archived products are left out
// unless q.IncludeArchived.
func (s *Service) List(ctx context.Context, team string, q ListQuery) ([]Product, string, error) {
	switch {
	case q.Limit <= 0:
		q.Limit = 50
	case q.Limit > 200:
		q.Limit = 200
	}
	return s.store.Products(ctx, team, q)
}

// Update applies p to the product ref if it is still at version. Only the
// fields set in p change. Archiving or unarchiving alone is recorded as
// "archived" or "unarchived", anything else as "updated".
func (s *Service) Update(ctx context.Context, team, ref string, p Patch, version int64) (Product, error) {
	cur, err := s.store.Product(ctx, team, ref)
	if err != nil {
		return Product{}, err
	}
	if p == (Patch{}) {
		return Product{}, errNothingSent
	}
	next := cur
	var errs errkind.FieldErrors
	if p.Key != nil {
		next.Key = strings.TrimSpace(*p.Key)
		if err := ValidateKey(next.Key, "key"); err != nil {
			errs = append(errs, err.(*errkind.FieldError))
		}
	}
	if p.Name != nil {
		name, err := CleanName(*p.Name, "name")
		if err != nil {
			errs = append(errs, err.(*errkind.FieldError))
		}
		next.Name = name
	}
	if p.Description != nil {
		if err := checkDescription(*p.Description); err != nil {
			errs = append(errs, err.(*errkind.FieldError))
		}
		next.Description = *p.Description
	}
	if p.Archived != nil {
		next.Archived = *p.Archived
	}
	if err := errs.Err(); err != nil {
		return Product{}, err
	}
	action := "updated"
	if p.Key == nil && p.Name == nil && p.Description == nil && p.Archived != nil {
		action = "unarchived"
		if *p.Archived {
			action = "archived"
		}
	}
	return s.store.UpdateProduct(ctx, team, next, version, action)
}

// Archive archives the product ref if it is still at version.
func (s *Service) Archive(ctx context.Context, team, ref string, version int64) (Product, error) {
	yes := true
	return s.Update(ctx, team, ref, Patch{Archived: &yes}, version)
}

// Unarchive brings the archived product ref back if it is still at version.
func (s *Service) Unarchive(ctx context.Context, team, ref string, version int64) (Product, error) {
	no := false
	return s.Update(ctx, team, ref, Patch{Archived: &no}, version)
}
