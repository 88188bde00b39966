// Package activity is the append-only record of what users did to business
// objects. Every mutation writes one Entry in the same transaction as the
// change itself (the store guarantees it), so history, audit, the activity
// feed, reports, real-time events and webhooks all come from one record, and
// nothing is announced that was not saved.
package activity

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Entry is one recorded action on one entity.
type Entry struct {
	Seq        int64     `json:"seq" doc:"Position in the team's record; increases with every entry"`
	TeamID     string    `json:"team_id"`
	At         time.Time `json:"at"`
	ActorID    string    `json:"actor_id" doc:"Account that acted; empty for the system"`
	EntityType string    `json:"entity_type" example:"product"`
	EntityID   string    `json:"entity_id"`
	Action     string    `json:"action" example:"updated" doc:"created, updated, deleted or a domain verb such as moved"`
	Version    int64     `json:"version" doc:"The entity's version after the action"`
	Changes    []Change  `json:"changes,omitempty" doc:"Fields that changed, with their values before and after"`
}

// Change is one field's value before and after an action. Values are JSON as
// the API shows them; Before is absent on creation and After on deletion.
type Change struct {
	Field  string          `json:"field"`
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
}

// Ignored fields never appear in a Diff: they change on every write.
var ignored = []string{"version", "updated_at", "created_at", "id", "team_id"}

// Diff returns the top-level JSON fields that differ between before and after,
// in field-name order. Either side may be nil (creation or deletion). Values
// that cannot be marshalled are treated as absent.
func Diff(before, after any) []Change {
	b, a := fields(before), fields(after)
	names := make([]string, 0, len(a)+len(b))
	for k := range a {
		names = append(names, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	var out []Change
	for _, k := range names {
		if slices.Contains(ignored, k) {
			continue
		}
		bv, av := b[k], a[k]
		if bytes.Equal(bv, av) {
			continue
		}
		out = append(out, Change{Field: k, Before: bv, After: av})
	}
	return out
}

// Context returns a change of field whose value stays what it was: value
// both before and after. Diff never makes one; entries about an entity that
// belongs to another (a comment to its item, a notification to its member)
// carry one naming that parent on every action, so the real-time layer can
// route them by their changes ("item_id", "account_id") even when the parent
// did not change.
func Context(field string, value any) Change {
	raw, _ := json.Marshal(value)
	return Change{Field: field, Before: raw, After: raw}
}

// WithContext returns changes with a Context change of field added when no
// change of field is there already, keeping field-name order.
func WithContext(changes []Change, field string, value any) []Change {
	for _, c := range changes {
		if c.Field == field {
			return changes
		}
	}
	out := append(changes, Context(field, value))
	slices.SortStableFunc(out, func(a, b Change) int { return strings.Compare(a.Field, b.Field) })
	return out
}

func fields(v any) map[string]json.RawMessage {
	if v == nil {
		return nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	for k, val := range m {
		if string(val) == "null" {
			delete(m, k)
		}
	}
	return m
}

type actorKey struct{}

// WithActor returns a context that carries the account acting in it. The HTTP
// layer sets it once per request; stores read it when they write an Entry.
func WithActor(ctx context.Context, accountID string) context.Context {
	return context.WithValue(ctx, actorKey{}, accountID)
}

// Actor returns the account acting in ctx, or "" for the system.
func Actor(ctx context.Context) string {
	s, _ := ctx.Value(actorKey{}).(string)
	return s
}
