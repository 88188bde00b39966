// A small typed fetch client for the Pama API. Paths, parameters, bodies and
// results are checked against the types generated from the OpenAPI document
// (schema.d.ts), so a changed API breaks the build, not the user.

import type { components, paths } from './schema';
import { ApiError, problemFromResponse } from './problem';

/** Every operation the client knows. */
export type Paths = paths;

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The paths that have an operation for method M. */
export type PathsFor<M extends Method> = {
  [P in keyof Paths]: Paths[P] extends Record<M, object> ? P : never;
}[keyof Paths];

type Op<P extends keyof Paths, M extends Method> = Paths[P] extends Record<M, infer O> ? O : never;

type JsonOf<X> = X extends { content: { 'application/json': infer C } } ? C : undefined;

type JsonBody<R> = R extends { content: { 'application/json': infer B } } ? B : never;

/** The request body of an operation (also one the operation may go without), or never when it takes none. */
export type BodyOf<O> = O extends { requestBody: infer R }
  ? JsonBody<R>
  : O extends { requestBody?: infer R }
    ? JsonBody<NonNullable<R>>
    : never;

/** The body of an operation's success response (undefined for 204). */
export type ResultOf<O> = O extends { responses: infer R }
  ? 200 extends keyof R
    ? JsonOf<R[200]>
    : 201 extends keyof R
      ? JsonOf<R[201]>
      : 202 extends keyof R
        ? JsonOf<R[202]>
        : undefined
  : never;

type PathParamsOf<O> = O extends { parameters: { path: infer PP } } ? PP : never;
type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** What a call needs besides method and path. */
export type CallInit<O> = ([BodyOf<O>] extends [never] ? { body?: undefined } : { body: BodyOf<O> }) &
  ([PathParamsOf<O>] extends [never] ? { path?: undefined } : { path: PathParamsOf<O> }) & {
    query?: [QueryOf<O>] extends [never] ? undefined : QueryOf<O>;
    signal?: AbortSignal;
  };

type Args<O> = {} extends CallInit<O> ? [init?: CallInit<O>] : [init: CallInit<O>];

export interface ClientOptions {
  /** Where the API is; empty for the same origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Called when a request that needs a session gets 401. */
  onUnauthorized?: (err: ApiError) => void;
  /** How long a request may take, in milliseconds (default 30 s). */
  timeoutMs?: number;
}

/** expandPath fills {name} placeholders of a path template. */
export function expandPath(template: string, params: Record<string, string | number> | undefined): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = params?.[name];
    if (v === undefined || v === '') throw new Error(`api: missing path parameter ${name} for ${template}`);
    return encodeURIComponent(String(v));
  });
}

/** queryString renders a query object; undefined and null values are left out. */
export function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const item of v) q.append(k, String(item));
    else q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Requests to these paths answer 401 for a wrong code or password, not for a missing session. */
function isSignInPath(path: string): boolean {
  return path.startsWith('/api/v1/auth/');
}

export type Client = ReturnType<typeof createClient>;

/** createClient returns a client bound to one API. */
export function createClient(options: ClientOptions = {}) {
  const base = options.baseUrl ?? '';
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function call<M extends Method, P extends PathsFor<M>>(
    method: M,
    path: P,
    ...[init]: Args<Op<P, M>>
  ): Promise<ResultOf<Op<P, M>>> {
    const i = (init ?? {}) as { body?: unknown; path?: Record<string, string>; query?: Record<string, unknown>; signal?: AbortSignal };
    const url = base + expandPath(path, i.path) + queryString(i.query);
    const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
    let body: string | undefined;
    if (i.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(i.body);
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = i.signal ? AbortSignal.any([i.signal, timeout]) : timeout;
    const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    let res: Response;
    try {
      res = await doFetch(url, { method: method.toUpperCase(), headers, body, credentials: 'same-origin', signal });
    } catch (e) {
      if (i.signal?.aborted) throw new ApiError(0, 'aborted', { title: 'Aborted' });
      const timedOut = timeout.aborted;
      throw new ApiError(0, 'network', { title: timedOut ? 'Timeout' : 'Network error', detail: String(e) });
    }
    if (!res.ok) {
      const err = await problemFromResponse(res);
      if (res.status === 401 && !isSignInPath(path)) options.onUnauthorized?.(err);
      throw err;
    }
    if (res.status === 204 || res.headers.get('Content-Length') === '0') {
      return undefined as ResultOf<Op<P, M>>;
    }
    const text = await res.text();
    if (!text) return undefined as ResultOf<Op<P, M>>;
    try {
      return JSON.parse(text) as ResultOf<Op<P, M>>;
    } catch {
      throw new ApiError(res.status, 'http', { title: 'Bad response', detail: 'The server sent something that is not JSON.' });
    }
  }

  return {
    call,
    get: <P extends PathsFor<'get'>>(path: P, ...init: Args<Op<P, 'get'>>) => call('get', path, ...init),
    post: <P extends PathsFor<'post'>>(path: P, ...init: Args<Op<P, 'post'>>) => call('post', path, ...init),
    put: <P extends PathsFor<'put'>>(path: P, ...init: Args<Op<P, 'put'>>) => call('put', path, ...init),
    patch: <P extends PathsFor<'patch'>>(path: P, ...init: Args<Op<P, 'patch'>>) => call('patch', path, ...init),
    delete: <P extends PathsFor<'delete'>>(path: P, ...init: Args<Op<P, 'delete'>>) => call('delete', path, ...init),
  };
}

/** Shapes of the API, by their generated names. */
export type Schemas = components['schemas'];
export type Account = Schemas['Account'];
export type Token = Schemas['Token'];
export type MyTeam = Schemas['MyTeam'];
export type TeamView = Schemas['TeamView'];
export type PendingInvitation = Schemas['PendingInvitation'];
export type Role = MyTeam['role'];
export type Item = Schemas['Item'];
export type ItemPatch = Schemas['ItemPatchBody'];
export type Kind = Item['kind'];
export type Priority = Item['priority'];
export type Criterion = Schemas['Criterion'];
export type Status = Schemas['Status'];
export type Category = Status['category'];
export type Sprint = Schemas['Sprint'];
export type Board = Schemas['Board'];
export type Product = Schemas['Product'];
export type SavedFilter = Schemas['SavedFilter'];
export type ItemFilter = Schemas['Filter'];
export type Position = Schemas['Position'];
export type MemberInfo = Schemas['MemberInfo'];
export type Invitation = Schemas['Invitation'];
export type TeamSettings = Schemas['SettingsView'];
export type Entry = Schemas['Entry'];
export type Capacity = Schemas['Capacity'];
export type Room = Schemas['Room'];
export type RoomView = Schemas['View'];
export type RoomKind = Room['kind'];
export type Participant = Schemas['Participant'];
export type CeremonyOverview = Schemas['Overview'];
export type RefinementRequest = Schemas['Request'];
export type RoomAction = Schemas['Action'];
export type Notification = Schemas['Notification'];
