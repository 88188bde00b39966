// Live check of a team address while it is typed: local rules first, then
// one request after typing pauses. Only the answer for the latest input counts.

import type { Client } from '../api/client';
import { ApiError } from '../api/problem';
import { checkSlug, type SlugProblem } from './teams.svelte';

export type SlugState =
  | { kind: 'idle' }
  | { kind: 'invalid'; problem: Exclude<SlugProblem, null> }
  | { kind: 'checking'; slug: string }
  | { kind: 'available'; slug: string }
  | { kind: 'taken'; slug: string; reason: string }
  | { kind: 'error'; slug: string };

type Timers = {
  set: (fn: () => void, ms: number) => unknown;
  clear: (handle: unknown) => void;
};

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class SlugCheck {
  state = $state.raw<SlugState>({ kind: 'idle' });
  private api: Pick<Client, 'get'>;
  private timers: Timers;
  private timer: unknown = null;
  private seq = 0;
  readonly delayMs: number;

  constructor(api: Pick<Client, 'get'>, delayMs = 300, timers: Timers = realTimers) {
    this.api = api;
    this.delayMs = delayMs;
    this.timers = timers;
  }

  /** input takes the address as typed now. */
  input(slug: string): void {
    const seq = ++this.seq;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    if (slug === '') {
      this.state = { kind: 'idle' };
      return;
    }
    const problem = checkSlug(slug);
    if (problem) {
      this.state = { kind: 'invalid', problem };
      return;
    }
    this.state = { kind: 'checking', slug };
    this.timer = this.timers.set(() => {
      this.timer = null;
      void this.ask(slug, seq);
    }, this.delayMs);
  }

  private async ask(slug: string, seq: number): Promise<void> {
    let next: SlugState;
    try {
      const out = await this.api.get('/api/v1/slugs/{slug}', { path: { slug } });
      next = out.available ? { kind: 'available', slug } : { kind: 'taken', slug, reason: out.reason ?? '' };
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) next = { kind: 'available', slug };
      else if (e instanceof ApiError && e.status === 422) next = { kind: 'taken', slug, reason: e.fields.slug ?? e.message };
      else next = { kind: 'error', slug };
    }
    if (seq === this.seq) this.state = next;
  }

  /** taken marks slug as taken after the server refused it on create. */
  taken(slug: string, reason: string): void {
    this.seq++;
    this.state = { kind: 'taken', slug, reason };
  }
}
