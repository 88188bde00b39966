// Package identity is who people are in Pama: accounts, sign-in by an emailed
// one-time code or a password, browser sessions and personal API tokens.
//
// Secrets are never stored: codes, session ids and tokens are kept as keyed
// hashes, shown to their owner once and compared in constant time.
package identity

import (
	"fmt"
	"time"

	"github.com/pamateam/pama/internal/errkind"
)

// Account is a person who can sign in. One account reaches all its teams.
type Account struct {
	ID          string    `json:"id"`
	Email       string    `json:"email" format:"email"`
	DisplayName string    `json:"display_name"`
	Avatar      string    `json:"avatar,omitempty" doc:"URL of the avatar image, if one is set"`
	HasPassword bool      `json:"has_password"`
	Operator    bool      `json:"operator" doc:"May use the operator console"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Version     int64     `json:"version"`
}

// Scope limits what an API token may do.
type Scope string

// The scopes. A browser session has every scope.
const (
	ScopeRead  Scope = "read"  // GET requests
	ScopeWrite Scope = "write" // everything else a member may do
)

// Principal is who is making a request: an account, through a session or a token.
type Principal struct {
	AccountID string
	TokenID   string    // set when authenticated by an API token
	Scopes    []Scope   // nil for a browser session: all scopes
	AuthTime  time.Time // when the browser session signed in; zero for a token
}

// Allows reports whether the principal's scopes include s.
func (p Principal) Allows(s Scope) bool {
	if p.Scopes == nil {
		return true
	}
	for _, have := range p.Scopes {
		if have == s || (have == ScopeWrite && s == ScopeRead) {
			return true
		}
	}
	return false
}

// Errors.
var (
	ErrAccountNotFound = fmt.Errorf("identity: account %w", errkind.NotFound)
	ErrTokenNotFound   = fmt.Errorf("identity: token %w", errkind.NotFound)
	ErrBadCode         = errkind.New(errkind.Unauthenticated, "identity: the code is wrong or has expired")
	ErrBadPassword     = errkind.New(errkind.Unauthenticated, "identity: wrong email or password")
	ErrNoSession       = errkind.New(errkind.Unauthenticated, "identity: sign in first")
	ErrBadToken        = errkind.New(errkind.Unauthenticated, "identity: the API token is invalid, expired or revoked")
)
