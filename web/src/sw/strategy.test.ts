import { describe, expect, it } from 'vitest';
import { cacheableResponse, strategyFor } from './strategy';

const origin = 'https://pama.example';

describe('strategyFor', () => {
  it.each([
    { method: 'GET', url: '/', mode: 'navigate', want: 'shell' },
    { method: 'GET', url: '/blue-whales/board', mode: 'navigate', want: 'shell' },
    { method: 'GET', url: '/assets/index-abc.js', mode: 'cors', want: 'cache-first' },
    { method: 'GET', url: '/manifest.webmanifest', mode: 'cors', want: 'stale-while-revalidate' },
    { method: 'GET', url: '/icon-192.png', mode: 'no-cors', want: 'stale-while-revalidate' },
    { method: 'GET', url: '/api/v1/me', mode: 'cors', want: 'network-first' },
    { method: 'GET', url: '/api/v1/teams/blue-whales', mode: 'cors', want: 'network-first' },
    { method: 'POST', url: '/api/v1/auth/sign-in', mode: 'cors', want: 'pass' },
    { method: 'PATCH', url: '/api/v1/me', mode: 'cors', want: 'pass' },
    { method: 'DELETE', url: '/api/v1/me/tokens/x', mode: 'cors', want: 'pass' },
    { method: 'PUT', url: '/api/v1/me/password', mode: 'cors', want: 'pass' },
    { method: 'GET', url: '/api/v1/realtime', mode: 'cors', want: 'pass' },
    { method: 'GET', url: '/api/openapi.json', mode: 'cors', want: 'pass' },
    { method: 'GET', url: '/api/docs', mode: 'navigate', want: 'pass' },
    { method: 'GET', url: '/sw.js', mode: 'same-origin', want: 'pass' },
    { method: 'GET', url: '/healthz', mode: 'cors', want: 'pass' },
    { method: 'GET', url: 'https://other.example/api/v1/me', mode: 'cors', want: 'pass' },
  ])('$method $url ($mode) → $want', ({ method, url, mode, want }) => {
    expect(strategyFor({ method, url: new URL(url, origin).href, mode }, origin)).toBe(want);
  });

  it('leaves unparseable addresses alone', () => {
    expect(strategyFor({ method: 'GET', url: 'not a url', mode: 'cors' }, origin)).toBe('pass');
  });
});

describe('cacheableResponse', () => {
  const headers = (cc?: string) => ({ get: (n: string) => (n === 'Cache-Control' ? (cc ?? null) : null) });
  it.each([
    { status: 200, type: 'basic', cc: undefined, want: true },
    { status: 200, type: 'default', cc: 'no-cache', want: true },
    { status: 200, type: 'basic', cc: 'private, no-store', want: false },
    { status: 204, type: 'basic', cc: undefined, want: false },
    { status: 401, type: 'basic', cc: undefined, want: false },
    { status: 200, type: 'opaque', cc: undefined, want: false },
    { status: 206, type: 'basic', cc: undefined, want: false },
  ])('$status $type $cc → $want', ({ status, type, cc, want }) => {
    expect(cacheableResponse({ status, type, headers: headers(cc) })).toBe(want);
  });
});
