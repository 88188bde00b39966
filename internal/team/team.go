// Package team is the team space: its registry entry (name, address, state),
// members and their roles, invitations and settings. Role permissions are
// decided in one place, Allowed, and documented as a table in docs/roles.md.
package team

import (
	"fmt"
	"time"

	"github.com/pamateam/pama/internal/errkind"
)

// Team is a team space.
type Team struct {
	ID        string    `json:"id" example:"01920000-0000-7000-8000-000000000001"`
	Slug      string    `json:"slug" example:"blue-whales" doc:"The space's address: lower-case letters, digits and hyphens"`
	Name      string    `json:"name" example:"Blue Whales"`
	State     State     `json:"state" enum:"creating,active,suspended,archived,deleted" doc:"Only active and suspended (read-only) spaces can be reached"`
	CreatedBy string    `json:"created_by" doc:"Account that created the space"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version" doc:"Version of the team's name and settings; send it back when renaming or changing settings"`
	// Closed marks a suspended space that is closed to its members (not even
	// readable); only operators reach it.
	Closed bool `json:"closed,omitempty" doc:"A suspended space closed to its members: only operators reach it"`
}

// Reachable reports whether members can reach the space: active, or
// suspended read-only (not closed).
func (t Team) Reachable() bool { return t.State.Reachable() && !t.Closed }

// State is where a team space is in its life.
type State string

// The states.
const (
	StateCreating  State = "creating"
	StateActive    State = "active"
	StateSuspended State = "suspended"
	StateArchived  State = "archived"
	StateDeleted   State = "deleted"
)

// Reachable reports whether members can reach a space in state s: active
// spaces, and suspended ones (read-only).
func (s State) Reachable() bool { return s == StateActive || s == StateSuspended }

// Role is what a member is in a team.
type Role string

// The roles, from most to least powerful.
const (
	RoleOwner        Role = "owner"
	RoleAdmin        Role = "admin"
	RoleProductOwner Role = "product_owner"
	RoleScrumMaster  Role = "scrum_master"
	RoleMember       Role = "member"
	RoleObserver     Role = "observer"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleOwner, RoleAdmin, RoleProductOwner, RoleScrumMaster, RoleMember, RoleObserver}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Member is an account's membership in a team.
type Member struct {
	TeamID    string    `json:"team_id"`
	AccountID string    `json:"account_id"`
	Role      Role      `json:"role" enum:"owner,admin,product_owner,scrum_master,member,observer"`
	JoinedAt  time.Time `json:"joined_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// MemberInfo is a member with the account details a member list shows.
type MemberInfo struct {
	Member
	DisplayName string `json:"display_name" example:"Ada Lovelace"`
	Email       string `json:"email" example:"ada@example.com"`
	Avatar      string `json:"avatar,omitempty" doc:"URL of the avatar image, if one is set"`
}

// MyTeam is one team in the list of the caller's teams.
type MyTeam struct {
	ID    string `json:"id"`
	Slug  string `json:"slug" example:"blue-whales"`
	Name  string `json:"name" example:"Blue Whales"`
	State State  `json:"state" enum:"active,suspended"`
	Role  Role   `json:"role" enum:"owner,admin,product_owner,scrum_master,member,observer" doc:"The caller's role in the team"`
}

// Page asks for one page of a list: up to Limit entries after Cursor (a
// next_cursor from the previous page; empty for the first page).
type Page struct {
	Cursor string
	Limit  int
}

// The page sizes lists accept.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 200
)

// Clamp returns p with Limit inside 1..MaxPageLimit (DefaultPageLimit when unset).
func (p Page) Clamp() Page {
	switch {
	case p.Limit <= 0:
		p.Limit = DefaultPageLimit
	case p.Limit > MaxPageLimit:
		p.Limit = MaxPageLimit
	}
	return p
}

// Errors.
var (
	ErrNotFound           = fmt.Errorf("team: team space %w", errkind.NotFound)
	ErrMemberNotFound     = fmt.Errorf("team: member %w", errkind.NotFound)
	ErrInvitationNotFound = fmt.Errorf("team: invitation %w", errkind.NotFound)
	ErrForbidden          = errkind.New(errkind.Forbidden, "team: your role in this team does not allow this")
	ErrOwnersOnly         = errkind.New(errkind.Forbidden, "team: only an owner may make, change or remove owners")
	ErrSlugTaken          = &errkind.FieldConflict{Field: "slug", Message: "is taken; choose another address"}
	ErrLastOwner          = errkind.New(errkind.Conflict, "team: a team space needs at least one owner")
	ErrAlreadyMember      = errkind.New(errkind.Conflict, "team: that person is already a member of this team")
	ErrAlreadyInvited     = errkind.New(errkind.Conflict, "team: that address already has a pending invitation; resend it instead")
	ErrInvitationUsed     = errkind.New(errkind.Conflict, "team: this invitation has already been accepted")
	ErrInvitationExpired  = errkind.New(errkind.Conflict, "team: this invitation has expired; ask for a new one")
	ErrInvitationClosed   = errkind.New(errkind.Conflict, "team: this invitation is no longer pending")
	ErrWrongAccount       = errkind.New(errkind.Forbidden, "team: this invitation was sent to another email address; sign in with that address to accept it")
	ErrTooManyPending     = errkind.New(errkind.Quota, "team: this team has too many pending invitations; revoke some first")
	ErrTooManyMembers     = errkind.New(errkind.Quota, "team: this team has reached its member limit")
	ErrTooManyTeams       = errkind.New(errkind.Quota, "team: you have created as many team spaces as one account may")
)
