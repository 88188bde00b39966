// Package errkind names the few kinds of failure that every layer of Pama
// understands. Domain packages wrap these kinds in their own sentinel errors
// (for example team.ErrNotFound wraps NotFound), so adapters such as the HTTP
// API can map any error to a response with errors.Is, without knowing every
// domain's sentinels.
package errkind

import (
	"errors"
	"fmt"
	"time"
)

// The kinds. Each wraps into a domain sentinel with fmt.Errorf("...: %w", Kind).
var (
	// NotFound: the thing does not exist, or the caller may not know that it does.
	NotFound = errors.New("not found")
	// Invalid: the input breaks a rule. Prefer *FieldError, which names the field.
	Invalid = errors.New("invalid input")
	// Conflict: the request clashes with the current state (a taken address, a
	// member who already belongs). Stale versions use *VersionConflict.
	Conflict = errors.New("conflict")
	// Unauthenticated: no valid session, token or code.
	Unauthenticated = errors.New("not signed in")
	// Forbidden: signed in, but the role does not allow it.
	Forbidden = errors.New("forbidden")
	// Limited: too many attempts; *LimitError says when to retry.
	Limited = errors.New("too many requests")
	// Quota: a per-team limit (members, storage, items) would be exceeded.
	Quota = errors.New("quota exceeded")
	// Unavailable: a dependency (database, mail server) is not answering.
	Unavailable = errors.New("unavailable")
)

// FieldError reports input that breaks a rule, naming the field. It is a kind
// of Invalid.
type FieldError struct {
	Field   string // JSON name of the field, dotted for nested fields: "criteria.2.text"
	Message string // what is wrong, as a sentence fragment: "must be 3 to 30 characters"
	Value   any    // the offending value, echoed back when it helps; may be nil
}

// Field returns a *FieldError for field with message.
func Field(field, message string) *FieldError {
	return &FieldError{Field: field, Message: message}
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s %s", e.Field, e.Message) }

// Is reports that a FieldError is a kind of Invalid.
func (e *FieldError) Is(target error) bool { return target == Invalid }

// FieldErrors collects several field errors in one error, for inputs with more
// than one mistake. It is a kind of Invalid.
type FieldErrors []*FieldError

func (es FieldErrors) Error() string {
	if len(es) == 0 {
		return "invalid input"
	}
	s := es[0].Error()
	if len(es) > 1 {
		s += fmt.Sprintf(" (and %d more)", len(es)-1)
	}
	return s
}

// Is reports that FieldErrors is a kind of Invalid.
func (es FieldErrors) Is(target error) bool { return target == Invalid }

// Err returns es as an error, or nil when it is empty.
func (es FieldErrors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// FieldConflict reports a value that is well-formed but clashes with the
// current state, such as an address another team space already uses. It
// names the field, like FieldError, but is a kind of Conflict.
type FieldConflict struct {
	Field   string // JSON name of the field
	Message string // what clashes, as a sentence fragment: "is taken"
}

func (e *FieldConflict) Error() string { return fmt.Sprintf("%s %s", e.Field, e.Message) }

// Is reports that a FieldConflict is a kind of Conflict.
func (e *FieldConflict) Is(target error) bool { return target == Conflict }

// VersionConflict reports an update based on a stale version. Current holds
// the entity as it is now, so the caller can show the winner's values. It is a
// kind of Conflict.
type VersionConflict struct {
	Entity  string // "item", "product", ...
	Version int64  // the version now stored
	Current any    // the entity as stored; may be nil
}

func (e *VersionConflict) Error() string {
	return fmt.Sprintf("%s was changed by someone else (now at version %d)", e.Entity, e.Version)
}

// Is reports that a VersionConflict is a kind of Conflict.
func (e *VersionConflict) Is(target error) bool { return target == Conflict }

// LimitError reports a rate limit, with how long to wait. It is a kind of Limited.
type LimitError struct {
	What       string // "sign-in codes for this address"
	RetryAfter time.Duration
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("too many %s; try again in %s", e.What, e.RetryAfter.Round(time.Second))
}

// Is reports that a LimitError is a kind of Limited.
func (e *LimitError) Is(target error) bool { return target == Limited }

// QuotaError reports a change that would take a team space past one of its
// quotas. It names the quota ("members", "items", "storage_bytes") and its
// limit, and is a kind of Quota.
type QuotaError struct {
	Quota string // "members", "items" or "storage_bytes"
	Limit int64  // the space's limit
	Used  int64  // what the space uses now
}

func (e *QuotaError) Error() string {
	what := e.Quota
	switch e.Quota {
	case "members":
		what = "members"
	case "items":
		what = "backlog items"
	case "storage_bytes":
		what = "bytes of files"
	}
	return fmt.Sprintf("this team space has reached its quota of %d %s (%s quota); ask the operator to raise it", e.Limit, what, e.Quota)
}

// Is reports that a QuotaError is a kind of Quota.
func (e *QuotaError) Is(target error) bool { return target == Quota }

// New returns an error with message msg that is of the given kind, for domain
// sentinels whose message should not end in the kind's own words:
//
//	var ErrBadCode = errkind.New(errkind.Unauthenticated, "identity: the code is wrong or has expired")
func New(kind error, msg string) error { return &kindError{kind: kind, msg: msg} }

type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string        { return e.msg }
func (e *kindError) Is(target error) bool { return target == e.kind }
