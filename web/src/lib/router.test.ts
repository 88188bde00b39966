import { describe, expect, it, vi } from 'vitest';
import { build, matcher, Router, safeNext, shouldHandle, type Host } from './router.svelte';
import { routes } from '../routes';

describe('matcher over the app routes', () => {
  const match = matcher(routes);
  it.each([
    { path: '/', name: 'home', params: {} },
    { path: '/sign-in', name: 'sign-in', params: {} },
    { path: '/sign-in/', name: 'sign-in', params: {} },
    { path: '/invite/0193.abc_DEF-x', name: 'invite', params: { token: '0193.abc_DEF-x' } },
    { path: '/teams/new', name: 'new-team', params: {} },
    { path: '/account', name: 'account', params: {} },
    { path: '/blue-whales', name: 'team', params: { team: 'blue-whales' } },
    { path: '/blue-whales/backlog', name: 'backlog', params: { team: 'blue-whales' } },
    { path: '/blue-whales/board', name: 'board', params: { team: 'blue-whales' } },
    { path: '/blue-whales/settings', name: 'settings', params: { team: 'blue-whales' } },
    { path: '/caf%C3%A9', name: 'team', params: { team: 'café' } },
  ])('$path → $name', ({ path, name, params }) => {
    const m = match(path);
    expect(m?.route.name).toBe(name);
    expect(m?.params).toEqual(params);
  });

  it.each(['/blue-whales/nowhere', '/a/b/c', '/invite/a/b', '/%E0%A4%A'])('%s matches nothing', (path) => {
    expect(match(path)).toBeNull();
  });

  it('prefers literal routes listed first over team addresses', () => {
    expect(match('/account')?.route.name).toBe('account');
    expect(match('/sign-in')?.route.name).toBe('sign-in');
  });
});

describe('build', () => {
  it('fills and encodes params', () => {
    expect(build('/invite/:token', { token: 'a b/c' })).toBe('/invite/a%20b%2Fc');
    expect(build('/')).toBe('/');
  });
  it('refuses a missing param', () => {
    expect(() => build('/:team/board', {})).toThrow(/team/);
  });
});

describe('safeNext', () => {
  it.each([
    [null, '/'],
    ['', '/'],
    ['/account', '/account'],
    ['/blue-whales/board?x=1', '/blue-whales/board?x=1'],
    ['https://evil.example/', '/'],
    ['//evil.example/', '/'],
    ['/\\evil.example', '/'],
    ['javascript:alert(1)', '/'],
  ])('%s → %s', (next, want) => {
    expect(safeNext(next)).toBe(want);
  });
});

describe('shouldHandle', () => {
  const origin = 'https://pama.example';
  const plain = { button: 0, defaultPrevented: false, metaKey: false, ctrlKey: false, shiftKey: false, altKey: false };
  const link = (href: string, target = '', attrs: string[] = []) => ({
    href: new URL(href, origin).href,
    target,
    hasAttribute: (n: string) => attrs.includes(n),
    getAttribute: (n: string) => (n === 'href' ? href : null),
  });
  it.each([
    { name: 'plain in-app link', e: plain, l: link('https://pama.example/account'), want: true },
    { name: 'relative link', e: plain, l: link('/blue-whales'), want: true },
    { name: 'other origin', e: plain, l: link('https://other.example/'), want: false },
    { name: 'ctrl-click', e: { ...plain, ctrlKey: true }, l: link('/account'), want: false },
    { name: 'meta-click', e: { ...plain, metaKey: true }, l: link('/account'), want: false },
    { name: 'middle button', e: { ...plain, button: 1 }, l: link('/account'), want: false },
    { name: 'already handled', e: { ...plain, defaultPrevented: true }, l: link('/account'), want: false },
    { name: 'new tab', e: plain, l: link('/account', '_blank'), want: false },
    { name: 'download', e: plain, l: link('/x.csv', '', ['download']), want: false },
    { name: 'API link', e: plain, l: link('/api/docs'), want: false },
    { name: 'anchor on this page', e: plain, l: link('#main'), want: false },
  ])('$name → $want', ({ e, l, want }) => {
    expect(shouldHandle(e, l, origin)).toBe(want);
  });
});

function fakeHost(start = '/') {
  const url = new URL(start, 'https://pama.example');
  const listeners: (() => void)[] = [];
  const host: Host & { back(to: string): void } = {
    location: {
      get pathname() {
        return url.pathname;
      },
      get search() {
        return url.search;
      },
      get hash() {
        return url.hash;
      },
      origin: url.origin,
    },
    history: {
      pushState: vi.fn((_d: unknown, _u: string, to?: string) => set(to!)),
      replaceState: vi.fn((_d: unknown, _u: string, to?: string) => set(to!)),
    },
    addEventListener: (_t, fn) => listeners.push(fn),
    back(to: string) {
      set(to);
      listeners.forEach((fn) => fn());
    },
  };
  function set(to: string) {
    const next = new URL(to, url);
    url.pathname = next.pathname;
    url.search = next.search;
    url.hash = next.hash;
  }
  return host;
}

describe('Router', () => {
  it('reads the start location', () => {
    const r = new Router(fakeHost('/sign-in?next=%2Faccount'));
    expect(r.location.path).toBe('/sign-in');
    expect(r.location.query.get('next')).toBe('/account');
    expect(r.here).toBe('/sign-in?next=%2Faccount');
  });

  it('pushes new places and replaces when asked or when staying', () => {
    const host = fakeHost('/');
    const r = new Router(host);
    const serial = r.serial;
    r.navigate('/account');
    expect(host.history.pushState).toHaveBeenCalledWith(null, '', '/account');
    expect(r.location.path).toBe('/account');
    expect(r.serial).toBe(serial + 1);
    r.navigate('/sign-in?next=%2F', { replace: true });
    expect(host.history.replaceState).toHaveBeenCalledWith(null, '', '/sign-in?next=%2F');
    r.navigate('/sign-in?next=%2F');
    expect(host.history.replaceState).toHaveBeenCalledTimes(2);
    expect(host.history.pushState).toHaveBeenCalledTimes(1);
  });

  it('normalises absolute in-app addresses', () => {
    const host = fakeHost('/');
    const r = new Router(host);
    r.navigate('https://pama.example/blue-whales/board#top');
    expect(host.history.pushState).toHaveBeenCalledWith(null, '', '/blue-whales/board#top');
    expect(r.location.hash).toBe('#top');
  });

  it('follows the back button once started', () => {
    const host = fakeHost('/a');
    const r = new Router(host);
    r.start();
    host.back('/b');
    expect(r.location.path).toBe('/b');
  });
});
