// A small client-side router: a table of path patterns, history.pushState,
// and interception of plain clicks on same-origin links. Patterns are
// literal segments and :params ("/invite/:token"); the first match wins.

/** Who may see a route. */
export type Access = 'signed-in' | 'guest' | 'any';

export interface RouteDef<N extends string = string> {
  name: N;
  pattern: string;
  access: Access;
}

export interface Match<R extends RouteDef = RouteDef> {
  route: R;
  params: Record<string, string>;
}

interface Compiled<R extends RouteDef> {
  route: R;
  re: RegExp;
  keys: string[];
}

function compile<R extends RouteDef>(route: R): Compiled<R> {
  const keys: string[] = [];
  const parts = route.pattern
    .split('/')
    .filter(Boolean)
    .map((seg) => {
      if (seg.startsWith(':')) {
        keys.push(seg.slice(1));
        return '([^/]+)';
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    });
  return { route, keys, re: new RegExp(`^/${parts.join('/')}/?$`) };
}

/** matcher returns a function that finds the route of a path, or null. */
export function matcher<R extends RouteDef>(routes: readonly R[]): (path: string) => Match<R> | null {
  const compiled = routes.map(compile);
  return (path: string) => {
    for (const c of compiled) {
      const m = c.re.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      try {
        c.keys.forEach((k, i) => {
          params[k] = decodeURIComponent(m[i + 1]!);
        });
      } catch {
        continue; // a malformed escape matches nothing
      }
      return { route: c.route, params };
    }
    return null;
  };
}

/** build fills a pattern with params ("/invite/:token" → "/invite/abc"). */
export function build(pattern: string, params: Record<string, string> = {}): string {
  const path = pattern.replace(/:(\w+)/g, (_, k: string) => {
    const v = params[k];
    if (v === undefined || v === '') throw new Error(`router: missing ${k} for ${pattern}`);
    return encodeURIComponent(v);
  });
  return path || '/';
}

/** safeNext returns next if it is a path on this site, else "/"; it keeps sign-in from redirecting elsewhere. */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}

/** The parts of a click the router looks at. */
export interface ClickLike {
  button: number;
  defaultPrevented: boolean;
  metaKey: boolean;
  ctrlKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** The parts of a link the router looks at. */
export interface LinkLike {
  href: string;
  target: string;
  hasAttribute(name: string): boolean;
  getAttribute(name: string): string | null;
}

/**
 * shouldHandle reports whether a click on link is a plain navigation inside
 * the app that the router should take over: left button, no modifier keys,
 * same origin, no target or download, not into /api/, and not a jump to an
 * anchor on this page ("#main"), which the browser does best.
 */
export function shouldHandle(e: ClickLike, link: LinkLike, origin: string): boolean {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return false;
  if ((link.target && link.target !== '_self') || link.hasAttribute('download') || link.hasAttribute('data-external')) return false;
  if (link.getAttribute('href')?.startsWith('#')) return false;
  let url: URL;
  try {
    url = new URL(link.href, origin);
  } catch {
    return false;
  }
  if (url.origin !== origin) return false;
  return !url.pathname.startsWith('/api/');
}

/** Location is where the app is: path, query and hash. */
export interface Location {
  path: string;
  query: URLSearchParams;
  hash: string;
}

/** The part of window.history and window.location the router needs. */
export interface Host {
  location: { pathname: string; search: string; hash: string; origin: string };
  history: { pushState(data: unknown, unused: string, url?: string): void; replaceState(data: unknown, unused: string, url?: string): void };
  addEventListener(type: 'popstate', fn: () => void): void;
}

/** Router keeps the current location in sync with the address bar. */
export class Router {
  location = $state.raw<Location>({ path: '/', query: new URLSearchParams(), hash: '' });
  /** Counts navigations, so views can react to a navigation to the same place. */
  serial = $state(0);
  private host: Host;

  constructor(host: Host) {
    this.host = host;
    this.read();
  }

  private read(): void {
    const l = this.host.location;
    this.location = { path: l.pathname || '/', query: new URLSearchParams(l.search), hash: l.hash };
    this.serial++;
  }

  /** start follows the back and forward buttons. */
  start(): void {
    this.host.addEventListener('popstate', () => this.read());
  }

  /** navigate goes to href, a path on this site (with query and hash). */
  navigate(href: string, opts: { replace?: boolean } = {}): void {
    const url = new URL(href, this.host.location.origin);
    const to = url.pathname + url.search + url.hash;
    const now = this.host.location.pathname + this.host.location.search + this.host.location.hash;
    if (opts.replace || to === now) this.host.history.replaceState(null, '', to);
    else this.host.history.pushState(null, '', to);
    this.read();
  }

  /** here is the current path with its query, for "come back here after sign-in". */
  get here(): string {
    const q = this.location.query.toString();
    return this.location.path + (q ? `?${q}` : '');
  }
}
