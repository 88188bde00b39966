// Saving an item the version-aware way: the change carries the version it
// was based on; on 409 what the other person did not touch is saved again
// at once, and the rest is the person's to decide (see conflict.ts).

import type { Client, Item } from '../api/client';
import { ApiError } from '../api/problem';
import { merge, pick, type Fields, type Merge } from './conflict';

/** Decides clashes: resolves with the fields to save, or null to keep theirs. */
export type Decide = (m: Merge, theirs: Item) => Promise<Fields | null>;

/** currentOf returns the entity a 409 carries, if any. */
export function currentOf<T>(e: unknown): T | undefined {
  if (e instanceof ApiError && e.status === 409 && e.problem.current && typeof e.problem.current === 'object') {
    return e.problem.current as T;
  }
  return undefined;
}

/**
 * saveItem applies patch to item (at item.version). It returns the item as
 * saved, or as it is now when the person chose to keep the other change.
 */
export async function saveItem(api: Pick<Client, 'patch'>, team: string, item: Item, patch: Fields, decide: Decide): Promise<Item> {
  const base = pick(item, Object.keys(patch));
  let version = item.version;
  let fields = patch;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      return await api.patch('/api/v1/teams/{team}/items/{item}', {
        path: { team, item: item.id },
        body: { ...fields, version } as never,
      });
    } catch (e) {
      const theirs = currentOf<Item>(e);
      if (!theirs) throw e;
      const m = merge(base, fields, theirs as unknown as Fields);
      let next: Fields | null = m.retry;
      if (m.clashes.length > 0) next = await decide(m, theirs);
      if (!next || Object.keys(next).length === 0) return theirs;
      version = theirs.version;
      fields = next;
    }
  }
  throw new ApiError(409, 'http', { status: 409, title: 'Conflict', detail: 'The item keeps changing; try again.' });
}

/** moveItem moves an item (status and/or place) in one request, retrying once on a stale version: a move is not content. */
export async function moveItem(
  api: Pick<Client, 'post'>,
  team: string,
  item: Pick<Item, 'id' | 'version'>,
  body: { status_id?: string; position?: { after_id?: string; before_id?: string; top?: boolean; bottom?: boolean } },
) {
  const call = (version: number) =>
    api.post('/api/v1/teams/{team}/items/{item}/move', { path: { team, item: item.id }, body: { ...body, version } });
  try {
    return await call(item.version);
  } catch (e) {
    const cur = currentOf<Item>(e);
    if (!cur) throw e;
    return call(cur.version);
  }
}
