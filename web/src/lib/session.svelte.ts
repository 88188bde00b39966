// The signed-in account, as the server knows it. "unknown" until the first
// answer from /api/v1/me, so screens do not flash the sign-in form.

import type { Account, Client } from '../api/client';
import { ApiError } from '../api/problem';

export type SessionStatus = 'unknown' | 'signed-in' | 'signed-out';

export class Session {
  status = $state<SessionStatus>('unknown');
  account = $state.raw<Account | null>(null);
  /** True right after the sign-in that created the account, until the welcome is done. */
  fresh = $state(false);
  /** Set when the session could not be checked (server unreachable); status stays as it was. */
  error = $state.raw<ApiError | null>(null);
  private api: Pick<Client, 'get' | 'post'>;

  constructor(api: Pick<Client, 'get' | 'post'>) {
    this.api = api;
  }

  /** load asks the server who is signed in. */
  async load(): Promise<void> {
    try {
      this.signedIn(await this.api.get('/api/v1/me'));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        this.signedOut();
        return;
      }
      // Unreachable or failing: stay as we were, and say why.
      this.error = e instanceof ApiError ? e : new ApiError(0, 'network', { detail: String(e) });
    }
  }

  /** signedIn records the account a sign-in or profile change returned. */
  signedIn(account: Account): void {
    this.account = account;
    this.status = 'signed-in';
    this.error = null;
  }

  /** signedOut forgets the account (the server said the session is gone). */
  signedOut(): void {
    this.account = null;
    this.fresh = false;
    this.status = 'signed-out';
  }

  /** signOut ends the session on the server, then here. */
  async signOut(): Promise<void> {
    try {
      await this.api.post('/api/v1/auth/sign-out');
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) throw e;
    }
    this.signedOut();
  }

  /** The name to show for the account: its display name, else the part of the email before @. */
  get name(): string {
    const a = this.account;
    if (!a) return '';
    return a.display_name.trim() || a.email.split('@')[0] || a.email;
  }
}

/** initials returns up to two letters for an avatar from a name. */
export function initials(name: string): string {
  const words = name.trim().split(/[\s._-]+/).filter(Boolean);
  const letters = words.length >= 2 ? [words[0]!, words[words.length - 1]!].map((w) => [...w][0]) : [...(words[0] ?? '?')].slice(0, 2);
  return letters.join('').toUpperCase();
}
