import { describe, expect, it, vi } from 'vitest';
import {
  actionsFor,
  auditDetails,
  bytes,
  emptyFilter,
  filterFromQuery,
  filterToQuery,
  isFiltered,
  jobControls,
  jobFilter,
  jobPercent,
  JobWatch,
  listQuery,
  parseQuota,
  quotaForm,
  type Job,
} from './console';

const now = new Date('2026-03-01T12:00:00Z');

describe('actionsFor', () => {
  it('follows the lifecycle table', () => {
    expect(actionsFor({ state: 'active' }, now)).toEqual(['suspend', 'archive', 'delete']);
    expect(actionsFor({ state: 'suspended' }, now)).toEqual(['resume', 'suspend', 'archive', 'delete']);
    expect(actionsFor({ state: 'archived' }, now)).toEqual(['restore', 'delete']);
    expect(actionsFor({ state: 'creating' }, now)).toEqual([]);
  });

  it('restores a deleted space only before it is erased', () => {
    expect(actionsFor({ state: 'deleted', purge_at: '2026-03-05T00:00:00Z' }, now)).toEqual(['restore']);
    expect(actionsFor({ state: 'deleted', purge_at: '2026-02-28T00:00:00Z' }, now)).toEqual([]);
  });
});

describe('filters', () => {
  it('leaves empty parts out of the list query and the job filter', () => {
    expect(listQuery(emptyFilter())).toEqual({});
    expect(jobFilter({ search: '  ', states: [], health: [] })).toEqual({});
    const f = { search: ' trial ', states: ['active' as const], health: ['alert' as const, 'failing' as const] };
    expect(listQuery(f)).toEqual({ search: 'trial', state: ['active'], health: ['alert', 'failing'] });
    expect(jobFilter(f)).toEqual({ search: 'trial', states: ['active'], health: ['alert', 'failing'] });
    expect(isFiltered(f)).toBe(true);
    expect(isFiltered(emptyFilter())).toBe(false);
  });

  it('round-trips through the address and drops unknown values', () => {
    const f = { search: 'blue whales', states: ['suspended' as const, 'archived' as const], health: ['ok' as const] };
    const q = filterToQuery(f);
    expect(filterFromQuery(new URLSearchParams(q.slice(1)))).toEqual(f);
    expect(filterFromQuery(new URLSearchParams('state=bogus&health=alert&state=active'))).toEqual({
      search: '',
      states: ['active'],
      health: ['alert'],
    });
    expect(filterToQuery(emptyFilter())).toBe('');
  });
});

describe('quotas', () => {
  it('fills the form in MiB and reads it back in bytes', () => {
    const form = quotaForm({ members: 25, items: 5000, storage_bytes: 1024 * 1024 * 1024 });
    expect(form).toEqual({ members: '25', items: '5000', storage_mib: '1024' });
    expect(parseQuota(form)).toEqual({ ok: true, value: { members: 25, items: 5000, storage_bytes: 1024 * 1024 * 1024 } });
  });

  it('leaves empty fields to the default and keeps 0 as no limit', () => {
    expect(parseQuota({ members: '', items: '0', storage_mib: ' ' })).toEqual({ ok: true, value: { items: 0 } });
  });

  it('names the fields that are not whole numbers', () => {
    expect(parseQuota({ members: '-1', items: '2.5', storage_mib: 'lots' })).toEqual({
      ok: false,
      fields: { members: 'invalid', items: 'invalid', storage_bytes: 'invalid' },
    });
    // Storage may be a fraction of a MiB.
    expect(parseQuota({ members: '', items: '', storage_mib: '0.5' })).toEqual({ ok: true, value: { storage_bytes: 512 * 1024 } });
  });
});

describe('bytes', () => {
  it('picks a binary unit', () => {
    expect(bytes(0)).toBe('0 B');
    expect(bytes(1023)).toBe('1,023 B');
    expect(bytes(1536)).toBe('1.5 KiB');
    expect(bytes(5 * 1024 * 1024 * 1024)).toBe('5 GiB');
    expect(bytes(300 * 1024 * 1024)).toBe('300 MiB');
  });
});

function job(over: Partial<Job> = {}): Job {
  return {
    id: 'j1',
    kind: 'suspend',
    filter: {},
    params: {},
    state: 'running',
    total: 4,
    done: 1,
    failed: 0,
    created_by: 'a1',
    created_at: '2026-03-01T12:00:00Z',
    updated_at: '2026-03-01T12:00:00Z',
    version: 1,
    ...over,
  };
}

describe('jobs', () => {
  it('measures progress', () => {
    expect(jobPercent(job({ done: 1, total: 4 }))).toBe(25);
    expect(jobPercent(job({ done: 2, total: 3 }))).toBe(66);
    expect(jobPercent(job({ done: 0, total: 0, state: 'done' }))).toBe(100);
    expect(jobPercent(job({ done: 0, total: 0, state: 'queued' }))).toBe(0);
  });

  it('offers the controls the state allows', () => {
    expect(jobControls('running')).toEqual(['pause', 'cancel']);
    expect(jobControls('paused')).toEqual(['resume', 'cancel']);
    expect(jobControls('done')).toEqual([]);
    expect(jobControls('cancelled')).toEqual([]);
  });
});

/** A clock whose timers run when the test says. */
function manualClock() {
  const pending = new Map<number, () => void>();
  let next = 1;
  return {
    set: (fn: () => void, _ms: number) => {
      const id = next++;
      pending.set(id, fn);
      return id;
    },
    clear: (id: unknown) => void pending.delete(id as number),
    get count() {
      return pending.size;
    },
    async fire() {
      const fns = [...pending.values()];
      pending.clear();
      for (const fn of fns) fn();
      await new Promise((r) => setTimeout(r, 0));
    },
  };
}

describe('JobWatch', () => {
  it('asks while the job runs and stops when it ends', async () => {
    const clock = manualClock();
    const answers = [job({ done: 2 }), job({ done: 3 }), job({ done: 4, state: 'done' })];
    const fetchJob = vi.fn(async () => answers.shift()!);
    const seen: number[] = [];
    const w = new JobWatch(fetchJob, (j) => seen.push(j.done), undefined, 1000, clock);
    w.start(job());
    expect(w.watching).toBe(true);
    await clock.fire();
    await clock.fire();
    await clock.fire();
    expect(seen).toEqual([2, 3, 4]);
    expect(w.watching).toBe(false);
    expect(clock.count).toBe(0);
    expect(fetchJob).toHaveBeenCalledTimes(3);
  });

  it('does not watch a paused or finished job', () => {
    const clock = manualClock();
    const w = new JobWatch(vi.fn(), vi.fn(), undefined, 1000, clock);
    w.start(job({ state: 'paused' }));
    expect(w.watching).toBe(false);
    w.start(job({ state: 'cancelled' }));
    expect(clock.count).toBe(0);
  });

  it('reports a failed request and tries again', async () => {
    const clock = manualClock();
    const fetchJob = vi.fn().mockRejectedValueOnce(new Error('offline')).mockResolvedValueOnce(job({ state: 'done', done: 4 }));
    const onError = vi.fn();
    const onJob = vi.fn();
    const w = new JobWatch(fetchJob, onJob, onError, 1000, clock);
    w.start(job());
    await clock.fire();
    expect(onError).toHaveBeenCalledTimes(1);
    expect(w.watching).toBe(true);
    await clock.fire();
    expect(onJob).toHaveBeenCalledWith(expect.objectContaining({ state: 'done' }));
    expect(w.watching).toBe(false);
  });

  it('stops on stop(), even with an answer on its way', async () => {
    const clock = manualClock();
    let answer: (j: Job) => void = () => undefined;
    const onJob = vi.fn();
    const w = new JobWatch(() => new Promise<Job>((r) => (answer = r)), onJob, undefined, 1000, clock);
    w.start(job());
    await clock.fire();
    w.stop();
    answer(job({ done: 3 }));
    await new Promise((r) => setTimeout(r, 0));
    expect(onJob).not.toHaveBeenCalled();
    expect(clock.count).toBe(0);
  });
});

describe('auditDetails', () => {
  it('renders details on one line, skipping empty ones', () => {
    expect(auditDetails({ from: 'active', to: 'suspended', reason: '', mode: 'read_only' })).toBe('from: active, to: suspended, mode: read_only');
    expect(auditDetails({ quota: { items: 5 } })).toBe('quota: {"items":5}');
    expect(auditDetails(undefined)).toBe('');
  });
});
