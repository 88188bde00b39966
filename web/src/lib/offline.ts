// Registers the service worker (production builds only) and tells it when
// the cached API answers must go (on sign-out).

export function registerServiceWorker(opts: { onUpdate?: () => void } = {}): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const hadController = !!navigator.serviceWorker.controller;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
    // Without a service worker the app still works online.
  });
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (hadController) opts.onUpdate?.();
  });
}

/** forgetCachedData asks the service worker to drop cached API answers. */
export function forgetCachedData(): void {
  navigator.serviceWorker?.controller?.postMessage({ type: 'clear-api-cache' });
}
