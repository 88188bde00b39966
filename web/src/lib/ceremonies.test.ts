import { describe, expect, it } from 'vitest';
import type { Entry } from '../api/client';
import {
  amIn,
  coalesce,
  newer,
  humanStep,
  invitationOf,
  newStartForm,
  overviewEntry,
  roomEntry,
  roster,
  startBody,
  timeLeft,
  waitingNames,
} from './ceremonies';

const joinedAt = '2026-11-27T10:00:00Z';
const p = (id: string, active = true) => ({ account_id: id, joined_at: joinedAt, active });

function entry(over: Partial<Entry>): Entry {
  return { seq: 1, team_id: 't1', at: joinedAt, actor_id: 'a', entity_type: 'room', entity_id: 'r1', action: 'updated', version: 2, changes: [], ...over };
}

describe('roster', () => {
  it('marks who is connected, puts the facilitator first, then watchers, then those who left', () => {
    const view = { me: 'ana', facilitator_id: 'li', participants: [p('ana'), p('bo', false), p('li'), p('cy')] };
    const people = roster(view, [
      { user: 'li', client: 'c1' },
      { user: 'li', client: 'c2' },
      { user: 'dan', client: 'c3' },
    ]);
    expect(people.map((x) => x.id)).toEqual(['li', 'ana', 'cy', 'dan', 'bo']);
    const by = Object.fromEntries(people.map((x) => [x.id, x]));
    expect(by.li).toMatchObject({ joined: true, connected: true, facilitator: true, me: false });
    expect(by.ana).toMatchObject({ joined: true, connected: true, me: true }); // the viewer, though not in presence
    expect(by.cy).toMatchObject({ joined: true, connected: false });
    expect(by.dan).toMatchObject({ joined: false, left: false, connected: true });
    expect(by.bo).toMatchObject({ joined: false, left: true, connected: false });
  });

  it('lists every account once, even when presence repeats a participant', () => {
    const people = roster({ me: 'ana', facilitator_id: 'ana', participants: [p('ana'), p('li')] }, [
      { user: 'li', client: 'x' },
      { user: 'ana', client: 'y' },
    ]);
    expect(people.map((x) => x.id)).toEqual(['ana', 'li']);
  });

  it('shows nobody else connected without a real-time link', () => {
    const people = roster({ me: 'ana', facilitator_id: 'li', participants: [p('ana'), p('li')] }, null);
    expect(people.filter((x) => x.connected).map((x) => x.id)).toEqual(['ana']);
  });

  it('copes with a room without participants', () => {
    expect(roster({ me: 'ana', facilitator_id: '', participants: null }, [])).toEqual([]);
  });
});

describe('amIn', () => {
  it('is true only for an active participant', () => {
    expect(amIn({ me: 'ana', participants: [p('ana')] })).toBe(true);
    expect(amIn({ me: 'ana', participants: [p('ana', false)] })).toBe(false);
    expect(amIn({ me: 'ana', participants: [p('li')] })).toBe(false);
    expect(amIn({ me: 'ana', participants: null })).toBe(false);
  });
});

describe('timeLeft', () => {
  const now = Date.parse('2026-11-27T10:00:00Z');
  it('counts whole seconds down to the deadline and stops at zero', () => {
    expect(timeLeft('2026-11-27T10:01:30Z', now)).toBe(90);
    expect(timeLeft('2026-11-27T10:00:00.200Z', now)).toBe(1);
    expect(timeLeft('2026-11-27T09:59:00Z', now)).toBe(0);
  });
  it('is null without a timer', () => {
    expect(timeLeft(undefined, now)).toBeNull();
    expect(timeLeft('', now)).toBeNull();
    expect(timeLeft('not a date', now)).toBeNull();
  });
});

describe('roomEntry', () => {
  const held = { id: 'r1', version: 5 };
  it('ignores an entry about the room that the view already has', () => {
    expect(roomEntry(held, entry({ version: 5 }))).toBe('ignore');
    expect(roomEntry(held, entry({ version: 3 }))).toBe('ignore');
  });
  it('fetches the view again for anything newer, never applying the entry itself', () => {
    expect(roomEntry(held, entry({ version: 6 }))).toBe('refetch');
    expect(roomEntry(held, entry({ version: 9 }))).toBe('refetch');
  });
  it('fetches again for entries about other things in the room, and when nothing is held', () => {
    expect(roomEntry(held, entry({ entity_type: 'item', entity_id: 'i1', version: 1 }))).toBe('refetch');
    expect(roomEntry(held, entry({ entity_id: 'r2', version: 1 }))).toBe('refetch');
    expect(roomEntry(null, entry({ version: 1 }))).toBe('refetch');
  });
});

describe('overviewEntry', () => {
  it('reloads the screen for rooms and refinement requests only', () => {
    expect(overviewEntry(entry({ action: 'created' }))).toBe(true);
    expect(overviewEntry(entry({ entity_type: 'refinement_request' }))).toBe(true);
    expect(overviewEntry(entry({ entity_type: 'status' }))).toBe(false);
    expect(overviewEntry(entry({ entity_type: 'member' }))).toBe(false);
  });
});

describe('startBody', () => {
  it('invites the team by default and sends only the fields of the kind', () => {
    const f = { ...newStartForm('poker', 'p1'), deck: 'tshirt', asyncMinutes: 90, template: 'four_ls', anonymous: true, timeboxSeconds: 60 };
    expect(startBody(f)).toEqual({ kind: 'poker', invite: true, product_id: 'p1', deck: 'tshirt', async_minutes: 90 });
  });
  it('sends the retro template and anonymity', () => {
    const f = { ...newStartForm('retro', 'p1'), title: '  Sprint 4  ', template: 'sailboat', anonymous: true, invite: false };
    expect(startBody(f)).toEqual({ kind: 'retro', invite: false, title: 'Sprint 4', product_id: 'p1', template: 'sailboat', anonymous: true });
  });
  it('sends a daily timebox only when there is one, and leaves defaults out', () => {
    expect(startBody({ ...newStartForm('daily'), timeboxSeconds: 120 })).toEqual({ kind: 'daily', invite: true, timebox_seconds: 120 });
    expect(startBody(newStartForm('daily'))).toEqual({ kind: 'daily', invite: true });
    expect(startBody(newStartForm('poker', 'p1'))).toEqual({ kind: 'poker', invite: true, product_id: 'p1' });
  });
});

describe('invitationOf', () => {
  const invited = entry({
    entity_type: 'notification',
    entity_id: 'n1',
    action: 'created',
    version: 1,
    changes: [
      { field: 'account_id', after: 'me' },
      { field: 'kind', after: 'invited' },
      { field: 'room_id', after: 'r9' },
    ],
  });
  it('reads an invitation', () => {
    expect(invitationOf(invited)).toEqual({ notificationId: 'n1', teamId: 't1', roomId: 'r9' });
  });
  it('ignores other notifications and other changes of one', () => {
    expect(invitationOf({ ...invited, changes: [{ field: 'kind', after: 'mention' }, { field: 'room_id', after: '' }] })).toBeNull();
    expect(invitationOf({ ...invited, action: 'updated' })).toBeNull();
    expect(invitationOf({ ...invited, entity_type: 'filter' })).toBeNull();
    expect(invitationOf({ ...invited, changes: [{ field: 'kind', after: 'invited' }] })).toBeNull();
  });
});

describe('words', () => {
  it('lists names the way each language does', () => {
    expect(waitingNames(['Ana'], 'en')).toBe('Ana');
    expect(waitingNames(['Ana', 'Li'], 'en')).toBe('Ana and Li');
    expect(waitingNames(['Ana', '', 'Li'], 'ru')).toBe('Ana и Li');
  });
  it('turns step ids into words', () => {
    expect(humanStep('write_notes')).toBe('Write notes');
    expect(humanStep('')).toBe('');
  });
});

describe('newer', () => {
  it('takes a view only when it is ahead of the one held, or of another room', () => {
    expect(newer(null, { id: 'r1', version: 1 })).toBe(true);
    expect(newer({ id: 'r1', version: 4 }, { id: 'r1', version: 5 })).toBe(true);
    expect(newer({ id: 'r1', version: 5 }, { id: 'r1', version: 5 })).toBe(false);
    expect(newer({ id: 'r1', version: 6 }, { id: 'r1', version: 5 })).toBe(false);
    expect(newer({ id: 'r1', version: 6 }, { id: 'r2', version: 1 })).toBe(true);
  });
});

describe('coalesce', () => {
  it('runs once more after a burst of calls during a run, never in parallel', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const gates: (() => void)[] = [];
    const run = coalesce(async () => {
      running++;
      most = Math.max(most, running);
      runs++;
      await new Promise<void>((r) => gates.push(r));
      running--;
    });
    const first = run();
    void run();
    void run();
    void run();
    expect(runs).toBe(1);
    gates.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    expect(runs).toBe(2);
    gates.shift()!();
    await first;
    expect(runs).toBe(2);
    expect(most).toBe(1);
    // A later call starts afresh.
    const later = run();
    expect(runs).toBe(3);
    gates.shift()!();
    await later;
  });
});
