// The logic of the ceremonies screens, apart from the components so it can
// be tested alone: who is in a room and connected, the step timer, what a
// real-time entry asks of a room or of the overview, the body that starts a
// room, and invitations that arrive on the member channel.

import type { Entry, Participant, RoomKind, RoomView, Schemas } from '../api/client';
import type { Presence } from './hub';
import { secondsLeft } from './time';

/** The kinds, in the order of a sprint (as the server lists them). */
export const roomKinds: readonly RoomKind[] = ['refinement', 'poker', 'daily', 'retro', 'planning', 'review'];

/** Kinds that work on one product's backlog and need one to start (the others use it when given). */
export const productKinds: ReadonlySet<RoomKind> = new Set<RoomKind>(['refinement', 'poker', 'planning']);

/** isRoomKind reports whether s names a kind this app knows. */
export function isRoomKind(s: string | undefined): s is RoomKind {
  return !!s && (roomKinds as readonly string[]).includes(s);
}

/** One person shown in a room: a participant, or a member who has the room open without joining. */
export interface Person {
  id: string;
  /** In the room (joined and not left). */
  joined: boolean;
  /** Has left the room; they are still a participant, their votes and notes kept. */
  left: boolean;
  /** Has the room open now (presence on its channel). */
  connected: boolean;
  facilitator: boolean;
  me: boolean;
}

/**
 * roster merges a room's participants with who is connected to its channel:
 * joined people first (facilitator first, then by joining order), then those
 * who only watch (connected, not joined), then those who left. Connections
 * of the same account count once. Without presence (no real-time link)
 * nobody shows as connected except the viewer, who obviously is.
 */
export function roster(view: Pick<RoomView, 'participants' | 'facilitator_id' | 'me'>, presence: readonly Presence[] | null): Person[] {
  const online = new Set((presence ?? []).map((p) => p.user));
  const parts: Participant[] = view.participants ?? [];
  const seen = new Set<string>();
  const person = (id: string, p?: Participant): Person => ({
    id,
    joined: !!p?.active,
    left: !!p && !p.active,
    connected: online.has(id) || id === view.me,
    facilitator: id === view.facilitator_id,
    me: id === view.me,
  });
  const joined: Person[] = [];
  const left: Person[] = [];
  for (const p of parts) {
    if (seen.has(p.account_id)) continue;
    seen.add(p.account_id);
    (p.active ? joined : left).push(person(p.account_id, p));
  }
  joined.sort((a, b) => Number(b.facilitator) - Number(a.facilitator));
  const watching: Person[] = [];
  for (const id of online) {
    if (seen.has(id)) continue;
    seen.add(id);
    watching.push(person(id));
  }
  return [...joined, ...watching, ...left];
}

/** amIn reports whether the viewer is an active participant. */
export function amIn(view: Pick<RoomView, 'participants' | 'me'>): boolean {
  return (view.participants ?? []).some((p) => p.account_id === view.me && p.active);
}

/** timeLeft returns the whole seconds until a room's deadline, or null when its step has no timer. */
export function timeLeft(deadline: string | undefined, now: number): number | null {
  if (!deadline) return null;
  const at = Date.parse(deadline);
  if (Number.isNaN(at)) return null;
  return secondsLeft(at, now);
}

/**
 * roomEntry decides what an entry on a room's channel asks of the view held:
 * an entry about the room at a version the view already has (it may arrive
 * twice) is ignored; anything newer, or about something else in the room
 * (the channel also carries entries that name the room), means fetching the
 * view again — the server computes it per viewer, hiding what is hidden, so
 * entries are never applied directly.
 */
export function roomEntry(held: Pick<RoomView, 'id' | 'version'> | null, entry: Entry): 'ignore' | 'refetch' {
  if (held && entry.entity_type === 'room' && entry.entity_id === held.id && entry.version <= held.version) return 'ignore';
  return 'refetch';
}

/** overviewEntry reports whether an entry on the team channel changes the ceremonies screen. */
export function overviewEntry(entry: Entry): boolean {
  return entry.entity_type === 'room' || entry.entity_type === 'refinement_request';
}

/** What the start dialog asks. */
export interface StartForm {
  kind: RoomKind;
  title: string;
  productId: string;
  invite: boolean;
  /** Poker: the deck; "" is the team's. */
  deck: string;
  /** Poker: collect votes over this many minutes; 0 is live. */
  asyncMinutes: number;
  /** Retro. */
  template: string;
  anonymous: boolean;
  /** Daily: each speaker's timebox in seconds; 0 is none. */
  timeboxSeconds: number;
}

export type StartBody = Schemas['CreateRoomRequestBody'];

/** newStartForm returns the start dialog's defaults for a kind: the whole team invited. */
export function newStartForm(kind: RoomKind, productId = ''): StartForm {
  return { kind, title: '', productId, invite: true, deck: '', asyncMinutes: 0, template: 'ten_steps', anonymous: false, timeboxSeconds: 0 };
}

/** startBody turns the start dialog into the request, with only the fields the kind reads. */
export function startBody(f: StartForm): StartBody {
  const body: StartBody = { kind: f.kind, invite: f.invite };
  const title = f.title.trim();
  if (title) body.title = title;
  if (f.productId) body.product_id = f.productId;
  switch (f.kind) {
    case 'poker':
      if (f.deck) body.deck = f.deck as StartBody['deck'];
      if (f.asyncMinutes > 0) body.async_minutes = Math.round(f.asyncMinutes);
      break;
    case 'retro':
      body.template = (f.template || 'ten_steps') as StartBody['template'];
      if (f.anonymous) body.anonymous = true;
      break;
    case 'daily':
      if (f.timeboxSeconds > 0) body.timebox_seconds = Math.round(f.timeboxSeconds);
      break;
  }
  return body;
}

/** An invitation that arrived on the member channel: people wait for the member in a room. */
export interface InvitationRef {
  notificationId: string;
  teamId: string;
  roomId: string;
}

/** invitationOf reads an invitation from a member-channel entry, or returns null for anything else. */
export function invitationOf(entry: Entry): InvitationRef | null {
  if (entry.entity_type !== 'notification' || entry.action !== 'created') return null;
  const field = (name: string) => entry.changes?.find((c) => c.field === name)?.after;
  if (field('kind') !== 'invited') return null;
  const room = field('room_id');
  if (typeof room !== 'string' || !room) return null;
  return { notificationId: entry.entity_id, teamId: entry.team_id, roomId: room };
}

/** notificationEntry reports whether a member-channel entry changes the inbox (a notification made, read or unread). */
export function notificationEntry(entry: Entry): boolean {
  return entry.entity_type === 'notification';
}

/** waitingNames lists the names of who waits, in the language's way ("Ana and Li", "Ana, Li and Bo"); the viewer is left out. */
export function waitingNames(names: readonly string[], locale: string): string {
  const list = names.filter(Boolean);
  try {
    return new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' }).format(list);
  } catch {
    return list.join(', ');
  }
}

/** humanStep turns a step id ("write_notes") into words ("Write notes") when the catalog has none. */
export function humanStep(step: string): string {
  const s = step.replace(/[_-]+/g, ' ').trim();
  return s ? s[0]!.toUpperCase() + s.slice(1) : '';
}

/** Timer lengths the facilitator can start with one tap, in seconds. */
export const timerChoices = [60, 180, 300, 600] as const;

/**
 * newer reports whether a view that just arrived should replace the one
 * held: answers to actions and fetches may cross, and an older answer must
 * not undo a newer one. A view of the same version is the same room.
 */
export function newer(held: Pick<RoomView, 'id' | 'version'> | null, next: Pick<RoomView, 'id' | 'version'>): boolean {
  return !held || held.id !== next.id || next.version > held.version;
}

/**
 * coalesce wraps a fetch so that calls while one runs do not start more:
 * they ask for one more run after it, which sees everything that happened
 * meanwhile. A burst of real-time entries costs at most two fetches.
 */
export function coalesce(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await fn();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  };
}
