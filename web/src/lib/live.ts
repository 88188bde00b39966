// Applying committed changes that arrive over the real-time connection
// (docs/PROTOCOL.md, "entity" publications). Each entity carries a version;
// an entry one version ahead is applied from its changes, an older one is
// ignored (it may arrive twice), one further ahead means something was
// missed and the entity is fetched again.

import type { Entry, Item } from '../api/client';

export type { Entry };

/** What an entry means for an entity held at some version. */
export type Verdict<T> =
  | { kind: 'ignore' }
  | { kind: 'apply'; value: T }
  | { kind: 'remove' }
  | { kind: 'refetch' };

/** applyChanges returns a copy of entity with each change's after value; a change without after removes the field. */
export function applyChanges<T extends object>(entity: T, changes: Entry['changes'], version: number): T {
  const out: Record<string, unknown> = { ...(entity as Record<string, unknown>) };
  for (const c of changes ?? []) {
    if (c.after === undefined || c.after === null) delete out[c.field];
    else out[c.field] = c.after;
  }
  out.version = version;
  return out as T;
}

/** judge decides what entry does to held (undefined when it is not held). */
export function judge<T extends { version: number }>(held: T | undefined, entry: Entry): Verdict<T> {
  if (entry.action === 'deleted') return held ? { kind: 'remove' } : { kind: 'ignore' };
  if (!held) {
    if (entry.action === 'created') return { kind: 'apply', value: applyChanges({ id: entry.entity_id } as unknown as T, entry.changes, entry.version) };
    return { kind: 'refetch' };
  }
  if (entry.version <= held.version) return { kind: 'ignore' };
  if (entry.version === held.version + 1) return { kind: 'apply', value: applyChanges(held, entry.changes, entry.version) };
  return { kind: 'refetch' };
}

/** The fields of an item whose change may move it in or out of a text search. */
const textFields = new Set(['title', 'description']);

/** touchesText reports whether an item entry changed what a text search looks at. */
export function touchesText(entry: Entry): boolean {
  return (entry.changes ?? []).some((c) => textFields.has(c.field));
}

/** byRank orders items as the backlog does: by rank, in byte order. */
export function byRank(a: Pick<Item, 'rank'>, b: Pick<Item, 'rank'>): number {
  return a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0;
}

/** What an item entry asks of a list of items. */
export interface ListUpdate {
  items: Item[];
  /** Ids to fetch again: the list could not be brought up to date from the entry alone. */
  refetch: string[];
  changed: boolean;
}

/**
 * applyToList applies an item entry to a list kept in rank order. keep says
 * whether an item belongs in the list (the screen's filter); it may answer
 * undefined when only the server can tell, and the item is fetched again.
 * An item that stops belonging leaves; a new one that belongs joins in rank
 * order. Items ranked after the last one loaded (a list read page by page)
 * do not join: their page will bring them.
 */
export function applyToList(
  items: readonly Item[],
  entry: Entry,
  keep: (it: Item) => boolean | undefined,
  complete: boolean,
): ListUpdate {
  if (entry.entity_type !== 'item') return { items: [...items], refetch: [], changed: false };
  const i = items.findIndex((it) => it.id === entry.entity_id);
  const held = i >= 0 ? items[i] : undefined;
  const v = judge(held, entry);
  const rest = items.filter((it) => it.id !== entry.entity_id);
  switch (v.kind) {
    case 'ignore':
      return { items: [...items], refetch: [], changed: false };
    case 'remove':
      return { items: rest, refetch: [], changed: true };
    case 'refetch':
      return { items: [...items], refetch: [entry.entity_id], changed: false };
    case 'apply': {
      const it = v.value as Item;
      const belongs = keep(it);
      if (belongs === undefined) return { items: [...items], refetch: [entry.entity_id], changed: false };
      if (!belongs) return { items: rest, refetch: [], changed: held !== undefined };
      if (!held && entry.action !== 'created') return { items: [...items], refetch: [entry.entity_id], changed: false };
      return placeInList(rest, it, complete);
    }
  }
}

/** placeInList puts it into items (rank order) unless it ranks past the end of an incomplete list. */
export function placeInList(items: readonly Item[], it: Item, complete: boolean): ListUpdate {
  const rest = items.filter((x) => x.id !== it.id);
  const last = rest[rest.length - 1];
  if (!complete && last && byRank(it, last) > 0) return { items: rest, refetch: [], changed: rest.length !== items.length };
  let at = rest.findIndex((x) => byRank(it, x) < 0);
  if (at < 0) at = rest.length;
  return { items: [...rest.slice(0, at), it, ...rest.slice(at)], refetch: [], changed: true };
}

/** Channel names of docs/PROTOCOL.md. Teams are named by id, never by address. */
export const channel = {
  team: (team: string) => `team:${team}`,
  backlog: (team: string, product: string) => `backlog:${team}:${product}`,
  item: (team: string, item: string) => `item:${team}:${item}`,
  room: (team: string, room: string) => `room:${team}:${room}`,
  member: (account: string) => `member:${account}`,
};
