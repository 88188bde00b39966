// Package wire is the contract of Pama's real-time API: the endpoint, the
// channel names, the remote procedures, and the JSON payloads that travel in
// publications and requests. The server, its tests and cmd/pama-load all use
// it; docs/PROTOCOL.md describes the same contract for other clients.
//
// The transport is the Centrifuge client protocol (JSON or Protobuf framing)
// over one WebSocket per client, so any Centrifuge client SDK can speak it.
// This package only defines what Pama puts inside that protocol.
package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pamateam/pama/internal/activity"
)

// Path is where the WebSocket endpoint is served.
const Path = "/api/v1/realtime"

// Kind is what a channel is about.
type Kind string

// The channel kinds. A channel name is the kind, a colon, and the ids
// separated by colons (see Channel.String).
const (
	// KindTeam: team:<team> carries entries about the team itself, its
	// members, invitations, settings, products and any entity type without a
	// more specific channel. Presence: who of the team is online.
	KindTeam Kind = "team"
	// KindBacklog: backlog:<team>:<product> carries entries about the
	// product's items, so a backlog or board view stays current.
	KindBacklog Kind = "backlog"
	// KindItem: item:<team>:<item> carries entries about one item (and its
	// comments, attachments), and the co-editing traffic on its fields:
	// drafts, locks. Presence: who has the item open.
	KindItem Kind = "item"
	// KindRoom: room:<team>:<room> carries a ceremony room's entries and its
	// ephemeral traffic: follow messages, signals (votes, reveals). Presence:
	// who is in the room.
	KindRoom Kind = "room"
	// KindMember: member:<account> is personal: entries about the account's
	// memberships (added to a team, role changed, removed). Only that account
	// may subscribe.
	KindMember Kind = "member"
)

// Channel is a parsed channel name.
type Channel struct {
	Kind Kind
	Team string // empty for KindMember
	ID   string // product, item or room id; the account id for KindMember; empty for KindTeam
}

// Limits on names.
const (
	MaxIDLength      = 64
	MaxChannelLength = 200
)

// ErrBadChannel reports a channel name that is not one of Pama's.
var ErrBadChannel = errors.New("wire: not a Pama channel name")

// Team returns the channel of a team.
func Team(team string) string { return string(KindTeam) + ":" + team }

// Backlog returns the channel of a product's backlog.
func Backlog(team, product string) string { return string(KindBacklog) + ":" + team + ":" + product }

// Item returns the channel of an item.
func Item(team, item string) string { return string(KindItem) + ":" + team + ":" + item }

// Room returns the channel of a ceremony room.
func Room(team, room string) string { return string(KindRoom) + ":" + team + ":" + room }

// Member returns the personal channel of an account.
func Member(account string) string { return string(KindMember) + ":" + account }

// String returns the channel's name.
func (c Channel) String() string {
	switch c.Kind {
	case KindTeam:
		return Team(c.Team)
	case KindMember:
		return Member(c.ID)
	default:
		return string(c.Kind) + ":" + c.Team + ":" + c.ID
	}
}

// Parse parses a channel name. Ids are 1 to MaxIDLength characters of
// letters, digits, '-' and '_'.
func Parse(name string) (Channel, error) {
	if len(name) > MaxChannelLength {
		return Channel{}, ErrBadChannel
	}
	parts := strings.Split(name, ":")
	for _, p := range parts[1:] {
		if !validID(p) {
			return Channel{}, ErrBadChannel
		}
	}
	k := Kind(parts[0])
	switch {
	case k == KindTeam && len(parts) == 2:
		return Channel{Kind: k, Team: parts[1]}, nil
	case k == KindMember && len(parts) == 2:
		return Channel{Kind: k, ID: parts[1]}, nil
	case (k == KindBacklog || k == KindItem || k == KindRoom) && len(parts) == 3:
		return Channel{Kind: k, Team: parts[1], ID: parts[2]}, nil
	}
	return Channel{}, ErrBadChannel
}

func validID(s string) bool {
	if s == "" || len(s) > MaxIDLength {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// Event types: the "type" of every publication's JSON data.
const (
	// TypeEntity: a committed change, from the activity record. Kept in the
	// channel's history, so it is recovered after a reconnect.
	TypeEntity = "entity"
	// TypeDraft: someone's text in a field as they type (item channels). Ephemeral.
	TypeDraft = "draft"
	// TypeLock: someone took the soft lock on a field (item channels). Ephemeral.
	TypeLock = "lock"
	// TypeUnlock: a field's soft lock was released. Ephemeral.
	TypeUnlock = "unlock"
	// TypeFollow: someone asks everyone in a room to open a screen. Ephemeral.
	TypeFollow = "follow"
	// TypeSignal: a free-form room message (a vote, a reveal). Ephemeral.
	TypeSignal = "signal"
)

// Unlock reasons.
const (
	ReasonReleased   = "released"   // the holder released it (after committing, or leaving the field)
	ReasonIdle       = "idle"       // no draft for the idle timeout
	ReasonDisconnect = "disconnect" // the holder's connection ended
)

// Header is the part every publication's data starts with; decode it first
// to learn the type.
type Header struct {
	Type string `json:"type"`
}

// EntityEvent announces a committed change. Entry.Version is the entity's
// version after the change; Entry.Seq orders the team's entries. Delivery is
// at least once: a client that already holds Entry.Version (or a newer one)
// of the entity ignores it.
type EntityEvent struct {
	Type  string         `json:"type"` // TypeEntity
	Entry activity.Entry `json:"entry"`
}

// Sender identifies who sent an ephemeral message: the server fills it in
// from the connection, so it cannot be forged.
type Sender struct {
	By     string `json:"by"`     // account id
	Client string `json:"client"` // connection id (one per device or tab)
}

// DraftEvent is the text of a field while someone types in it. Drafts of one
// editor arrive at most MaxDraftRate a second, coalesced: the latest text
// always arrives. A draft whose BaseVersion is older than the item version the
// client holds is stale (the value was committed) and is ignored.
type DraftEvent struct {
	Type string `json:"type"` // TypeDraft
	Sender
	Field       string `json:"field"`
	Text        string `json:"text"`
	BaseVersion int64  `json:"base_version"`
}

// LockEvent says who holds the soft lock on a field, until when unless they
// keep typing.
type LockEvent struct {
	Type string `json:"type"` // TypeLock
	Sender
	Field   string `json:"field"`
	UntilMS int64  `json:"until_ms"` // Unix ms; renewed by every draft
}

// UnlockEvent says a field's soft lock was released.
type UnlockEvent struct {
	Type string `json:"type"` // TypeUnlock
	Sender
	Field  string `json:"field"`
	Reason string `json:"reason"` // ReasonReleased, ReasonIdle or ReasonDisconnect
}

// FollowEvent asks every client in a room to open a screen, for example the
// create-subtask form of an item.
type FollowEvent struct {
	Type string `json:"type"` // TypeFollow
	Sender
	Screen string          `json:"screen"`
	Params json.RawMessage `json:"params,omitempty"`
}

// SignalEvent is a free-form room message.
type SignalEvent struct {
	Type string `json:"type"` // TypeSignal
	Sender
	Name string          `json:"name"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Limits on what clients send.
const (
	MaxDraftRate    = 20        // drafts a second per connection, after coalescing
	MaxTextBytes    = 64 << 10  // draft text
	MaxFieldLength  = 64        // field, screen and signal names
	MaxParamsBytes  = 4 << 10   // follow params, signal data
	MaxFollowRate   = 5         // follow messages a second per connection
	MaxSignalRate   = 20        // signals a second per connection
	MaxMessageBytes = 128 << 10 // any one frame from a client; a larger one closes the connection
)

// Client-to-server publications. A client publishes these JSON objects into
// a channel it is subscribed to; the server checks them and republishes the
// matching event with the Sender filled in.

// DraftMessage is published into an item channel while typing. It takes the
// field's lock if it is free (or renews it).
type DraftMessage struct {
	Type        string `json:"type"` // TypeDraft
	Field       string `json:"field"`
	Text        string `json:"text"`
	BaseVersion int64  `json:"base_version"`
}

// FollowMessage is published into a room channel.
type FollowMessage struct {
	Type   string          `json:"type"` // TypeFollow
	Screen string          `json:"screen"`
	Params json.RawMessage `json:"params,omitempty"`
}

// SignalMessage is published into a room channel.
type SignalMessage struct {
	Type string          `json:"type"` // TypeSignal
	Name string          `json:"name"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Remote procedures (Centrifuge RPC), with JSON requests and replies.
const (
	// MethodLock takes the soft lock on a field of an item: LockRequest → LockReply.
	MethodLock = "lock"
	// MethodUnlock releases it: LockRequest → LockReply (Granted false).
	MethodUnlock = "unlock"
	// MethodLocks lists an item's current locks and drafts: LocksRequest → LocksReply.
	MethodLocks = "locks"
)

// LockRequest names a field of an item channel.
type LockRequest struct {
	Channel string `json:"channel"`
	Field   string `json:"field"`
}

// LockReply says whether the caller holds the lock now, and who does.
type LockReply struct {
	Granted bool  `json:"granted"`
	Holder  *Lock `json:"holder,omitempty"`
}

// LocksRequest names an item channel.
type LocksRequest struct {
	Channel string `json:"channel"`
}

// LocksReply lists the held locks of an item channel.
type LocksReply struct {
	Locks []Lock `json:"locks"`
}

// Lock is a held soft lock, with the holder's latest draft if any.
type Lock struct {
	Sender
	Field       string `json:"field"`
	UntilMS     int64  `json:"until_ms"`
	Text        string `json:"text,omitempty"`
	BaseVersion int64  `json:"base_version,omitempty"`
	HasDraft    bool   `json:"has_draft"`
}

// ConnectData is what a client may send in the connect command's data.
type ConnectData struct {
	// Device labels the connection in presence ("web", "ios", "load"), up to
	// MaxFieldLength characters.
	Device string `json:"device,omitempty"`
}

// ConnInfo is the connection info the server attaches to presence, join and
// leave: the account is the Centrifuge user, the device comes from ConnectData.
type ConnInfo struct {
	Device string `json:"device,omitempty"`
}

// Application error codes in replies (Centrifuge reserves 0-399).
const (
	// CodeLocked: the field is locked by someone else; the message says who.
	CodeLocked = 409
	// CodeInvalid: the message is malformed or breaks a limit.
	CodeInvalid = 422
	// CodeForbidden: the role does not allow it (for example an observer typing).
	CodeForbidden = 403
)

// Unsubscribe and disconnect codes the server uses besides Centrifuge's own.
const (
	// UnsubscribeRevoked: the account lost access to the channel's team
	// (removed, or left). Terminal: do not resubscribe.
	UnsubscribeRevoked = 2100
)

// ValidName reports whether s is a field, screen or signal name: 1 to
// MaxFieldLength characters of lower-case letters, digits, '_', '-', '.' and '/'.
func ValidName(s string) bool {
	if s == "" || len(s) > MaxFieldLength {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_', c == '-', c == '.', c == '/':
		default:
			return false
		}
	}
	return true
}

// Decode decodes a publication's data into the event struct of its type:
// EntityEvent, DraftEvent, LockEvent, UnlockEvent, FollowEvent or SignalEvent.
func Decode(data []byte) (any, error) {
	var h Header
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, fmt.Errorf("wire: decode: %w", err)
	}
	var v any
	switch h.Type {
	case TypeEntity:
		v = &EntityEvent{}
	case TypeDraft:
		v = &DraftEvent{}
	case TypeLock:
		v = &LockEvent{}
	case TypeUnlock:
		v = &UnlockEvent{}
	case TypeFollow:
		v = &FollowEvent{}
	case TypeSignal:
		v = &SignalEvent{}
	default:
		return nil, fmt.Errorf("wire: unknown event type %q", h.Type)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("wire: decode %s: %w", h.Type, err)
	}
	return v, nil
}
