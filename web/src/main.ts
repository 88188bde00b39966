// Starts the app: language, theme, session, router, then the first screen.
import { mount } from 'svelte';
import App from './App.svelte';
import { i18n, t } from './i18n/i18n.svelte';
import { matcher, shouldHandle } from './lib/router.svelte';
import { routes } from './routes';
import { connection, router, session, toasts } from './lib/services';
import { applyTheme, savedTheme } from './lib/theme';
import { registerServiceWorker } from './lib/offline';
import './styles/tokens.css';
import './styles/base.css';

applyTheme(savedTheme());
router.start();
connection.watch(window);

// Plain clicks on links inside the app navigate without a page load.
document.addEventListener('click', (e) => {
  const link = (e.target as Element | null)?.closest?.('a');
  if (!link || !shouldHandle(e, link, location.origin)) return;
  e.preventDefault();
  router.navigate(link.href);
});

// A screen's code that is gone after an upgrade: load the new version.
window.addEventListener('vite:preloadError', (e) => {
  e.preventDefault();
  location.reload();
});

// Fetch the first screen's code while the session is checked.
const first = matcher(routes)(location.pathname);
await Promise.all([i18n.start(), session.load(), first?.route.load().catch(() => undefined)]);

mount(App, { target: document.getElementById('app')! });

registerServiceWorker({
  onUpdate: () => toasts.show(t('app.updateReady'), 'info', 15_000),
});
