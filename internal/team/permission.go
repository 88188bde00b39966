package team

// Permission is something a member may be allowed to do in a team.
type Permission string

// The permissions. docs/roles.md shows them as a table; keep the two in step.
const (
	PermView           Permission = "team.view"            // read everything in the team
	PermManageTeam     Permission = "team.manage"          // rename, settings
	PermDeleteTeam     Permission = "team.delete"          // delete or archive the space
	PermManageMembers  Permission = "members.manage"       // invite, remove, change roles
	PermManageProducts Permission = "products.manage"      // create, rename, archive products
	PermEditBacklog    Permission = "backlog.edit"         // create and edit items, comment, attach
	PermManageSprints  Permission = "sprints.manage"       // plan, start and close sprints
	PermParticipate    Permission = "ceremony.participate" // join ceremonies, vote, write notes
	PermFacilitate     Permission = "ceremony.facilitate"  // start and steer ceremonies (see Facilitation)
)

// Facilitation is the team setting that says who may facilitate ceremonies.
type Facilitation string

// The facilitation settings.
const (
	FacilitationAnyone      Facilitation = "anyone"       // any participant (the default, as in the original)
	FacilitationScrumMaster Facilitation = "scrum_master" // scrum masters, admins and owners
)

var matrix = map[Role][]Permission{
	RoleOwner:        {PermView, PermManageTeam, PermDeleteTeam, PermManageMembers, PermManageProducts, PermEditBacklog, PermManageSprints, PermParticipate},
	RoleAdmin:        {PermView, PermManageTeam, PermManageMembers, PermManageProducts, PermEditBacklog, PermManageSprints, PermParticipate},
	RoleProductOwner: {PermView, PermManageProducts, PermEditBacklog, PermManageSprints, PermParticipate},
	RoleScrumMaster:  {PermView, PermEditBacklog, PermManageSprints, PermParticipate},
	RoleMember:       {PermView, PermEditBacklog, PermParticipate},
	RoleObserver:     {PermView},
}

// Allowed reports whether role may do perm in a team whose facilitation
// setting is f. It is the only place where roles are turned into rights.
func Allowed(role Role, f Facilitation, perm Permission) bool {
	if perm == PermFacilitate {
		if !Allowed(role, f, PermParticipate) {
			return false
		}
		if f == FacilitationScrumMaster {
			return role == RoleOwner || role == RoleAdmin || role == RoleScrumMaster
		}
		return true
	}
	for _, p := range matrix[role] {
		if p == perm {
			return true
		}
	}
	return false
}

// Permissions lists every permission, in the order of docs/roles.md.
var Permissions = []Permission{PermView, PermManageTeam, PermDeleteTeam, PermManageMembers, PermManageProducts,
	PermEditBacklog, PermManageSprints, PermParticipate, PermFacilitate}
