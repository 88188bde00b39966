// The member's inbox as the shell shows it: how many notifications are
// unread in the team on screen, and invitations to ceremony rooms that
// arrive live ("Ana and Li are waiting for you in refinement — Join"). Fed
// by the member channel (member:<account>), which carries every team's
// notifications of the account.

import type { Client, Entry, MemberInfo, MyTeam, RoomKind } from '../api/client';
import { invitationOf, isRoomKind, notificationEntry } from './ceremonies';

/** An invitation shown as a banner until joined or dismissed. */
export interface Invitation {
  /** The notification's id. */
  id: string;
  teamId: string;
  /** The team's address, for the link. */
  slug: string;
  roomId: string;
  kind: RoomKind;
  title: string;
  /** Who waits in the room, by name. */
  names: string[];
}

type Api = Pick<Client, 'get' | 'patch'>;

export class Inbox {
  /** Unread notifications in the team the shell shows (its id). */
  unread = $state(0);
  teamId = $state('');
  /** Counts notification changes, so an open inbox screen knows to reload. */
  serial = $state(0);
  invitations = $state.raw<Invitation[]>([]);
  /** At most this many banners at once; older ones make room. */
  readonly max = 3;
  private api: Api;
  private teams: () => readonly MyTeam[];
  private me: () => string | undefined;
  private members = new Map<string, Promise<MemberInfo[]>>();

  constructor(api: Api, teams: () => readonly MyTeam[], me: () => string | undefined) {
    this.api = api;
    this.teams = teams;
    this.me = me;
  }

  /** watch follows the unread count of a team (by id; "" for none). */
  async watch(teamId: string): Promise<void> {
    if (teamId === this.teamId) return;
    this.teamId = teamId;
    this.unread = 0;
    await this.refresh();
  }

  /** refresh reads the unread count of the watched team again. */
  async refresh(): Promise<void> {
    const team = this.teamId;
    if (!team) return;
    try {
      const page = await this.api.get('/api/v1/teams/{team}/notifications', { path: { team }, query: { unread: true, limit: 1 } });
      if (this.teamId === team) this.unread = page.unread;
    } catch {
      // The count is a nicety; the inbox screen shows the truth.
    }
  }

  /** entry handles an entry of the member channel. */
  async entry(e: Entry): Promise<void> {
    if (!notificationEntry(e)) return;
    this.serial++;
    if (e.team_id === this.teamId) void this.refresh();
    const ref = invitationOf(e);
    if (!ref || this.invitations.some((i) => i.id === ref.notificationId)) return;
    const inv = await this.resolve(ref.notificationId, ref.teamId, ref.roomId);
    if (inv && !this.invitations.some((i) => i.id === inv.id)) this.invitations = [...this.invitations, inv].slice(-this.max);
  }

  /** resolve fetches what an invitation shows: the room and who waits in it. */
  private async resolve(id: string, teamId: string, roomId: string): Promise<Invitation | null> {
    const slug = this.teams().find((t) => t.id === teamId)?.slug ?? teamId;
    try {
      const [room, members] = await Promise.all([
        this.api.get('/api/v1/teams/{team}/rooms/{room}', { path: { team: teamId, room: roomId } }),
        this.names(teamId),
      ]);
      if (room.status !== 'active' || !isRoomKind(room.kind)) return null;
      const me = this.me();
      const names = (room.participants ?? [])
        .filter((p) => p.active && p.account_id !== me)
        .map((p) => {
          const m = members.find((x) => x.account_id === p.account_id);
          return m ? m.display_name.trim() || m.email.split('@')[0] || m.email : '';
        })
        .filter(Boolean);
      return { id, teamId, slug, roomId, kind: room.kind, title: room.title, names };
    } catch {
      return null;
    }
  }

  /** names returns a team's members, fetched once per team. */
  private names(teamId: string): Promise<MemberInfo[]> {
    let p = this.members.get(teamId);
    if (!p) {
      p = this.api.get('/api/v1/teams/{team}/members', { path: { team: teamId }, query: { limit: 200 } }).then(
        (r) => r.members ?? [],
        () => {
          this.members.delete(teamId);
          return [];
        },
      );
      this.members.set(teamId, p);
    }
    return p;
  }

  /** dismiss hides an invitation's banner (it stays in the inbox). */
  dismiss(id: string): void {
    this.invitations = this.invitations.filter((i) => i.id !== id);
  }

  /** dismissRoom hides the banners of a room (its page is open). */
  dismissRoom(roomId: string): void {
    if (this.invitations.some((i) => i.roomId === roomId)) this.invitations = this.invitations.filter((i) => i.roomId !== roomId);
  }

  /** markRead marks a notification read; the member channel brings the change back to every tab. */
  async markRead(teamId: string, id: string): Promise<void> {
    await this.api.patch('/api/v1/teams/{team}/notifications/{notification}', { path: { team: teamId, notification: id }, body: { read: true } });
    if (teamId === this.teamId) this.unread = Math.max(0, this.unread - 1);
  }

  /** reset forgets everything (sign-out). */
  reset(): void {
    this.teamId = '';
    this.unread = 0;
    this.invitations = [];
    this.members.clear();
  }
}
