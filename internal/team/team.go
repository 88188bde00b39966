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
	ID        string    `json:"id"`
	Slug      string    `json:"slug" doc:"The space's address: lower-case letters, digits and hyphens"`
	Name      string    `json:"name"`
	State     State     `json:"state"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

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
	Role      Role      `json:"role"`
	JoinedAt  time.Time `json:"joined_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// Errors.
var (
	ErrNotFound       = fmt.Errorf("team: team space %w", errkind.NotFound)
	ErrMemberNotFound = fmt.Errorf("team: member %w", errkind.NotFound)
	ErrForbidden      = errkind.New(errkind.Forbidden, "team: your role in this team does not allow this")
	ErrSlugTaken      = errkind.New(errkind.Conflict, "team: that address is taken")
	ErrLastOwner      = errkind.New(errkind.Conflict, "team: a team space needs at least one owner")
)
