// The team space a screen is in, loaded from the API by its address.

import type { Client, TeamView } from '../api/client';
import { ApiError } from '../api/problem';

export type TeamLoad =
  | { kind: 'loading' }
  | { kind: 'ready'; team: TeamView }
  | { kind: 'missing' }
  | { kind: 'error'; error: ApiError };

/** loadTeam fetches a team by address; non-members get "missing", as the API hides the space from them. */
export async function loadTeam(api: Pick<Client, 'get'>, slug: string, signal?: AbortSignal): Promise<TeamLoad> {
  try {
    const team = await api.get('/api/v1/teams/{team}', { path: { team: slug }, signal });
    return { kind: 'ready', team };
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 403)) return { kind: 'missing' };
    return { kind: 'error', error: e instanceof ApiError ? e : new ApiError(0, 'network', { detail: String(e) }) };
  }
}
