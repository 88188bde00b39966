/// <reference lib="webworker" />
// The service worker: keeps the app shell (index, scripts, styles, icons) so
// Pama opens without a network, and answers API reads from the last copy
// when offline. Writes are never cached. The build writes the file list and
// version below.

import { cacheableResponse, strategyFor } from './strategy';

declare const self: ServiceWorkerGlobalScope;

const version = '__PAMA_VERSION__';
const precache: string[] = '__PAMA_PRECACHE__' as unknown as string[];
const shellCache = `pama-shell-${version}`;
const apiCache = 'pama-api';

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(shellCache);
      await cache.addAll(precache.map((u) => new Request(u, { cache: 'reload' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('pama-shell-') && name !== shellCache) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  const data = event.data as { type?: string } | null;
  if (data?.type === 'clear-api-cache') event.waitUntil(caches.delete(apiCache));
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const strategy = strategyFor({ method: req.method, url: req.url, mode: req.mode }, self.location.origin);
  switch (strategy) {
    case 'pass':
      return;
    case 'network-first':
      event.respondWith(networkFirst(req));
      return;
    case 'shell':
      event.respondWith(shell(req));
      return;
    case 'cache-first':
      event.respondWith(cacheFirst(req));
      return;
    case 'stale-while-revalidate':
      event.respondWith(staleWhileRevalidate(req, event));
      return;
  }
});

async function networkFirst(req: Request): Promise<Response> {
  const cache = await caches.open(apiCache);
  try {
    const res = await fetch(req);
    if (cacheableResponse(res)) await cache.put(req, res.clone());
    else if (res.status === 401 || res.status === 403 || res.status === 404) await cache.delete(req);
    return res;
  } catch (err) {
    const hit = await cache.match(req);
    if (hit) return hit;
    throw err;
  }
}

async function shell(req: Request): Promise<Response> {
  try {
    return await fetch(req);
  } catch (err) {
    const hit = await caches.match('/sign-in', { cacheName: shellCache });
    if (hit) return hit;
    throw err;
  }
}

async function cacheFirst(req: Request): Promise<Response> {
  const hit = await caches.match(req, { cacheName: shellCache });
  if (hit) return hit;
  const res = await fetch(req);
  if (cacheableResponse(res)) {
    const cache = await caches.open(shellCache);
    await cache.put(req, res.clone());
  }
  return res;
}

async function staleWhileRevalidate(req: Request, event: FetchEvent): Promise<Response> {
  const cache = await caches.open(shellCache);
  const hit = await cache.match(req);
  const refresh = fetch(req).then(async (res) => {
    if (cacheableResponse(res)) await cache.put(req, res.clone());
    return res;
  });
  if (hit) {
    event.waitUntil(refresh.catch(() => undefined));
    return hit;
  }
  return refresh;
}
