// Every screen of the app: its address, who may see it, and how to load it.
// Screens load on demand, so the first page needs only the shell.

import type { Component } from 'svelte';
import type { RouteDef } from './lib/router.svelte';

export type RouteName =
  | 'home'
  | 'sign-in'
  | 'invite'
  | 'new-team'
  | 'start'
  | 'account'
  | 'team'
  | 'backlog'
  | 'board'
  | 'sprints'
  | 'ceremonies'
  | 'room'
  | 'inbox'
  | 'reports'
  | 'settings'
  | 'item'
  | 'settings-workflow'
  | 'settings-members'
  | 'settings-products'
  // The operator console.
  | 'console'
  | 'console-jobs'
  | 'console-audit'
  | 'console-space';

export interface Route extends RouteDef<RouteName> {
  /** Screens inside a team show the team's navigation. */
  team?: boolean;
  /** The section the navigation marks as current, when not the route's own name. */
  section?: TeamSection;
  /** Bare screens (sign-in, invitations) have no app shell around them. */
  bare?: boolean;
  load: () => Promise<{ default: Component<any> }>;
}

const settings = () => import('./screens/Settings.svelte');
const operatorConsole = () => import('./screens/Console.svelte');

// Team addresses are the first path segment; the server reserves every
// other first segment used here (sign-in, invite, teams, account, ...).
export const routes: Route[] = [
  { name: 'home', pattern: '/', access: 'signed-in', load: () => import('./screens/Home.svelte') },
  { name: 'sign-in', pattern: '/sign-in', access: 'guest', bare: true, load: () => import('./screens/SignIn.svelte') },
  { name: 'invite', pattern: '/invite/:token', access: 'any', bare: true, load: () => import('./screens/Invite.svelte') },
  { name: 'start', pattern: '/start', access: 'any', bare: true, load: () => import('./screens/Start.svelte') },
  { name: 'new-team', pattern: '/teams/new', access: 'signed-in', load: () => import('./screens/NewTeam.svelte') },
  { name: 'account', pattern: '/account', access: 'signed-in', load: () => import('./screens/Account.svelte') },
  // The operator console (operators only; the screen says so to others).
  { name: 'console', pattern: '/console', access: 'signed-in', load: operatorConsole },
  { name: 'console-jobs', pattern: '/console/jobs', access: 'signed-in', load: operatorConsole },
  { name: 'console-audit', pattern: '/console/audit', access: 'signed-in', load: operatorConsole },
  { name: 'console-space', pattern: '/console/spaces/:space', access: 'signed-in', load: operatorConsole },
  { name: 'team', pattern: '/:team', access: 'signed-in', team: true, load: () => import('./screens/TeamHome.svelte') },
  { name: 'backlog', pattern: '/:team/backlog', access: 'signed-in', team: true, load: () => import('./screens/Backlog.svelte') },
  { name: 'item', pattern: '/:team/items/:item', access: 'signed-in', team: true, section: 'backlog', load: () => import('./screens/ItemDetails.svelte') },
  { name: 'board', pattern: '/:team/board', access: 'signed-in', team: true, load: () => import('./screens/Board.svelte') },
  { name: 'sprints', pattern: '/:team/sprints', access: 'signed-in', team: true, load: () => import('./screens/Sprints.svelte') },
  { name: 'ceremonies', pattern: '/:team/ceremonies', access: 'signed-in', team: true, load: () => import('./screens/Ceremonies.svelte') },
  { name: 'room', pattern: '/:team/ceremonies/:room', access: 'signed-in', team: true, section: 'ceremonies', load: () => import('./screens/Room.svelte') },
  { name: 'inbox', pattern: '/:team/inbox', access: 'signed-in', team: true, load: () => import('./screens/Inbox.svelte') },
  { name: 'reports', pattern: '/:team/reports', access: 'signed-in', team: true, load: () => import('./screens/Reports.svelte') },
  { name: 'settings', pattern: '/:team/settings', access: 'signed-in', team: true, load: settings },
  { name: 'settings-workflow', pattern: '/:team/settings/workflow', access: 'signed-in', team: true, section: 'settings', load: settings },
  { name: 'settings-members', pattern: '/:team/settings/members', access: 'signed-in', team: true, section: 'settings', load: settings },
  { name: 'settings-products', pattern: '/:team/settings/products', access: 'signed-in', team: true, section: 'settings', load: settings },
];

/** The sections of a team, in the order the navigation shows them. */
export const teamSections = ['team', 'backlog', 'board', 'sprints', 'ceremonies', 'reports', 'settings'] as const;
export type TeamSection = (typeof teamSections)[number];

/** teamHref returns the address of a team's section. */
export function teamHref(slug: string, sectionName: TeamSection = 'team'): string {
  const base = `/${encodeURIComponent(slug)}`;
  return sectionName === 'team' ? base : `${base}/${sectionName}`;
}

/** itemHref returns the address of an item's details. */
export function itemHref(slug: string, key: string): string {
  return `/${encodeURIComponent(slug)}/items/${encodeURIComponent(key)}`;
}

/** roomHref returns the address of a ceremony room. */
export function roomHref(slug: string, room: string): string {
  return `/${encodeURIComponent(slug)}/ceremonies/${encodeURIComponent(room)}`;
}

/** inboxHref returns the address of a team's notifications. */
export function inboxHref(slug: string): string {
  return `/${encodeURIComponent(slug)}/inbox`;
}
