// The backlog's filter: what the screen shows, the address keeps, the API
// is asked, and a saved filter stores. One shape, converted each way, so a
// link, a saved filter and the screen always agree.

import type { Item, ItemFilter, Kind } from '../api/client';

export const kinds: readonly Kind[] = ['epic', 'story', 'task', 'bug', 'subtask'];

export interface FilterState {
  kinds: Kind[];
  statuses: string[];
  assignees: string[];
  labels: string[];
  /** A sprint id, "none" for items in no sprint, or "" for any. */
  sprint: string;
  text: string;
}

export function emptyFilter(): FilterState {
  return { kinds: [], statuses: [], assignees: [], labels: [], sprint: '', text: '' };
}

/** activeCount is how many filters are set (the search text counts as one). */
export function activeCount(f: FilterState): number {
  return [f.kinds.length, f.statuses.length, f.assignees.length, f.labels.length, f.sprint, f.text.trim()].filter(Boolean).length;
}

export function isEmpty(f: FilterState): boolean {
  return activeCount(f) === 0;
}

const uniq = (xs: readonly string[]) => [...new Set(xs.map((x) => x.trim()).filter(Boolean))];

/** normalize trims, drops duplicates and unknown kinds, and sorts the lists, so equal filters compare equal. */
export function normalize(f: FilterState): FilterState {
  return {
    kinds: kinds.filter((k) => f.kinds.includes(k)),
    statuses: uniq(f.statuses).sort(),
    assignees: uniq(f.assignees).sort(),
    labels: uniq(f.labels).sort((a, b) => a.localeCompare(b)),
    sprint: f.sprint.trim(),
    text: f.text.trim(),
  };
}

export function sameFilter(a: FilterState, b: FilterState): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

/** fromQuery reads a filter from the address (?kind=story&status=…&q=…). */
export function fromQuery(q: URLSearchParams): FilterState {
  return normalize({
    kinds: q.getAll('kind') as Kind[],
    statuses: q.getAll('status'),
    assignees: q.getAll('assignee'),
    labels: q.getAll('label'),
    sprint: q.get('sprint') ?? '',
    text: q.get('q') ?? '',
  });
}

/** toQuery writes a filter into the address, keeping other parameters of base. */
export function toQuery(f: FilterState, base?: URLSearchParams): URLSearchParams {
  const q = new URLSearchParams(base);
  for (const k of ['kind', 'status', 'assignee', 'label', 'sprint', 'q']) q.delete(k);
  const n = normalize(f);
  n.kinds.forEach((k) => q.append('kind', k));
  n.statuses.forEach((s) => q.append('status', s));
  n.assignees.forEach((a) => q.append('assignee', a));
  n.labels.forEach((l) => q.append('label', l));
  if (n.sprint) q.set('sprint', n.sprint);
  if (n.text) q.set('q', n.text);
  return q;
}

/** The query of list-items. */
export interface ApiQuery {
  kind?: string[];
  status?: string[];
  assignee?: string[];
  label?: string[];
  sprint?: string;
  text?: string;
}

/** toApi gives the list-items query for a filter; unset filters are left out. */
export function toApi(f: FilterState): ApiQuery {
  const n = normalize(f);
  const q: ApiQuery = {};
  if (n.kinds.length) q.kind = n.kinds;
  if (n.statuses.length) q.status = n.statuses;
  if (n.assignees.length) q.assignee = n.assignees;
  if (n.labels.length) q.label = n.labels;
  if (n.sprint) q.sprint = n.sprint;
  if (n.text) q.text = n.text;
  return q;
}

/** fromSaved reads a saved filter. */
export function fromSaved(s: ItemFilter): FilterState {
  return normalize({
    kinds: (s.kinds ?? []) as Kind[],
    statuses: s.status_ids ?? [],
    assignees: s.assignees ?? [],
    labels: s.labels ?? [],
    sprint: s.sprint_id ?? '',
    text: s.text ?? '',
  });
}

/** toSaved gives what a saved filter stores. */
export function toSaved(f: FilterState): ItemFilter {
  const n = normalize(f);
  const s: ItemFilter = {};
  if (n.kinds.length) s.kinds = n.kinds;
  if (n.statuses.length) s.status_ids = n.statuses;
  if (n.assignees.length) s.assignees = n.assignees;
  if (n.labels.length) s.labels = n.labels;
  if (n.sprint) s.sprint_id = n.sprint;
  if (n.text) s.text = n.text;
  return s;
}

/**
 * matches reports whether an item passes the filter, as far as can be told
 * here: kind, status, assignee, label and sprint. Text is the server's to
 * judge (it searches comments too), so it answers undefined when the filter
 * has text, and the caller asks the server.
 */
export function matches(f: FilterState, it: Pick<Item, 'kind' | 'status_id' | 'assignees' | 'labels' | 'sprint_id'>): boolean | undefined {
  if (f.kinds.length && !f.kinds.includes(it.kind)) return false;
  if (f.statuses.length && !f.statuses.includes(it.status_id)) return false;
  if (f.assignees.length && !(it.assignees ?? []).some((a) => f.assignees.includes(a))) return false;
  if (f.labels.length) {
    const have = (it.labels ?? []).map((l) => l.toLowerCase());
    if (!f.labels.some((l) => have.includes(l.toLowerCase()))) return false;
  }
  if (f.sprint === 'none' && it.sprint_id) return false;
  if (f.sprint && f.sprint !== 'none' && it.sprint_id !== f.sprint) return false;
  if (f.text.trim()) return undefined;
  return true;
}

/** parseLabels splits what someone typed into labels: commas separate them. */
export function parseLabels(s: string): string[] {
  return uniq(s.split(','));
}
