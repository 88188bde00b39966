// Package ceremony runs a team's Scrum ceremonies live: backlog refinement,
// estimation (planning poker), the daily, the retrospective, sprint planning
// and sprint review.
//
// A ceremony is a session with a room (Room): its kind, participants, the
// facilitator, the current step, a stored deadline for the step's timer and
// the kind's own state. The whole room lives in the store as one row whose
// state is a JSON document, changed only inside a transaction that loads it,
// applies one action and saves it with the next version; so simultaneous
// actions never lose one another, and a node restart or a reconnect loses
// nothing.
//
// Each kind is a Rules value (poker.go, retro.go, …): it sets up a new room,
// turns an action into a change of the room (Rules.Act) and shows the room to
// one viewer (Rules.View), hiding what the ceremony keeps hidden (votes until
// the reveal, notes until everyone is done). Actions that change other parts
// of Pama (an estimate written to an item, a blocker turned into an item) call
// those services before the room's transaction; the room records what they
// did.
//
// Every change of a room writes an activity entry of entity type "room" that
// never carries hidden content (a vote's value, a hidden note's text), so the
// real-time layer can publish it to the room's channel; clients fetch the
// room's view again, which the server computes for each viewer.
package ceremony

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/errkind"
)

// Kind is a kind of ceremony.
type Kind string

// The kinds.
const (
	KindRefinement Kind = "refinement"
	KindPoker      Kind = "poker"
	KindDaily      Kind = "daily"
	KindRetro      Kind = "retro"
	KindPlanning   Kind = "planning"
	KindReview     Kind = "review"
)

// Kinds lists every kind, in the order of a sprint.
var Kinds = []Kind{KindRefinement, KindPoker, KindDaily, KindRetro, KindPlanning, KindReview}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Status is whether a room is running.
type Status string

// The statuses.
const (
	StatusActive   Status = "active"
	StatusFinished Status = "finished"
)

// Participant is one member in a room.
type Participant struct {
	AccountID string    `json:"account_id"`
	JoinedAt  time.Time `json:"joined_at"`
	// Active is false once the member has left the room; a member who
	// leaves and comes back is the same participant.
	Active bool `json:"active"`
}

// Room is one ceremony session. State is the kind's own document; only its
// Rules read it.
type Room struct {
	ID            string          `json:"id"`
	TeamID        string          `json:"team_id"`
	Kind          Kind            `json:"kind" enum:"refinement,poker,daily,retro,planning,review"`
	Title         string          `json:"title"`
	ProductID     string          `json:"product_id,omitempty"`
	SprintID      string          `json:"sprint_id,omitempty"`
	Status        Status          `json:"status" enum:"active,finished"`
	FacilitatorID string          `json:"facilitator_id" doc:"Who steers the room now"`
	Step          string          `json:"step" doc:"The kind's current step"`
	Deadline      time.Time       `json:"deadline,omitzero" doc:"When the current step's timer runs out"`
	Participants  []Participant   `json:"participants"`
	State         json.RawMessage `json:"-"`
	CreatedBy     string          `json:"created_by"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	FinishedAt    time.Time       `json:"finished_at,omitzero"`
	Version       int64           `json:"version"`
}

// Participant returns the participant with account id and whether there is one.
func (r *Room) Participant(id string) (Participant, bool) {
	for _, p := range r.Participants {
		if p.AccountID == id {
			return p, true
		}
	}
	return Participant{}, false
}

// IsIn reports whether account is an active participant.
func (r *Room) IsIn(account string) bool {
	p, ok := r.Participant(account)
	return ok && p.Active
}

// Active returns the ids of the active participants, in joining order.
func (r *Room) Active() []string {
	var out []string
	for _, p := range r.Participants {
		if p.Active {
			out = append(out, p.AccountID)
		}
	}
	return out
}

// Load decodes the room's state into v; an empty state leaves v as it is.
func (r *Room) Load(v any) error {
	if len(r.State) == 0 {
		return nil
	}
	if err := json.Unmarshal(r.State, v); err != nil {
		return fmt.Errorf("ceremony: decode %s state: %w", r.Kind, err)
	}
	return nil
}

// Save encodes v as the room's state.
func (r *Room) Save(v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("ceremony: encode %s state: %w", r.Kind, err)
	}
	if len(raw) > MaxState {
		return errkind.New(errkind.Conflict, "ceremony: the room holds too much; finish it and start another")
	}
	r.State = raw
	return nil
}

// Change is what one action did to a room, for the activity record. Its
// Changes must never carry hidden content.
type Change struct {
	Action  string
	Changes []activity.Change
}

// Note returns a Change with action and the given field, value pairs as
// the values after the change.
func Note(action string, fields ...any) Change {
	c := Change{Action: action}
	for i := 0; i+1 < len(fields); i += 2 {
		name, _ := fields[i].(string)
		raw, err := json.Marshal(fields[i+1])
		if err != nil {
			continue
		}
		c.Changes = append(c.Changes, activity.Change{Field: name, After: raw})
	}
	return c
}

// Limits.
const (
	MaxTitle = 120
	MaxText  = 2000
	// MaxState bounds a room's state document.
	MaxState = 1 << 20
	// MaxParticipants bounds a room's participants.
	MaxParticipants = 200
	// MaxTimer bounds a step timer.
	MaxTimer = 24 * time.Hour
	// MaxAsync bounds an asynchronous estimation's deadline.
	MaxAsync = 14 * 24 * time.Hour
)

// Errors.
var (
	ErrNotFound       = fmt.Errorf("ceremony: room %w", errkind.NotFound)
	ErrItemNotFound   = fmt.Errorf("ceremony: item %w", errkind.NotFound)
	ErrFinished       = errkind.New(errkind.Conflict, "ceremony: the ceremony has finished")
	ErrNotParticipant = errkind.New(errkind.Forbidden, "ceremony: join the room first")
	ErrNotFacilitator = errkind.New(errkind.Forbidden, "ceremony: only the facilitator may do this; take over facilitation first if the team allows it")
	ErrRoomFull       = errkind.New(errkind.Conflict, "ceremony: the room is full")
)

// Filter lists rooms.
type Filter struct {
	Kind      Kind
	Status    Status // "": any
	ProductID string
	Limit     int
}

// Store is the persistence rooms need; sqlstore.Store implements it.
type Store interface {
	CreateRoom(ctx context.Context, team string, r Room) (Room, error)
	Room(ctx context.Context, team, id string) (Room, error)
	Rooms(ctx context.Context, team string, f Filter) ([]Room, error)
	// UpdateRoom loads the room in a write transaction, calls fn with it
	// and, when fn returns without error, saves it with the next version and
	// records the change (entity type "room"). Notices fn returns in the
	// change are written as notifications in the same transaction.
	UpdateRoom(ctx context.Context, team, id string, fn func(r *Room) (Change, error)) (Room, error)

	// Refinement requests.
	RequestRefinement(ctx context.Context, team, itemID, note string) (Request, error)
	WithdrawRequest(ctx context.Context, team, itemID string) error
	CloseRequest(ctx context.Context, team, itemID, roomID string) error
	Requests(ctx context.Context, team, productID string) ([]Request, error)

	// The reference item for one story point, kept per team.
	Reference(ctx context.Context, team string) (Reference, error)
	SetReference(ctx context.Context, team, itemID string) (Reference, error)

	// InviteToRoom notifies each account that people wait for it in a room.
	InviteToRoom(ctx context.Context, team, roomID string, accounts []string) error
}
