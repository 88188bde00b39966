// The app's single instances: the API client and the state every screen
// shares. Only main.ts and components import this; logic takes them as
// arguments so it can be tested alone.

import { createClient } from '../api/client';
import { Connection } from './connection.svelte';
import { Conflicts } from './conflicts.svelte';
import { Hub } from './hub';
import { Inbox } from './inbox.svelte';
import { forgetCachedData } from './offline';
import { Router } from './router.svelte';
import { Session } from './session.svelte';
import { Teams } from './teams.svelte';
import { Toasts } from './toasts.svelte';
import { Workspace } from './workspace.svelte';

export const api = createClient({
  onUnauthorized: () => {
    // The server ended the session: forget it, and the answers cached under it.
    forgetCachedData();
    if (session.status === 'signed-in') session.signedOut();
  },
});
export const session = new Session(api);
export const teams = new Teams(api);
export const toasts = new Toasts();
export const connection = new Connection();
export const router = new Router(window);
/** The team space the screens work in. */
export const workspace = new Workspace(api);
/** Real-time channels of this tab. */
export const hub = new Hub();
/** Questions about saving over someone else's change. */
export const conflicts = new Conflicts();
/** The member's unread count and live invitations to ceremony rooms. */
export const inbox = new Inbox(api, () => teams.list ?? [], () => session.account?.id);
