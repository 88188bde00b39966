// The real-time hub of a tab: screens subscribe to the channels they show
// (docs/PROTOCOL.md) with handlers for what arrives. The connection itself
// (one per tab) feeds publications in through deliver(); screens never talk
// to the socket. Without a connection nothing arrives and screens work from
// REST reads alone.

import type { Entry } from '../api/client';

/** Someone typing in a field of an item (ephemeral). */
export interface Draft {
  by: string;
  client: string;
  field: string;
  text: string;
  base_version: number;
}

/** Who is editing a field (ephemeral). */
export interface Lock {
  by: string;
  client: string;
  field: string;
  until_ms?: number;
  reason?: string;
}

/** One connection present on a channel. */
export interface Presence {
  user: string;
  client: string;
}

export interface Handlers {
  /** A committed change ("entity" publication). */
  entry?(e: Entry): void;
  /** History was lost (reconnected past the window): reload through REST. */
  resync?(): void;
  draft?(d: Draft): void;
  lock?(l: Lock): void;
  unlock?(l: Lock): void;
  /** The people on the channel now. */
  presence?(list: Presence[]): void;
}

/** What a connection can do for the hub. */
export interface Transport {
  join(channel: string): void;
  leave(channel: string): void;
  publish?(channel: string, data: unknown): Promise<void>;
  rpc?(method: string, data: unknown): Promise<unknown>;
}

export class Hub {
  private handlers = new Map<string, Set<Handlers>>();
  private transport: Transport | null = null;

  /** subscribe adds handlers for a channel and returns the way to remove them. */
  subscribe(channel: string, h: Handlers): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      this.transport?.join(channel);
    }
    set.add(h);
    return () => {
      const s = this.handlers.get(channel);
      if (!s) return;
      s.delete(h);
      if (s.size === 0) {
        this.handlers.delete(channel);
        this.transport?.leave(channel);
      }
    };
  }

  /** channels lists the channels someone listens to. */
  channels(): string[] {
    return [...this.handlers.keys()];
  }

  /** attach connects a transport and joins every channel in use. */
  attach(t: Transport): void {
    this.transport = t;
    for (const c of this.handlers.keys()) t.join(c);
  }

  /** detach forgets the transport (on sign-out); handlers stay for the next one. */
  detach(): void {
    this.transport = null;
  }

  /** rpc calls a remote procedure (lock, unlock, locks) when connected. */
  async rpc(method: string, data: unknown): Promise<unknown> {
    return this.transport?.rpc?.(method, data);
  }

  /** live reports whether a connection is attached. */
  get live(): boolean {
    return this.transport !== null;
  }

  /** publish sends a client publication (a draft) when connected. */
  async publish(channel: string, data: unknown): Promise<void> {
    await this.transport?.publish?.(channel, data);
  }

  /** deliver hands a publication's data to the channel's handlers, by its type. */
  deliver(channel: string, data: unknown): void {
    const set = this.handlers.get(channel);
    if (!set || !data || typeof data !== 'object') return;
    const d = data as { type?: string; entry?: Entry };
    for (const h of set) {
      switch (d.type) {
        case 'entity':
          if (d.entry) h.entry?.(d.entry);
          break;
        case 'draft':
          h.draft?.(data as Draft);
          break;
        case 'lock':
          h.lock?.(data as Lock);
          break;
        case 'unlock':
          h.unlock?.(data as Lock);
          break;
      }
    }
  }

  /** resync tells a channel's handlers to reload. */
  resync(channel: string): void {
    for (const h of this.handlers.get(channel) ?? []) h.resync?.();
  }

  /** presence tells a channel's handlers who is there. */
  presence(channel: string, list: Presence[]): void {
    for (const h of this.handlers.get(channel) ?? []) h.presence?.(list);
  }
}
