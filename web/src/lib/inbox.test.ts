import { describe, expect, it, vi } from 'vitest';
import type { Entry, MyTeam } from '../api/client';
import { ApiError } from '../api/problem';
import { Inbox } from './inbox.svelte';

const at = '2026-11-27T10:00:00Z';
const teams = [{ id: 't1', slug: 'whales', name: 'Whales', role: 'member' } as MyTeam];

function invited(id: string, room: string, team = 't1'): Entry {
  return {
    seq: 1,
    team_id: team,
    at,
    actor_id: 'ana',
    entity_type: 'notification',
    entity_id: id,
    action: 'created',
    version: 1,
    changes: [
      { field: 'account_id', after: 'me' },
      { field: 'kind', after: 'invited' },
      { field: 'room_id', after: room },
    ],
  };
}

function fakeApi(opts: { status?: 'active' | 'finished'; unread?: number } = {}) {
  const calls: string[] = [];
  const api = {
    get: vi.fn(async (path: string, init: { path: Record<string, string>; query?: Record<string, unknown> }) => {
      calls.push(`${path} ${JSON.stringify(init.path)}`);
      if (path.endsWith('/rooms/{room}')) {
        return {
          id: init.path.room,
          kind: 'refinement',
          title: 'Backlog refinement',
          status: opts.status ?? 'active',
          participants: [
            { account_id: 'ana', joined_at: at, active: true },
            { account_id: 'li', joined_at: at, active: true },
            { account_id: 'bo', joined_at: at, active: false },
            { account_id: 'me', joined_at: at, active: true },
          ],
        };
      }
      if (path.endsWith('/members')) {
        return {
          members: [
            { account_id: 'ana', display_name: 'Ana', email: 'ana@example.com' },
            { account_id: 'li', display_name: '', email: 'li@example.com' },
            { account_id: 'bo', display_name: 'Bo', email: 'bo@example.com' },
          ],
        };
      }
      if (path.endsWith('/notifications')) return { notifications: [], unread: opts.unread ?? 0 };
      throw new ApiError(404, 'http', { status: 404 });
    }),
    patch: vi.fn(async () => ({})),
  };
  return { api, calls };
}

describe('Inbox', () => {
  it('turns a live invitation into a banner naming who waits, with the team address', async () => {
    const { api } = fakeApi();
    const inbox = new Inbox(api as never, () => teams, () => 'me');
    await inbox.entry(invited('n1', 'r1'));
    expect(inbox.invitations).toEqual([{ id: 'n1', teamId: 't1', slug: 'whales', roomId: 'r1', kind: 'refinement', title: 'Backlog refinement', names: ['Ana', 'li'] }]);
  });

  it('shows an invitation once, even when it arrives twice, and fetches members once per team', async () => {
    const { api, calls } = fakeApi();
    const inbox = new Inbox(api as never, () => teams, () => 'me');
    await inbox.entry(invited('n1', 'r1'));
    await inbox.entry(invited('n1', 'r1'));
    await inbox.entry(invited('n2', 'r2'));
    expect(inbox.invitations.map((i) => i.id)).toEqual(['n1', 'n2']);
    expect(calls.filter((c) => c.includes('/members')).length).toBe(1);
  });

  it('skips invitations to rooms that have finished', async () => {
    const { api } = fakeApi({ status: 'finished' });
    const inbox = new Inbox(api as never, () => teams, () => 'me');
    await inbox.entry(invited('n1', 'r1'));
    expect(inbox.invitations).toEqual([]);
  });

  it('keeps the newest few banners, and dismisses by id or by room', async () => {
    const { api } = fakeApi();
    const inbox = new Inbox(api as never, () => teams, () => 'me');
    for (let i = 1; i <= 5; i++) await inbox.entry(invited(`n${i}`, `r${i}`));
    expect(inbox.invitations.map((i) => i.id)).toEqual(['n3', 'n4', 'n5']);
    inbox.dismiss('n4');
    inbox.dismissRoom('r5');
    expect(inbox.invitations.map((i) => i.id)).toEqual(['n3']);
  });

  it('counts unread notifications of the watched team and reads again when one changes there', async () => {
    const fake = fakeApi({ unread: 2 });
    const inbox = new Inbox(fake.api as never, () => teams, () => 'me');
    await inbox.watch('t1');
    expect(inbox.unread).toBe(2);
    const before = inbox.serial;
    fake.calls.length = 0;
    await inbox.entry({ ...invited('n1', 'r1', 't2'), changes: [{ field: 'kind', after: 'mention' }] });
    expect(inbox.serial).toBe(before + 1);
    expect(fake.calls.some((c) => c.includes('/notifications'))).toBe(false); // another team's
    await inbox.entry({ ...invited('n2', 'r1'), changes: [{ field: 'kind', after: 'mention' }] });
    expect(fake.calls.some((c) => c.includes('/notifications'))).toBe(true);
  });

  it('ignores entries that are not notifications', async () => {
    const { api } = fakeApi();
    const inbox = new Inbox(api as never, () => teams, () => 'me');
    await inbox.entry({ ...invited('n1', 'r1'), entity_type: 'filter' });
    expect(inbox.serial).toBe(0);
    expect(api.get).not.toHaveBeenCalled();
  });
});
