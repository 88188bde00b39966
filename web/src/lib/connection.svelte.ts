// The state of the link to the server, shown quietly: nothing while all is
// well or for a moment's blip, "Reconnecting…" when the real-time connection
// has been down for a while, "Offline" when the browser has no network.
//
// The real-time client reports its state with set(): with centrifuge,
//   client.on('connecting', () => connection.set('connecting'));
//   client.on('connected', () => connection.set('connected'));
//   client.on('disconnected', () => connection.set('disconnected'));

export type LinkState = 'connected' | 'connecting' | 'disconnected';

export type Indicator = 'hidden' | 'reconnecting' | 'offline';

/** How long a drop lasts before the indicator shows it. */
export const graceMs = 1500;

/**
 * indicator decides what to show: offline wins, a drop shorter than the
 * grace period shows nothing, then "reconnecting". The first connect also
 * counts, so a server that never answers is not a silent spinner.
 */
export function indicator(state: LinkState, since: number, now: number, online: boolean): Indicator {
  if (!online) return 'offline';
  if (state === 'connected') return 'hidden';
  return now - since >= graceMs ? 'reconnecting' : 'hidden';
}

export class Connection {
  /** The real-time link; "connected" until a client reports otherwise. */
  state = $state<LinkState>('connected');
  /** When state last changed (ms since epoch). */
  since = $state(0);
  online = $state(true);
  private now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
    this.since = now();
  }

  /** set records a change reported by the real-time client. */
  set(state: LinkState): void {
    if (state === this.state) return;
    this.state = state;
    this.since = this.now();
  }

  /** watch follows the browser's online and offline events. */
  watch(win: Pick<Window, 'addEventListener'> & { navigator: { onLine: boolean } }): void {
    this.online = win.navigator.onLine;
    win.addEventListener('online', () => (this.online = true));
    win.addEventListener('offline', () => (this.online = false));
  }
}
