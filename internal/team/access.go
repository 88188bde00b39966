package team

import "github.com/pamateam/pama/internal/errkind"

// Access is what one account may do in one team: the team, its membership
// and the team's facilitation setting.
type Access struct {
	Team         Team
	Member       Member
	Facilitation Facilitation
}

// ErrSuspended refuses changes to a suspended team space.
var ErrSuspended = errkind.New(errkind.Forbidden, "team: this team space is suspended and read-only")

// Can reports whether the member may do perm.
func (a Access) Can(perm Permission) bool {
	return Allowed(a.Member.Role, a.Facilitation, perm)
}

// Check returns nil when the member may do perm now, ErrSuspended for a
// change to a suspended space, and ErrForbidden otherwise.
func (a Access) Check(perm Permission) error {
	if !a.Can(perm) {
		return ErrForbidden
	}
	if a.Team.State == StateSuspended && perm != PermView {
		return ErrSuspended
	}
	return nil
}
