// What a role may do in a team: the same matrix as the server's
// (internal/team/permission.go, docs/roles.md). Screens use it to hide or
// disable what the member may not do; the server enforces it anyway.

import type { Role } from '../api/client';

export type Permission =
  | 'team.view'
  | 'team.manage'
  | 'team.delete'
  | 'members.manage'
  | 'products.manage'
  | 'backlog.edit'
  | 'sprints.manage'
  | 'ceremony.participate'
  | 'ceremony.facilitate';

export type Facilitation = 'anyone' | 'scrum_master';

const matrix: Record<Role, readonly Permission[]> = {
  owner: ['team.view', 'team.manage', 'team.delete', 'members.manage', 'products.manage', 'backlog.edit', 'sprints.manage', 'ceremony.participate'],
  admin: ['team.view', 'team.manage', 'members.manage', 'products.manage', 'backlog.edit', 'sprints.manage', 'ceremony.participate'],
  product_owner: ['team.view', 'products.manage', 'backlog.edit', 'sprints.manage', 'ceremony.participate'],
  scrum_master: ['team.view', 'backlog.edit', 'sprints.manage', 'ceremony.participate'],
  member: ['team.view', 'backlog.edit', 'ceremony.participate'],
  observer: ['team.view'],
};

/** can reports whether role may do perm; an unknown role may do nothing. */
export function can(role: Role | undefined, perm: Permission, facilitation: Facilitation = 'anyone'): boolean {
  if (!role) return false;
  if (perm === 'ceremony.facilitate') {
    if (!can(role, 'ceremony.participate')) return false;
    return facilitation === 'anyone' || role === 'owner' || role === 'admin' || role === 'scrum_master';
  }
  return matrix[role]?.includes(perm) ?? false;
}

/** The roles, from the most rights to the fewest. */
export const roles: readonly Role[] = ['owner', 'admin', 'product_owner', 'scrum_master', 'member', 'observer'];

/** assignableRoles lists the roles someone with role may give: only owners make owners. */
export function assignableRoles(role: Role | undefined): Role[] {
  if (!can(role, 'members.manage')) return [];
  return roles.filter((r) => r !== 'owner' || role === 'owner');
}
