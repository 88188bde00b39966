// The tab's one real-time connection (docs/PROTOCOL.md): a centrifuge
// client on /api/v1/realtime, signed in by the session cookie. It joins the
// channels screens subscribe to through the hub, with recovery, so a client
// that reconnects gets what it missed (or is told to reload), feeds
// publications, presence and the text others are typing to the hub, and
// drives the connection indicator. Loaded on demand, after the first screen.

import { Centrifuge, type Subscription } from 'centrifuge';
import type { Connection } from './connection.svelte';
import type { Draft, Hub, Presence } from './hub';

/** Channels with presence. */
const withPresence = /^(team|item|room):/;

/** A lock as the "locks" procedure lists it. */
interface HeldLock {
  by: string;
  client: string;
  field: string;
  until_ms?: number;
  has_draft?: boolean;
  text?: string;
  base_version?: number;
}

export interface Live {
  close(): void;
}

/** endpoint returns the WebSocket address of the server the page came from. */
export function endpoint(loc: Pick<Location, 'protocol' | 'host'>): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/api/v1/realtime`;
}

/** presenceList turns a presence answer into the hub's list. */
export function presenceList(clients: Record<string, { user: string; client: string }>): Presence[] {
  return Object.values(clients).map((c) => ({ user: c.user, client: c.client }));
}

/** connect opens the connection and attaches it to hub; onSignedOut runs when the server refuses the session. */
export function connect(hub: Hub, conn: Connection, onSignedOut: () => void): Live {
  const client = new Centrifuge(endpoint(location), { data: { device: 'web' }, minReconnectDelay: 500, maxReconnectDelay: 20_000 });
  client.on('connecting', () => conn.set('connecting'));
  client.on('connected', () => conn.set('connected'));
  client.on('disconnected', (ctx) => {
    conn.set('disconnected');
    if (ctx.code === 3500) onSignedOut();
  });

  const refreshPresence = async (sub: Subscription) => {
    if (!withPresence.test(sub.channel)) return;
    try {
      const p = await sub.presence();
      hub.presence(sub.channel, presenceList(p.clients));
    } catch {
      // Presence is a nicety; the screen works without it.
    }
  };

  const showLocks = async (channel: string) => {
    if (!channel.startsWith('item:')) return;
    try {
      const r = (await client.rpc('locks', { channel })) as { data?: { locks?: HeldLock[] } };
      for (const l of r.data?.locks ?? []) {
        hub.deliver(channel, { type: 'lock', by: l.by, client: l.client, field: l.field, until_ms: l.until_ms });
        if (l.has_draft) hub.deliver(channel, { type: 'draft', by: l.by, client: l.client, field: l.field, text: l.text ?? '', base_version: l.base_version ?? 0 } satisfies Draft & { type: string });
      }
    } catch {
      // Without the list, typing shows from the next draft on.
    }
  };

  hub.attach({
    join(channel) {
      if (client.getSubscription(channel)) return;
      const sub = client.newSubscription(channel, { recoverable: true, positioned: true, joinLeave: withPresence.test(channel) });
      sub.on('publication', (ctx) => hub.deliver(channel, ctx.data));
      sub.on('subscribed', (ctx) => {
        if (ctx.wasRecovering && !ctx.recovered) hub.resync(channel);
        void refreshPresence(sub);
        void showLocks(channel);
      });
      sub.on('join', () => void refreshPresence(sub));
      sub.on('leave', () => void refreshPresence(sub));
      sub.subscribe();
    },
    leave(channel) {
      const sub = client.getSubscription(channel);
      if (!sub) return;
      sub.unsubscribe();
      client.removeSubscription(sub);
    },
    async publish(channel, data) {
      await client.getSubscription(channel)?.publish(data);
    },
    async rpc(method, data) {
      return (await client.rpc(method, data)).data;
    },
  });
  client.connect();

  return {
    close() {
      hub.detach();
      client.disconnect();
      conn.set('connected');
    },
  };
}
