import { describe, expect, it } from 'vitest';
import type { Entry, Item } from '../api/client';
import { ApiError } from '../api/problem';
import { BacklogList } from './backlog.svelte';
import { emptyFilter, type FilterState } from './filters';
import { saveItem } from './items';

function item(id: string, rank: string, extra: Partial<Item> = {}): Item {
  return {
    id, rank, version: 1, key: id.toUpperCase(), title: id, kind: 'story', status_id: 's1', status_category: 'todo',
    assignees: [], labels: [], criteria: [], description: '', priority: 'medium', number: 1, product_id: 'p', team_id: 't',
    created_by: 'u', created_at: '', updated_at: '', status_changed_at: '', ...extra,
  } as Item;
}

/** A fake API over a list of items, paging by size, recording the queries it got. */
function fakeApi(all: Item[], size = 2) {
  const queries: Record<string, unknown>[] = [];
  const api = {
    queries,
    get: async (path: string, init: { path: Record<string, string>; query?: Record<string, unknown> }) => {
      if (path.endsWith('/items/{item}')) {
        const it = all.find((x) => x.id === init.path.item);
        if (!it) throw new ApiError(404, 'http', { status: 404 });
        return it;
      }
      queries.push(init.query ?? {});
      const start = Number(init.query?.cursor ?? 0);
      const kinds = init.query?.kind as string[] | undefined;
      const hits = all.filter((x) => !kinds || kinds.includes(x.kind));
      const items = hits.slice(start, start + size);
      return { items, next_cursor: start + size < hits.length ? String(start + size) : undefined };
    },
  };
  return api;
}

const entry = (e: Partial<Entry>): Entry => ({ seq: 1, team_id: 't', at: '', actor_id: 'u', entity_type: 'item', entity_id: 'a', action: 'updated', version: 2, ...e }) as Entry;

function list(all: Item[], filter: FilterState = emptyFilter(), size = 2) {
  const api = fakeApi(all, size);
  return { api, l: new BacklogList(api as never, 't', 'p', filter) };
}

describe('BacklogList', () => {
  it('reads page by page with the filter, and knows when it has all', async () => {
    const { api, l } = list([item('a', 'a'), item('b', 'b', { kind: 'bug' }), item('c', 'c', { kind: 'bug' })], { ...emptyFilter(), kinds: ['bug'] }, 1);
    await l.load();
    expect(l.items.map((i) => i.id)).toEqual(['b']);
    expect(l.complete).toBe(false);
    await l.more();
    expect(l.items.map((i) => i.id)).toEqual(['b', 'c']);
    expect(l.complete).toBe(true);
    expect(api.queries[0]).toMatchObject({ kind: ['bug'], limit: 100 });
  });

  it('shows a saved item in its new place, or drops it when the filter no longer holds', async () => {
    const { l } = list([item('a', 'a'), item('b', 'b')], { ...emptyFilter(), kinds: ['story'] });
    await l.load();
    l.put({ ...item('a', 'c'), version: 2 });
    expect(l.items.map((i) => i.id)).toEqual(['b', 'a']);
    l.put({ ...item('b', 'b'), kind: 'bug', version: 2 });
    expect(l.items.map((i) => i.id)).toEqual(['a']);
  });

  it('applies live entries, and fetches an item it could not place', async () => {
    const all = [item('a', 'a'), item('b', 'b')];
    const { l } = list(all);
    await l.load();
    await l.apply(entry({ entity_id: 'b', version: 2, changes: [{ field: 'rank', before: 'b', after: '0' }] }));
    expect(l.items.map((i) => i.id)).toEqual(['b', 'a']);
    // A gap: the item is read again, as the server has it now.
    all[0] = { ...item('a', 'z'), title: 'fresh', version: 5 };
    await l.apply(entry({ entity_id: 'a', version: 5 }));
    expect(l.items.map((i) => [i.id, i.title])).toEqual([
      ['b', 'b'],
      ['a', 'fresh'],
    ]);
    // Deleted elsewhere.
    await l.apply(entry({ entity_id: 'b', action: 'deleted', version: 3 }));
    expect(l.items.map((i) => i.id)).toEqual(['a']);
  });

  it('reloads when the product’s ranks were spread again', async () => {
    const { api, l } = list([item('a', 'a')]);
    await l.load();
    await l.apply(entry({ entity_type: 'backlog', entity_id: 'p', action: 'rebalanced', version: 0 }));
    expect(api.queries.length).toBe(2);
  });

  it('asks the server again when a text search may have changed', async () => {
    const { api, l } = list([item('a', 'a')], { ...emptyFilter(), text: 'card' });
    await l.load();
    await l.apply(entry({ entity_id: 'a', version: 2, changes: [{ field: 'title', before: 'a', after: 'no match' }] }));
    expect(api.queries.length).toBe(2);
  });
});

describe('saveItem', () => {
  const base = item('a', 'a', { title: 'Old', description: 'Old text', version: 3 });

  it('saves again on the current version what the other person left alone', async () => {
    const sent: unknown[] = [];
    const theirs = { ...base, description: 'Their text', version: 4 };
    const api = {
      patch: async (_: string, init: { body: { version: number } }) => {
        sent.push(init.body);
        if (init.body.version === 3) throw new ApiError(409, 'http', { status: 409, current: theirs, version: 4 });
        return { ...theirs, ...init.body, version: 5 };
      },
    };
    const out = await saveItem(api as never, 't', base, { title: 'New' }, async () => {
      throw new Error('no clash expected');
    });
    expect(sent).toEqual([
      { title: 'New', version: 3 },
      { title: 'New', version: 4 },
    ]);
    expect(out).toMatchObject({ title: 'New', description: 'Their text', version: 5 });
  });

  it('asks about a clash and saves the answer, or keeps theirs when told', async () => {
    const theirs = { ...base, description: 'Their text', version: 4 };
    const sent: unknown[] = [];
    const api = {
      patch: async (_: string, init: { body: { version: number } }) => {
        sent.push(init.body);
        if (init.body.version === 3) throw new ApiError(409, 'http', { status: 409, current: theirs });
        return { ...theirs, ...init.body, version: 5 };
      },
    };
    const out = await saveItem(api as never, 't', base, { description: 'Mine' }, async (m) => {
      expect(m.clashes).toEqual([{ field: 'description', base: 'Old text', mine: 'Mine', theirs: 'Their text' }]);
      return { description: 'Mine and theirs' };
    });
    expect(out.description).toBe('Mine and theirs');
    expect(sent[1]).toEqual({ description: 'Mine and theirs', version: 4 });

    sent.length = 0;
    const kept = await saveItem(api as never, 't', base, { description: 'Mine' }, async () => null);
    expect(kept).toEqual(theirs);
    expect(sent.length).toBe(1);
  });

  it('passes other errors on', async () => {
    const api = { patch: async () => Promise.reject(new ApiError(422, 'http', { status: 422 })) };
    await expect(saveItem(api as never, 't', base, { title: '' }, async () => null)).rejects.toMatchObject({ status: 422 });
  });
});
