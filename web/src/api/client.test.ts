import { describe, expect, it, vi } from 'vitest';
import { createClient, expandPath, queryString } from './client';
import { ApiError, parseRetryAfter, splitErrors } from './problem';

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type, ...headers } });
}

describe('splitErrors', () => {
  it.each([
    {
      name: 'body field',
      errors: [{ location: 'body.email', message: 'must be an email address' }],
      fields: { email: 'Must be an email address' },
      general: [],
    },
    {
      name: 'nested field keeps its path',
      errors: [{ location: 'body.items[3].name', message: 'too long' }],
      fields: { 'items[3].name': 'Too long' },
      general: [],
    },
    {
      name: 'missing required property goes to the property',
      errors: [{ location: 'body', message: 'expected required property code to be present' }],
      fields: { code: 'Expected required property code to be present' },
      general: [],
    },
    {
      name: 'two messages for one field are joined',
      errors: [
        { location: 'body.slug', message: 'is reserved' },
        { location: 'body.slug', message: 'must be 3 to 30 characters long' },
      ],
      fields: { slug: 'Is reserved; must be 3 to 30 characters long' },
      general: [],
    },
    {
      name: 'path and query errors are general',
      errors: [
        { location: 'path.team', message: 'bad team' },
        { location: 'query.limit', message: 'too big' },
        { message: 'no location' },
      ],
      fields: {},
      general: ['bad team', 'too big', 'no location'],
    },
    { name: 'empty messages are dropped', errors: [{ location: 'body.a', message: ' ' }], fields: {}, general: [] },
  ])('$name', ({ errors, fields, general }) => {
    expect(splitErrors(errors)).toEqual({ fields, general });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    { value: null, want: undefined },
    { value: '', want: undefined },
    { value: '30', want: 30 },
    { value: ' 7 ', want: 7 },
    { value: 'Thu, 01 Jan 2026 00:00:10 GMT', want: 10 },
    { value: 'Wed, 31 Dec 2025 23:59:00 GMT', want: 0 },
    { value: 'soon', want: undefined },
  ])('$value → $want', ({ value, want }) => {
    expect(parseRetryAfter(value, now)).toBe(want);
  });
});

describe('expandPath and queryString', () => {
  it('encodes path parameters', () => {
    expect(expandPath('/api/v1/teams/{team}/x/{id}', { team: 'blue whales', id: 'a/b' })).toBe(
      '/api/v1/teams/blue%20whales/x/a%2Fb',
    );
  });
  it('refuses a missing parameter', () => {
    expect(() => expandPath('/api/v1/teams/{team}', {})).toThrow(/team/);
  });
  it('renders queries without empty values', () => {
    expect(queryString({ limit: 10, cursor: undefined, q: null, tag: ['a', 'b'] })).toBe('?limit=10&tag=a&tag=b');
    expect(queryString({})).toBe('');
    expect(queryString(undefined)).toBe('');
  });
});

describe('createClient', () => {
  it('sends JSON with same-origin credentials and returns the parsed body', async () => {
    const fetch = vi.fn(async () => jsonResponse(202, { email: 'a@example.com', resend_after_seconds: 30, expires_in_seconds: 600 }));
    const api = createClient({ fetch });
    const out = await api.post('/api/v1/auth/code', { body: { email: 'a@example.com' } });
    expect(out.resend_after_seconds).toBe(30);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/auth/code');
    expect(init.method).toBe('POST');
    expect(init.credentials).toBe('same-origin');
    expect(init.body).toBe('{"email":"a@example.com"}');
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('fills path parameters', async () => {
    const fetch = vi.fn(async () => jsonResponse(200, { id: 't1' }));
    const api = createClient({ fetch, baseUrl: 'http://x' });
    await api.delete('/api/v1/me/tokens/{token}', { path: { token: 'tok 1' } });
    expect((fetch.mock.calls[0] as unknown as [string])[0]).toBe('http://x/api/v1/me/tokens/tok%201');
  });

  it('returns undefined for 204', async () => {
    const api = createClient({ fetch: async () => new Response(null, { status: 204 }) });
    await expect(api.post('/api/v1/auth/sign-out')).resolves.toBeUndefined();
  });

  it('turns a problem into an ApiError with field errors and Retry-After', async () => {
    const api = createClient({
      fetch: async () =>
        jsonResponse(
          422,
          { title: 'Unprocessable Entity', status: 422, detail: 'bad', errors: [{ location: 'body.email', message: 'must be an email address' }] },
          { 'Retry-After': '5' },
        ),
    });
    const err = await api.post('/api/v1/auth/code', { body: { email: 'x' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(422);
    expect(e.kind).toBe('http');
    expect(e.message).toBe('bad');
    expect(e.fields).toEqual({ email: 'Must be an email address' });
    expect(e.retryAfter).toBe(5);
    expect(e.hasFieldErrors).toBe(true);
  });

  it('keeps version and current of a conflict', async () => {
    const api = createClient({
      fetch: async () => jsonResponse(409, { title: 'Conflict', status: 409, version: 7, current: { display_name: 'B' } }),
    });
    const e = (await api.patch('/api/v1/me', { body: { version: 6, display_name: 'A' } }).catch((x: unknown) => x)) as ApiError;
    expect(e.status).toBe(409);
    expect(e.problem.version).toBe(7);
    expect(e.problem.current).toEqual({ display_name: 'B' });
  });

  it('copes with an error body that is not JSON', async () => {
    const api = createClient({ fetch: async () => new Response('<html>', { status: 502, statusText: 'Bad Gateway', headers: { 'Content-Type': 'text/html' } }) });
    const e = (await api.get('/api/v1/me').catch((x: unknown) => x)) as ApiError;
    expect(e.status).toBe(502);
    expect(e.message).toBe('Bad Gateway');
    expect(e.general).toEqual([]);
  });

  it('calls onUnauthorized for 401 outside sign-in, not for a wrong code', async () => {
    const onUnauthorized = vi.fn();
    const api = createClient({ fetch: async () => jsonResponse(401, { title: 'Unauthorized', status: 401 }), onUnauthorized });
    await expect(api.get('/api/v1/me')).rejects.toBeInstanceOf(ApiError);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    await expect(api.post('/api/v1/auth/sign-in', { body: { email: 'a@example.com', code: '000000' } })).rejects.toBeInstanceOf(ApiError);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('reports a network failure as status 0', async () => {
    const api = createClient({ fetch: async () => Promise.reject(new TypeError('Failed to fetch')) });
    const e = (await api.get('/api/v1/me').catch((x: unknown) => x)) as ApiError;
    expect(e.status).toBe(0);
    expect(e.kind).toBe('network');
  });

  it('reports a caller abort as aborted', async () => {
    const ctrl = new AbortController();
    const api = createClient({
      fetch: (_url, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    });
    const p = api.get('/api/v1/me', { signal: ctrl.signal }).catch((x: unknown) => x);
    ctrl.abort();
    expect(((await p) as ApiError).kind).toBe('aborted');
  });

  it('times out', async () => {
    const api = createClient({
      timeoutMs: 5,
      fetch: (_url, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(new DOMException('timeout', 'TimeoutError')));
        }),
    });
    const e = (await api.get('/api/v1/me').catch((x: unknown) => x)) as ApiError;
    expect(e.kind).toBe('network');
    expect(e.problem.title).toBe('Timeout');
  });
});
