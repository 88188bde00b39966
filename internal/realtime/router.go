package realtime

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/realtime/wire"
)

// Entity types the router and the membership watcher know by name.
const (
	EntityMember  = "member"
	EntityItem    = "item"
	EntityProduct = "product"
	EntityRoom    = "room"
	EntityTeam    = "team"
	EntityBacklog = "backlog" // a product's backlog as a whole (for example re-ranked)
	// EntityNotification is personal: its entries go to member:<account_id>
	// alone, never to a channel others can read.
	EntityNotification = "notification"
	// EntityInvitation names the invited address, which only those who
	// manage members may read: its entries go to the acting member alone.
	EntityInvitation = "invitation"
	// EntityFilter, a member's saved filter, is personal too: to
	// member:<account_id>, or the actor's (its owner) when an update does
	// not name the account.
	EntityFilter = "filter"
)

// Member actions that end a membership.
const (
	ActionRemoved = "removed"
	ActionLeft    = "left"
	// ActionStateChanged (platform record, entity team): suspended, resumed,
	// archived, deleted.
	ActionStateChanged = "state_changed"
)

// Route returns the channels an entry goes to. It may return nil to fall back
// to the rules of Router.Channels.
type Route func(ctx context.Context, e activity.Entry) []string

// Router decides which channels an activity entry is published to. The rules,
// in order (docs/PROTOCOL.md lists them):
//
//  0. A personal entity type (notification, saved filter) goes to
//     member:<account_id>, the account its changes name (for a filter, else
//     the actor, its owner), and nowhere else; without one, nowhere. An
//     invitation goes to its actor's member channel alone.
//  1. A Route registered for the entry's entity type (Handle) decides alone,
//     when it returns channels.
//  2. Otherwise the entity's own channel: item → item:<team>:<id>, room →
//     room:<team>:<id>, product → backlog:<team>:<id> and team:<team>, backlog
//     → backlog:<team>:<id>, member → team:<team> and member:<account>.
//  3. Plus the channels of the parents the entry names in its changes:
//     item_id → item:<team>:<item_id>, product_id → backlog:<team>:<product_id>,
//     room_id → room:<team>:<room_id>.
//  4. An item entry that names no product still goes to its product's
//     backlog channel, found with SetItemProduct's lookup.
//  5. An entry that matched nothing goes to team:<team>.
//
// Domain packages extend it with Handle, for example to look up an item's
// product when an update's changes do not name it.
type Router struct {
	mu          sync.RWMutex
	routes      map[string]Route
	itemProduct func(ctx context.Context, team, item string) (string, error)
	products    map[[2]string]string // (team, item) → product, a bounded cache
}

// maxCachedItems bounds the item → product cache.
const maxCachedItems = 50000

// NewRouter returns a router with the built-in rules.
func NewRouter() *Router {
	return &Router{routes: map[string]Route{}, products: map[[2]string]string{}}
}

// SetItemProduct gives the router a way to find an item's product when an
// item entry does not name it (an update that did not move the item), so
// the entry also reaches the product's backlog channel.
func (r *Router) SetItemProduct(fn func(ctx context.Context, team, item string) (string, error)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.itemProduct = fn
}

// productOf returns the product of item from the cache or the lookup, or "".
func (r *Router) productOf(ctx context.Context, team, item string) string {
	k := [2]string{team, item}
	r.mu.RLock()
	p, ok := r.products[k]
	fn := r.itemProduct
	r.mu.RUnlock()
	if ok || fn == nil {
		return p
	}
	p, err := fn(ctx, team, item)
	if err != nil || p == "" {
		return ""
	}
	r.mu.Lock()
	if len(r.products) >= maxCachedItems {
		clear(r.products)
	}
	r.products[k] = p
	r.mu.Unlock()
	return p
}

// Handle registers the route of an entity type, replacing any earlier one.
func (r *Router) Handle(entityType string, fn Route) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.routes[entityType] = fn
}

// Channels returns the channels e goes to, without duplicates. It is empty
// only for a personal entry that names no account.
func (r *Router) Channels(ctx context.Context, e activity.Entry) []string {
	if e.EntityType == EntityInvitation {
		if ch := wire.Member(e.ActorID); e.ActorID != "" && validChannel(ch) {
			return []string{ch}
		}
		return nil
	}
	if e.EntityType == EntityNotification || e.EntityType == EntityFilter {
		owner := ""
		for _, c := range e.Changes {
			if c.Field == "account_id" {
				owner = changedID(c)
			}
		}
		if owner == "" && e.EntityType == EntityFilter {
			owner = e.ActorID
		}
		if ch := wire.Member(owner); owner != "" && validChannel(ch) {
			return []string{ch}
		}
		return nil
	}
	r.mu.RLock()
	fn := r.routes[e.EntityType]
	r.mu.RUnlock()
	if fn != nil {
		if chs := fn(ctx, e); len(chs) > 0 {
			return chs
		}
	}
	team := e.TeamID
	var out []string
	add := func(ch string) {
		if !slices.Contains(out, ch) {
			out = append(out, ch)
		}
	}
	switch e.EntityType {
	case EntityItem:
		add(wire.Item(team, e.EntityID))
	case EntityRoom:
		add(wire.Room(team, e.EntityID))
	case EntityProduct:
		add(wire.Backlog(team, e.EntityID))
		add(wire.Team(team))
	case EntityBacklog:
		add(wire.Backlog(team, e.EntityID))
	case EntityMember:
		add(wire.Team(team))
		add(wire.Member(e.EntityID))
	}
	for _, c := range e.Changes {
		id := changedID(c)
		if id == "" {
			continue
		}
		switch c.Field {
		case "item_id":
			add(wire.Item(team, id))
		case "product_id":
			add(wire.Backlog(team, id))
			if e.EntityType == EntityItem {
				r.mu.Lock()
				r.products[[2]string{team, e.EntityID}] = id
				r.mu.Unlock()
			}
		case "room_id":
			add(wire.Room(team, id))
		}
	}
	if e.EntityType == EntityItem && !slices.ContainsFunc(out, func(ch string) bool { return strings.HasPrefix(ch, string(wire.KindBacklog)+":") }) {
		if p := r.productOf(ctx, team, e.EntityID); p != "" {
			add(wire.Backlog(team, p))
		}
	}
	if len(out) == 0 {
		add(wire.Team(team))
	}
	// Channel names must parse; an id that does not (too long, odd
	// characters) cannot be subscribed to, so publishing there is pointless.
	out = slices.DeleteFunc(out, func(ch string) bool { return !validChannel(ch) })
	if len(out) == 0 {
		out = append(out, wire.Team(team))
	}
	return out
}

// changedID returns the id a change names: its value after, or before when
// the field was cleared.
func changedID(c activity.Change) string {
	raw := c.After
	if len(raw) == 0 {
		raw = c.Before
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

func validChannel(ch string) bool {
	_, err := wire.Parse(ch)
	return err == nil
}
