// Which caching strategy the service worker uses for a request. Kept apart
// from sw.ts so it can be tested without a service worker.

export type Strategy =
  /** Not touched: the browser does what it would without a service worker. */
  | 'pass'
  /** The network; a cached answer only when the network fails. */
  | 'network-first'
  /** The app's page: the network, else the cached shell. */
  | 'shell'
  /** Hashed files that never change: the cache, else the network. */
  | 'cache-first'
  /** Other static files: the cache at once, refreshed from the network. */
  | 'stale-while-revalidate';

export interface RequestInfo {
  method: string;
  url: string;
  mode: string;
}

/**
 * strategyFor picks the strategy for a request. Only GETs to this origin are
 * handled: writes always go to the network and are never cached. API reads
 * are network-first, so the app shows fresh data online and the last data
 * offline; the real-time connection and server endpoints are left alone.
 */
export function strategyFor(req: RequestInfo, origin: string): Strategy {
  if (req.method !== 'GET') return 'pass';
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return 'pass';
  }
  if (url.origin !== origin) return 'pass';
  const path = url.pathname;
  if (path.startsWith('/api/')) {
    if (path === '/api/v1/realtime' || path.startsWith('/api/v1/realtime/')) return 'pass';
    if (path === '/api/docs' || path === '/api/openapi' || path.startsWith('/api/openapi.')) return 'pass';
    return 'network-first';
  }
  if (path === '/healthz' || path === '/readyz' || path === '/metrics' || path === '/sw.js') return 'pass';
  if (req.mode === 'navigate') return 'shell';
  if (path.startsWith('/assets/')) return 'cache-first';
  return 'stale-while-revalidate';
}

/** cacheableResponse reports whether a response may be stored: complete, successful, same-origin. */
export function cacheableResponse(res: { status: number; type: string; headers: { get(name: string): string | null } }): boolean {
  if (res.status !== 200 || (res.type !== 'basic' && res.type !== 'default')) return false;
  const cc = res.headers.get('Cache-Control') ?? '';
  return !/\bno-store\b/i.test(cc);
}
