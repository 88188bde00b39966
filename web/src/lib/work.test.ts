import { describe, expect, it } from 'vitest';
import type { Entry, Item } from '../api/client';
import { boardMove, dropIndex, keyStep, moved, positionAt } from './order';
import { activeCount, emptyFilter, fromQuery, fromSaved, matches, normalize, parseLabels, sameFilter, toApi, toQuery, toSaved } from './filters';
import { applyChanges, applyToList, judge, placeInList, touchesText } from './live';
import { merge, resolve } from './conflict';
import { assignableRoles, can } from './permissions';
import { Hub } from './hub';

const ids = (xs: { id: string }[]) => xs.map((x) => x.id);

describe('moved and positionAt', () => {
  const list = ['a', 'b', 'c', 'd'].map((id) => ({ id }));
  it.each([
    { from: 0, to: 2, order: 'bcad', pos: { after_id: 'c' } },
    { from: 3, to: 0, order: 'dabc', pos: { before_id: 'a' } },
    { from: 1, to: 3, order: 'acdb', pos: { after_id: 'd' } },
    { from: 2, to: 2, order: 'abcd', pos: { after_id: 'b' } },
    { from: 0, to: 99, order: 'bcda', pos: { after_id: 'd' } },
  ])('moving $from to $to gives $order and names its neighbour', ({ from, to, order, pos }) => {
    const next = moved(list, from, to);
    expect(ids(next).join('')).toBe(order);
    expect(positionAt(next, next.findIndex((x) => x.id === list[from]!.id))).toEqual(pos);
  });

  it('names nothing for a lone item', () => {
    expect(positionAt([{ id: 'a' }], 0)).toEqual({});
  });

  it('finds the drop index from row middles', () => {
    expect(dropIndex(5, [10, 30, 50])).toBe(0);
    expect(dropIndex(31, [10, 30, 50])).toBe(2);
    expect(dropIndex(99, [10, 30, 50])).toBe(3);
    expect(dropIndex(0, [])).toBe(0);
  });
});

describe('boardMove', () => {
  const card = (id: string, status_id: string) => ({ id, status_id });
  const todo = [card('a', 'todo'), card('b', 'todo')];
  const doing = [card('c', 'doing'), card('d', 'doing')];

  it('sends status and position in one request when crossing columns', () => {
    const m = boardMove(doing, todo[0]!, 'doing', 1);
    expect(m.body).toEqual({ status_id: 'doing', position: { after_id: 'c' } });
    expect(ids(m.column).join('')).toBe('cad');
    expect(m.column[1]!.status_id).toBe('doing');
  });

  it('puts a card at the top of a column before the first card', () => {
    expect(boardMove(doing, todo[1]!, 'doing', 0).body).toEqual({ status_id: 'doing', position: { before_id: 'c' } });
  });

  it('sends only the status for an empty column', () => {
    expect(boardMove([], todo[0]!, 'done', 0).body).toEqual({ status_id: 'done' });
  });

  it('reorders within a column without a status', () => {
    const m = boardMove(doing, doing[0]!, 'doing', 1);
    expect(m.body).toEqual({ position: { after_id: 'd' } });
  });
});

describe('keyStep', () => {
  const lengths = [3, 0, 2];
  it.each([
    { key: 'ArrowUp', at: { column: 0, index: 0 }, want: { column: 0, index: 0 } },
    { key: 'ArrowDown', at: { column: 0, index: 1 }, want: { column: 0, index: 2 } },
    { key: 'ArrowDown', at: { column: 0, index: 2 }, want: { column: 0, index: 2 } },
    { key: 'ArrowRight', at: { column: 0, index: 2 }, want: { column: 1, index: 0 } },
    { key: 'ArrowLeft', at: { column: 2, index: 1 }, want: { column: 1, index: 0 } },
    { key: 'ArrowRight', at: { column: 2, index: 0 }, want: null },
    { key: 'ArrowLeft', at: { column: 0, index: 0 }, want: null },
    { key: 'End', at: { column: 0, index: 0 }, want: { column: 0, index: 2 } },
    { key: 'x', at: { column: 0, index: 0 }, want: null },
  ])('$key from $at', ({ key, at, want }) => {
    expect(keyStep(key, at, lengths)).toEqual(want);
  });
});

describe('filters', () => {
  it('round-trips through the address, ignoring order and duplicates', () => {
    const f = { kinds: ['bug', 'story', 'bug'] as const, statuses: ['s2', 's1'], assignees: ['u1'], labels: ['ux', 'Auth'], sprint: 'none', text: ' card ' };
    const q = toQuery({ ...f, kinds: [...f.kinds] }, new URLSearchParams('product=SHOP&kind=epic'));
    expect(q.get('product')).toBe('SHOP');
    const back = fromQuery(q);
    expect(back).toEqual({ kinds: ['story', 'bug'], statuses: ['s1', 's2'], assignees: ['u1'], labels: ['Auth', 'ux'], sprint: 'none', text: 'card' });
    expect(sameFilter(back, { ...f, kinds: ['story', 'bug'] })).toBe(true);
  });

  it('drops unknown kinds from the address', () => {
    expect(fromQuery(new URLSearchParams('kind=feature&kind=bug')).kinds).toEqual(['bug']);
  });

  it('asks the API only for what is set', () => {
    expect(toApi(emptyFilter())).toEqual({});
    expect(toApi({ ...emptyFilter(), kinds: ['bug'], text: 'x' })).toEqual({ kind: ['bug'], text: 'x' });
  });

  it('round-trips through a saved filter', () => {
    const f = normalize({ kinds: ['story'], statuses: ['s'], assignees: ['a'], labels: ['l'], sprint: 'sp', text: 'find me' });
    expect(toSaved(f)).toEqual({ kinds: ['story'], status_ids: ['s'], assignees: ['a'], labels: ['l'], sprint_id: 'sp', text: 'find me' });
    expect(fromSaved(toSaved(f))).toEqual(f);
    expect(toSaved(emptyFilter())).toEqual({});
  });

  it('counts active filters', () => {
    expect(activeCount(emptyFilter())).toBe(0);
    expect(activeCount({ ...emptyFilter(), labels: ['a', 'b'], text: ' ' })).toBe(1);
    expect(activeCount({ ...emptyFilter(), sprint: 'none', text: 'x' })).toBe(2);
  });

  const it0 = { kind: 'story' as const, status_id: 's1', assignees: ['u1'], labels: ['Auth'], sprint_id: 'sp1' };
  it.each([
    { name: 'empty', f: {}, want: true },
    { name: 'kind', f: { kinds: ['bug'] }, want: false },
    { name: 'status', f: { statuses: ['s1', 's2'] }, want: true },
    { name: 'assignee', f: { assignees: ['u2'] }, want: false },
    { name: 'label, any case', f: { labels: ['auth'] }, want: true },
    { name: 'no sprint', f: { sprint: 'none' }, want: false },
    { name: 'other sprint', f: { sprint: 'sp2' }, want: false },
    { name: 'this sprint', f: { sprint: 'sp1' }, want: true },
    { name: 'text is the server’s', f: { text: 'x' }, want: undefined },
    { name: 'text after a miss', f: { text: 'x', kinds: ['bug'] }, want: false },
  ])('matches: $name', ({ f, want }) => {
    expect(matches({ ...emptyFilter(), ...(f as object) }, it0)).toBe(want);
  });

  it('parses labels typed with commas', () => {
    expect(parseLabels(' ux, auth ,,ux')).toEqual(['ux', 'auth']);
  });
});

function item(id: string, rank: string, extra: Partial<Item> = {}): Item {
  return {
    id, rank, version: 1, key: id.toUpperCase(), title: id, kind: 'story', status_id: 's1', status_category: 'todo',
    assignees: [], labels: [], criteria: [], description: '', priority: 'medium', number: 1, product_id: 'p', team_id: 't',
    created_by: 'u', created_at: '', updated_at: '', status_changed_at: '', ...extra,
  } as Item;
}

function entry(e: Partial<Entry>): Entry {
  return { seq: 1, team_id: 't', at: '', actor_id: 'u', entity_type: 'item', entity_id: 'a', action: 'updated', version: 2, ...e } as Entry;
}

describe('applying entries', () => {
  it('applies the next version, ignores old ones, refetches after a gap', () => {
    const held = item('a', 'm');
    const next = entry({ version: 2, changes: [{ field: 'title', before: 'a', after: 'Alpha' }] });
    expect(judge(held, next)).toEqual({ kind: 'apply', value: { ...held, title: 'Alpha', version: 2 } });
    expect(judge({ ...held, version: 2 }, next)).toEqual({ kind: 'ignore' });
    expect(judge({ ...held, version: 5 }, next)).toEqual({ kind: 'ignore' });
    expect(judge(held, entry({ version: 4 }))).toEqual({ kind: 'refetch' });
    expect(judge(held, entry({ action: 'deleted', version: 2 }))).toEqual({ kind: 'remove' });
    expect(judge(undefined, entry({ action: 'deleted' }))).toEqual({ kind: 'ignore' });
    expect(judge(undefined, entry({ action: 'updated' }))).toEqual({ kind: 'refetch' });
  });

  it('removes a field whose change has no after value', () => {
    const out = applyChanges(item('a', 'm', { points: 3 }), [{ field: 'points', before: 3 }], 2);
    expect('points' in out).toBe(false);
    expect(out.version).toBe(2);
  });

  it('moves an item to its new rank in the list', () => {
    const list = [item('a', 'b'), item('b', 'd'), item('c', 'f')];
    const up = applyToList(list, entry({ entity_id: 'c', changes: [{ field: 'rank', before: 'f', after: 'a' }] }), () => true, true);
    expect(ids(up.items).join('')).toBe('cab');
    expect(up.changed).toBe(true);
  });

  it('adds a created item that matches, in rank order', () => {
    const list = [item('a', 'b'), item('b', 'd')];
    const created = entry({
      entity_id: 'n', action: 'created', version: 1,
      changes: [{ field: 'rank', after: 'c' }, { field: 'title', after: 'New' }, { field: 'kind', after: 'bug' }, { field: 'assignees', after: [] }, { field: 'labels', after: [] }, { field: 'status_id', after: 's1' }],
    });
    const up = applyToList(list, created, () => true, true);
    expect(ids(up.items).join('')).toBe('anb');
    expect(up.items[1]!.title).toBe('New');
    // Past the end of a list read page by page: its page brings it.
    const later = { ...created, changes: [{ field: 'rank', after: 'z' }] };
    expect(ids(applyToList(list, later, () => true, false).items).join('')).toBe('ab');
  });

  it('drops an item that no longer matches, and asks the server when only it can tell', () => {
    const list = [item('a', 'b'), item('b', 'd')];
    const e = entry({ entity_id: 'a', changes: [{ field: 'kind', before: 'story', after: 'bug' }] });
    expect(ids(applyToList(list, e, (it) => it.kind === 'story', true).items)).toEqual(['b']);
    const unsure = applyToList(list, e, () => undefined, true);
    expect(unsure.refetch).toEqual(['a']);
    expect(ids(unsure.items)).toEqual(['a', 'b']);
  });

  it('asks for an unknown item that changed into the filter', () => {
    const up = applyToList([item('a', 'b')], entry({ entity_id: 'x', version: 3 }), () => true, true);
    expect(up.refetch).toEqual(['x']);
  });

  it('ignores entries about other entities', () => {
    expect(applyToList([item('a', 'b')], entry({ entity_type: 'sprint' }), () => true, true).changed).toBe(false);
  });

  it('tells text changes apart', () => {
    expect(touchesText(entry({ changes: [{ field: 'title' }] }))).toBe(true);
    expect(touchesText(entry({ changes: [{ field: 'rank' }] }))).toBe(false);
  });

  it('places by rank', () => {
    expect(ids(placeInList([item('a', 'b')], item('z', 'a'), false).items)).toEqual(['z', 'a']);
  });
});

describe('merge on 409', () => {
  const base = { title: 'Pay', description: 'Old text', points: 3 };
  it('saves again what the other person did not touch', () => {
    const m = merge(base, { title: 'Pay by card' }, { ...base, description: 'Their text' });
    expect(m).toEqual({ retry: { title: 'Pay by card' }, clashes: [] });
  });

  it('lets the person decide where both changed', () => {
    const m = merge(base, { description: 'My text', points: 5 }, { title: 'Pay', description: 'Their text', points: 3 });
    expect(m.retry).toEqual({ points: 5 });
    expect(m.clashes).toEqual([{ field: 'description', base: 'Old text', mine: 'My text', theirs: 'Their text' }]);
    expect(resolve(m, { description: { keep: 'mine' } })).toEqual({ points: 5, description: 'My text' });
    expect(resolve(m, { description: { keep: 'theirs' } })).toEqual({ points: 5 });
    expect(resolve(m, { description: { keep: 'edited', value: 'Both texts' } })).toEqual({ points: 5, description: 'Both texts' });
  });

  it('needs nothing when both made the same change', () => {
    expect(merge(base, { title: 'Same' }, { ...base, title: 'Same' })).toEqual({ retry: {}, clashes: [] });
  });

  it('treats a removed estimate as null', () => {
    const m = merge({ points: undefined }, { points: 2 }, { points: null });
    expect(m.retry).toEqual({ points: 2 });
  });
});

describe('permissions', () => {
  it.each([
    { role: 'owner', perm: 'team.delete', want: true },
    { role: 'admin', perm: 'team.delete', want: false },
    { role: 'product_owner', perm: 'products.manage', want: true },
    { role: 'scrum_master', perm: 'products.manage', want: false },
    { role: 'scrum_master', perm: 'sprints.manage', want: true },
    { role: 'member', perm: 'sprints.manage', want: false },
    { role: 'member', perm: 'backlog.edit', want: true },
    { role: 'observer', perm: 'backlog.edit', want: false },
    { role: undefined, perm: 'team.view', want: false },
  ] as const)('$role may $perm: $want', ({ role, perm, want }) => {
    expect(can(role, perm)).toBe(want);
  });

  it('follows the facilitation setting', () => {
    expect(can('member', 'ceremony.facilitate', 'anyone')).toBe(true);
    expect(can('member', 'ceremony.facilitate', 'scrum_master')).toBe(false);
    expect(can('scrum_master', 'ceremony.facilitate', 'scrum_master')).toBe(true);
    expect(can('observer', 'ceremony.facilitate', 'anyone')).toBe(false);
  });

  it('lets only owners make owners', () => {
    expect(assignableRoles('owner')).toContain('owner');
    expect(assignableRoles('admin')).not.toContain('owner');
    expect(assignableRoles('admin')).toContain('admin');
    expect(assignableRoles('member')).toEqual([]);
  });
});

describe('hub', () => {
  it('routes publications by channel and type, and joins channels once', () => {
    const hub = new Hub();
    const joined: string[] = [];
    const left: string[] = [];
    const got: string[] = [];
    const off1 = hub.subscribe('backlog:t:p', { entry: (e) => got.push(`1:${e.entity_id}`), draft: (d) => got.push(`draft:${d.text}`) });
    hub.attach({ join: (c) => joined.push(c), leave: (c) => left.push(c) });
    const off2 = hub.subscribe('backlog:t:p', { entry: (e) => got.push(`2:${e.entity_id}`), resync: () => got.push('resync') });
    hub.deliver('backlog:t:p', { type: 'entity', entry: entry({ entity_id: 'x' }) });
    hub.deliver('backlog:t:p', { type: 'draft', text: 'Hel' });
    hub.deliver('other', { type: 'entity', entry: entry({ entity_id: 'y' }) });
    hub.resync('backlog:t:p');
    expect(got).toEqual(['1:x', '2:x', 'draft:Hel', 'resync']);
    expect(joined).toEqual(['backlog:t:p']);
    off1();
    expect(left).toEqual([]);
    off2();
    expect(left).toEqual(['backlog:t:p']);
    expect(hub.channels()).toEqual([]);
  });
});

import { addDays, isoDate } from './dates';

describe('dates', () => {
  it.each([
    { d: '2026-03-02', n: 13, want: '2026-03-15' },
    { d: '2026-02-28', n: 1, want: '2026-03-01' },
    { d: '2024-02-28', n: 1, want: '2024-02-29' },
    { d: '2026-12-31', n: 1, want: '2027-01-01' },
    { d: 'soon', n: 1, want: '' },
  ])('$d + $n = $want', ({ d, n, want }) => {
    expect(addDays(d, n)).toBe(want);
  });
  it('writes local dates', () => {
    expect(isoDate(new Date(2026, 0, 5))).toBe('2026-01-05');
  });
});

import { endpoint, presenceList } from './realtime';

describe('realtime connection', () => {
  it('connects to the server the page came from, securely when the page is', () => {
    expect(endpoint({ protocol: 'https:', host: 'pama.example.com' })).toBe('wss://pama.example.com/api/v1/realtime');
    expect(endpoint({ protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/api/v1/realtime');
  });
  it('lists presence per connection', () => {
    expect(presenceList({ c1: { user: 'u1', client: 'c1' }, c2: { user: 'u1', client: 'c2' } })).toEqual([
      { user: 'u1', client: 'c1' },
      { user: 'u1', client: 'c2' },
    ]);
  });
});
