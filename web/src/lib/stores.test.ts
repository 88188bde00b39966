import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/problem';
import type { Account, MyTeam } from '../api/client';
import { Connection, graceMs, indicator } from './connection.svelte';
import { initials, Session } from './session.svelte';
import { SlugCheck } from './slugcheck.svelte';
import { checkSlug, keyOK, sortTeams, suggestKey, suggestSlug, Teams } from './teams.svelte';
import { Toasts } from './toasts.svelte';
import { clock, secondsLeft } from './time';
import { expiryDate, tokenState } from './tokens';
import { wrapIndex } from './focus';
import { errorText, formErrors } from './errors';

const account: Account = {
  id: 'a1',
  email: 'ana.lima@example.com',
  display_name: 'Ana Lima',
  has_password: false,
  operator: false,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  version: 1,
};

const unauthorized = () => new ApiError(401, 'http', { status: 401, title: 'Unauthorized' });
const offline = () => new ApiError(0, 'network', { title: 'Network error' });

describe('Session', () => {
  it('is signed in when /me answers', async () => {
    const api = { get: vi.fn(async () => account), post: vi.fn() };
    const s = new Session(api as never);
    expect(s.status).toBe('unknown');
    await s.load();
    expect(s.status).toBe('signed-in');
    expect(s.account?.email).toBe('ana.lima@example.com');
    expect(s.name).toBe('Ana Lima');
  });

  it('is signed out on 401', async () => {
    const s = new Session({ get: vi.fn(async () => Promise.reject(unauthorized())), post: vi.fn() } as never);
    await s.load();
    expect(s.status).toBe('signed-out');
    expect(s.error).toBeNull();
  });

  it('stays unknown with the error when the server cannot be reached', async () => {
    const s = new Session({ get: vi.fn(async () => Promise.reject(offline())), post: vi.fn() } as never);
    await s.load();
    expect(s.status).toBe('unknown');
    expect(s.error?.kind).toBe('network');
  });

  it('keeps a signed-in session through a failed re-check', async () => {
    const get = vi.fn().mockResolvedValueOnce(account).mockRejectedValueOnce(offline());
    const s = new Session({ get, post: vi.fn() } as never);
    await s.load();
    await s.load();
    expect(s.status).toBe('signed-in');
    expect(s.error?.kind).toBe('network');
  });

  it('signs out on the server, and accepts an already-gone session', async () => {
    const post = vi.fn().mockResolvedValueOnce(undefined).mockRejectedValueOnce(unauthorized());
    const s = new Session({ get: vi.fn(), post } as never);
    s.signedIn(account);
    s.fresh = true;
    await s.signOut();
    expect(post).toHaveBeenCalledWith('/api/v1/auth/sign-out');
    expect(s.status).toBe('signed-out');
    expect(s.fresh).toBe(false);
    s.signedIn(account);
    await s.signOut();
    expect(s.status).toBe('signed-out');
  });

  it('does not pretend to sign out when the server failed', async () => {
    const s = new Session({ get: vi.fn(), post: vi.fn(async () => Promise.reject(offline())) } as never);
    s.signedIn(account);
    await expect(s.signOut()).rejects.toBeInstanceOf(ApiError);
    expect(s.status).toBe('signed-in');
  });

  it('names an account without a display name by its address', () => {
    const s = new Session({ get: vi.fn(), post: vi.fn() } as never);
    s.signedIn({ ...account, display_name: ' ' });
    expect(s.name).toBe('ana.lima');
  });
});

describe('initials', () => {
  it.each([
    ['Ana Lima', 'AL'],
    ['ana', 'AN'],
    ['Ana Maria Lima', 'AL'],
    ['ana.lima', 'AL'],
    ['Юлия Петрова', 'ЮП'],
    ['', '?'],
  ])('%s → %s', (name, want) => {
    expect(initials(name)).toBe(want);
  });
});

const team = (slug: string, name: string): MyTeam => ({ id: slug, slug, name, state: 'active', role: 'member' });

describe('Teams', () => {
  it('loads once, shares a request in flight, and reloads when forced', async () => {
    let resolve!: (v: unknown) => void;
    const get = vi.fn(() => new Promise((r) => (resolve = r)));
    const teams = new Teams({ get } as never);
    const a = teams.load();
    const b = teams.load();
    expect(get).toHaveBeenCalledTimes(1);
    expect(teams.loading).toBe(true);
    resolve({ teams: [team('b', 'Bravo'), team('a', 'alpha')] });
    await Promise.all([a, b]);
    expect(teams.list?.map((t) => t.slug)).toEqual(['a', 'b']);
    expect(teams.loading).toBe(false);
    await teams.load();
    expect(get).toHaveBeenCalledTimes(1);
    const reload = teams.load(true);
    resolve({ teams: null });
    await reload;
    expect(get).toHaveBeenCalledTimes(2);
    expect(teams.list).toEqual([]);
  });

  it('keeps the error and the old list when a reload fails', async () => {
    const get = vi.fn().mockResolvedValueOnce({ teams: [team('a', 'A')] }).mockRejectedValueOnce(offline());
    const teams = new Teams({ get } as never);
    await teams.load();
    await teams.load(true);
    expect(teams.list?.length).toBe(1);
    expect(teams.error?.kind).toBe('network');
  });

  it('adds, finds and resets', () => {
    const teams = new Teams({ get: vi.fn() } as never);
    teams.add(team('z', 'Zulu'));
    teams.add(team('a', 'Alpha'));
    teams.add({ ...team('z', 'Zulu renamed') });
    expect(teams.list?.map((t) => t.name)).toEqual(['Alpha', 'Zulu renamed']);
    expect(teams.find('a')?.name).toBe('Alpha');
    expect(teams.find('nope')).toBeUndefined();
    teams.reset();
    expect(teams.list).toBeNull();
  });

  it('sorts by name, ignoring case', () => {
    expect(sortTeams([team('1', 'b'), team('2', 'A'), team('3', 'a')]).map((t) => t.slug)).toEqual(['2', '3', '1']);
  });
});

describe('suggestSlug and checkSlug', () => {
  it.each([
    ['Blue Whales', 'blue-whales'],
    ['  Blue   Whales!! ', 'blue-whales'],
    ['Équipe Été', 'equipe-ete'],
    ['Синие киты', 'sinie-kity'],
    ['Щука и Ёж', 'shchuka-i-ezh'],
    ['42 Rockets', 'rockets'],
    ['---', ''],
    ['a'.repeat(40), 'a'.repeat(30)],
    ['abcdefghij abcdefghij abcdefgh-ij', 'abcdefghij-abcdefghij-abcdefgh'],
  ])('%s → %s', (name, want) => {
    const slug = suggestSlug(name);
    expect(slug).toBe(want);
    if (slug.length >= 3) expect(checkSlug(slug)).toBeNull();
  });

  it.each([
    ['ab', 'short'],
    ['a'.repeat(31), 'long'],
    ['Blue', 'chars'],
    ['blue_whales', 'chars'],
    ['1blue', 'start'],
    ['-blue', 'start'],
    ['blue-', 'end'],
    ['blue--whales', 'double'],
    ['blue-whales-2', null],
  ])('%s → %s', (slug, want) => {
    expect(checkSlug(slug)).toBe(want);
  });
});

describe('suggestKey and keyOK', () => {
  it.each([
    ['Pama web app', 'PWA'],
    ['Mobile', 'MOBI'],
    ['ab', 'AB'],
    ['a', ''],
    ['Мобильное приложение', 'MP'],
    ['2026 roadmap', 'ROAD'],
    ['x 1', 'X1'],
    ['', ''],
    ['one two three four five six seven eight nine ten eleven', 'OTTFFSSENT'],
  ])('%s → %s', (name, want) => {
    const key = suggestKey(name);
    expect(key).toBe(want);
    if (key) expect(keyOK(key)).toBe(true);
  });

  it.each([
    ['PAMA', true],
    ['P1', true],
    ['P', false],
    ['1P', false],
    ['pama', false],
    ['ABCDEFGHIJK', false],
    ['AB-C', false],
  ])('keyOK(%s) = %s', (key, want) => {
    expect(keyOK(key)).toBe(want);
  });
});

describe('SlugCheck', () => {
  function timers() {
    const pending = new Map<number, () => void>();
    let n = 0;
    return {
      set: (fn: () => void) => {
        pending.set(++n, fn);
        return n;
      },
      clear: (h: unknown) => pending.delete(h as number),
      fire() {
        const fns = [...pending.values()];
        pending.clear();
        fns.forEach((fn) => fn());
      },
      get size() {
        return pending.size;
      },
    };
  }
  const flush = () => new Promise((r) => setTimeout(r, 0));

  it('checks locally first and asks the server once typing pauses', async () => {
    const get = vi.fn(async (_p: string, init: { path: { slug: string } }) => ({ slug: init.path.slug, available: init.path.slug !== 'taken' }));
    const t = timers();
    const c = new SlugCheck({ get } as never, 300, t);
    c.input('ab');
    expect(c.state).toEqual({ kind: 'invalid', problem: 'short' });
    expect(t.size).toBe(0);
    c.input('blue');
    c.input('blue-w');
    expect(c.state).toEqual({ kind: 'checking', slug: 'blue-w' });
    expect(t.size).toBe(1);
    t.fire();
    await flush();
    expect(get).toHaveBeenCalledTimes(1);
    expect(c.state).toEqual({ kind: 'available', slug: 'blue-w' });
    c.input('taken');
    t.fire();
    await flush();
    expect(c.state).toEqual({ kind: 'taken', slug: 'taken', reason: '' });
    c.input('');
    expect(c.state).toEqual({ kind: 'idle' });
  });

  it('ignores an answer that arrives after newer input', async () => {
    let answer!: (v: unknown) => void;
    const get = vi.fn(() => new Promise((r) => (answer = r)));
    const t = timers();
    const c = new SlugCheck({ get } as never, 300, t);
    c.input('first');
    t.fire();
    c.input('second');
    answer({ slug: 'first', available: true });
    await flush();
    expect(c.state).toEqual({ kind: 'checking', slug: 'second' });
  });

  it('reports server refusals and failures', async () => {
    const get = vi
      .fn()
      .mockRejectedValueOnce(new ApiError(422, 'http', { errors: [{ location: 'body.slug', message: 'is reserved; choose another address' }] }))
      .mockRejectedValueOnce(offline())
      .mockRejectedValueOnce(new ApiError(404, 'http', {}));
    const t = timers();
    const c = new SlugCheck({ get } as never, 300, t);
    c.input('admin');
    t.fire();
    await flush();
    expect(c.state).toEqual({ kind: 'taken', slug: 'admin', reason: 'Is reserved; choose another address' });
    c.input('blue');
    t.fire();
    await flush();
    expect(c.state).toEqual({ kind: 'error', slug: 'blue' });
    c.input('free');
    t.fire();
    await flush();
    expect(c.state).toEqual({ kind: 'available', slug: 'free' });
    c.taken('free', 'That address is taken.');
    expect(c.state).toEqual({ kind: 'taken', slug: 'free', reason: 'That address is taken.' });
  });
});

describe('Toasts', () => {
  it('shows, times out (errors later), and keeps at most four', () => {
    const timers: { fn: () => void; ms: number }[] = [];
    const toasts = new Toasts((fn, ms) => timers.push({ fn, ms }));
    const a = toasts.show('saved', 'success');
    toasts.show('failed', 'error');
    expect(timers.map((t) => t.ms)).toEqual([5000, 10000]);
    timers[0]!.fn();
    expect(toasts.items.map((t) => t.text)).toEqual(['failed']);
    toasts.dismiss(a);
    for (let i = 0; i < 5; i++) toasts.show(`n${i}`);
    expect(toasts.items.map((t) => t.text)).toEqual(['n1', 'n2', 'n3', 'n4']);
  });
});

describe('connection indicator', () => {
  it.each([
    { state: 'connected', since: 0, now: 10_000, online: true, want: 'hidden' },
    { state: 'disconnected', since: 0, now: graceMs - 1, online: true, want: 'hidden' },
    { state: 'disconnected', since: 0, now: graceMs, online: true, want: 'reconnecting' },
    { state: 'connecting', since: 0, now: 5000, online: true, want: 'reconnecting' },
    { state: 'connected', since: 0, now: 0, online: false, want: 'offline' },
    { state: 'disconnected', since: 0, now: 0, online: false, want: 'offline' },
  ] as const)('$state for $now ms, online $online → $want', ({ state, since, now, online, want }) => {
    expect(indicator(state, since, now, online)).toBe(want);
  });

  it('records when the state changed, and follows online events', () => {
    let now = 100;
    const c = new Connection(() => now);
    now = 200;
    c.set('disconnected');
    expect(c.since).toBe(200);
    now = 300;
    c.set('disconnected');
    expect(c.since).toBe(200);
    const handlers: Record<string, () => void> = {};
    c.watch({ navigator: { onLine: false }, addEventListener: (type: string, fn: () => void) => (handlers[type] = fn) } as never);
    expect(c.online).toBe(false);
    handlers.online!();
    expect(c.online).toBe(true);
    handlers.offline!();
    expect(c.online).toBe(false);
  });
});

describe('time', () => {
  it.each([
    [10_000, 0, 10],
    [10_001, 0, 11],
    [0, 5000, 0],
  ])('secondsLeft(%i, %i) = %i', (deadline, now, want) => {
    expect(secondsLeft(deadline, now)).toBe(want);
  });
  it.each([
    [0, '0:00'],
    [7, '0:07'],
    [90, '1:30'],
    [-3, '0:00'],
  ])('clock(%i) = %s', (s, want) => {
    expect(clock(s)).toBe(want);
  });
});

describe('tokens', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it('computes expiry dates', () => {
    expect(expiryDate('never', now)).toBeUndefined();
    expect(expiryDate('30', now)).toBe('2026-01-31T00:00:00.000Z');
    expect(expiryDate('365', now)).toBe('2027-01-01T00:00:00.000Z');
  });
  it.each([
    [{}, 'active'],
    [{ expires_at: '2026-06-01T00:00:00Z' }, 'active'],
    [{ expires_at: '2025-06-01T00:00:00Z' }, 'expired'],
    [{ revoked_at: '2025-12-01T00:00:00Z', expires_at: '2025-06-01T00:00:00Z' }, 'revoked'],
  ])('%o is %s', (token, want) => {
    expect(tokenState(token, now)).toBe(want);
  });
});

describe('wrapIndex', () => {
  it.each([
    [0, 3, false, 1],
    [2, 3, false, 0],
    [0, 3, true, 2],
    [-1, 3, false, 0],
    [-1, 3, true, 2],
    [0, 0, false, -1],
  ])('from %i of %i (back %s) → %i', (i, n, back, want) => {
    expect(wrapIndex(i, n, back)).toBe(want);
  });
});

describe('errors for people', () => {
  it.each([
    [offline(), 'Pama did not answer. Check your connection; we will keep what you typed.'],
    [new ApiError(429, 'http', {}, 1), 'Too many requests. Try again in 1 second.'],
    [new ApiError(429, 'http', {}, 12), 'Too many requests. Try again in 12 seconds.'],
    [new ApiError(500, 'http', { detail: 'db down' }), 'Something went wrong on the server. It has been logged; please try again.'],
    [new ApiError(404, 'http', { detail: 'No such API operation' }), 'It is not there. It may have been removed, or the link is wrong.'],
    [new ApiError(401, 'http', { detail: 'The code is wrong or has expired.' }), 'The code is wrong or has expired.'],
    [new Error('x'), 'Something unexpected happened. Please try again.'],
  ])('%s', (err, want) => {
    expect(errorText(err)).toBe(want);
  });

  it('gives a form its fields and the rest as general messages', () => {
    const err = new ApiError(422, 'http', {
      detail: 'The request has invalid fields.',
      errors: [
        { location: 'body.name', message: 'is required' },
        { location: 'body.other', message: 'is odd' },
        { location: 'query.x', message: 'bad x' },
      ],
    });
    expect(formErrors(err, ['name'])).toEqual({ fields: { name: 'Is required' }, general: ['bad x', 'Is odd'] });
    expect(formErrors(new ApiError(409, 'http', { detail: 'That address is taken.' }), ['slug'])).toEqual({
      fields: {},
      general: ['That address is taken.'],
    });
    expect(formErrors(offline(), ['name']).general).toHaveLength(1);
  });
});
