// The team space a screen works in: the team and the member's role, its
// workflow, members and products, loaded once and shared by the backlog,
// board, sprints and settings. The chosen product is kept per team.

import type { Client, MemberInfo, Product, Role, Status, TeamView } from '../api/client';
import { ApiError } from '../api/problem';
import { can, type Permission } from './permissions';

export type WorkspaceState = 'idle' | 'loading' | 'ready' | 'missing' | 'error';

const productKey = (team: string) => `pama.product.${team}`;

export class Workspace {
  slug = $state('');
  state = $state<WorkspaceState>('idle');
  error = $state.raw<ApiError | null>(null);
  team = $state.raw<TeamView | null>(null);
  statuses = $state.raw<Status[]>([]);
  members = $state.raw<MemberInfo[]>([]);
  products = $state.raw<Product[]>([]);
  private api: Pick<Client, 'get'>;
  private pending: Promise<void> | null = null;

  constructor(api: Pick<Client, 'get'>) {
    this.api = api;
  }

  /** open loads the team at slug, once; force loads it again. */
  open(slug: string, force = false): Promise<void> {
    if (slug === this.slug && this.pending) return this.pending;
    if (slug === this.slug && this.state === 'ready' && !force) return Promise.resolve();
    if (slug !== this.slug) {
      this.slug = slug;
      this.team = null;
      this.statuses = [];
      this.members = [];
      this.products = [];
    }
    this.state = this.team ? 'ready' : 'loading';
    const run = (async () => {
      try {
        const path = { team: slug };
        const [team, statuses, members, products] = await Promise.all([
          this.api.get('/api/v1/teams/{team}', { path }),
          this.api.get('/api/v1/teams/{team}/statuses', { path }),
          this.loadMembers(slug),
          this.api.get('/api/v1/teams/{team}/products', { path, query: { include_archived: true, limit: 200 } }),
        ]);
        if (this.slug !== slug) return;
        this.team = team;
        this.statuses = statuses.statuses ?? [];
        this.members = members;
        this.products = products.products ?? [];
        this.state = 'ready';
        this.error = null;
      } catch (e) {
        if (this.slug !== slug) return;
        if (e instanceof ApiError && (e.status === 404 || e.status === 403)) this.state = 'missing';
        else {
          this.error = e instanceof ApiError ? e : new ApiError(0, 'network', { detail: String(e) });
          this.state = this.team ? 'ready' : 'error';
        }
      } finally {
        if (this.slug === slug) this.pending = null;
      }
    })();
    this.pending = run;
    return run;
  }

  private async loadMembers(slug: string): Promise<MemberInfo[]> {
    const out: MemberInfo[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await this.api.get('/api/v1/teams/{team}/members', { path: { team: slug }, query: { limit: 200, cursor } });
      out.push(...(page.members ?? []));
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    return out;
  }

  /** reloadStatuses fetches the workflow again (after a change to it). */
  async reloadStatuses(): Promise<void> {
    const out = await this.api.get('/api/v1/teams/{team}/statuses', { path: { team: this.slug } });
    this.statuses = out.statuses ?? [];
  }

  async reloadMembers(): Promise<void> {
    this.members = await this.loadMembers(this.slug);
  }

  async reloadProducts(): Promise<void> {
    const out = await this.api.get('/api/v1/teams/{team}/products', { path: { team: this.slug }, query: { include_archived: true, limit: 200 } });
    this.products = out.products ?? [];
  }

  get role(): Role | undefined {
    return this.team?.role;
  }

  /** can reports whether the member may do perm (a read-only, suspended space allows only reading). */
  can(perm: Permission): boolean {
    if (this.team?.state === 'suspended' && perm !== 'team.view') return false;
    return can(this.role, perm);
  }

  /** memberName is how a member is shown: their name, else their email, else "someone". */
  memberName(id: string | undefined): string {
    const m = this.members.find((x) => x.account_id === id);
    if (!m) return '';
    return m.display_name.trim() || m.email.split('@')[0] || m.email;
  }

  status(id: string): Status | undefined {
    return this.statuses.find((s) => s.id === id);
  }

  /** activeProducts are the products not archived, by name. */
  get activeProducts(): Product[] {
    return this.products.filter((p) => !p.archived);
  }

  /**
   * product picks the product a screen shows: the one named in the address
   * (key or id), else the one last chosen in this team, else the first.
   */
  product(ref?: string | null): Product | undefined {
    const find = (r: string) => this.products.find((p) => p.key.toLowerCase() === r.toLowerCase() || p.id === r);
    if (ref) {
      const p = find(ref);
      if (p) return p;
    }
    let saved: string | null = null;
    try {
      saved = localStorage.getItem(productKey(this.slug));
    } catch {
      saved = null;
    }
    const remembered = saved ? find(saved) : undefined;
    if (remembered && !remembered.archived) return remembered;
    return this.activeProducts[0] ?? this.products[0];
  }

  /** choose remembers the product chosen in this team. */
  choose(p: Product): void {
    try {
      localStorage.setItem(productKey(this.slug), p.key);
    } catch {
      // Not kept; no harm.
    }
  }
}
