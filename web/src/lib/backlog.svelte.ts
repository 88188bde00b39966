// A product's backlog as the screen holds it: items in rank order, read
// page by page under a filter, kept current by the screen's own saves and
// by changes arriving live.

import type { Client, Entry, Item } from '../api/client';
import { ApiError } from '../api/problem';
import { matches, toApi, type FilterState } from './filters';
import { applyToList, placeInList, touchesText } from './live';

export const pageSize = 100;

export class BacklogList {
  items = $state.raw<Item[]>([]);
  next = $state<string | undefined>(undefined);
  state = $state<'loading' | 'ready' | 'error'>('loading');
  error = $state.raw<ApiError | null>(null);
  loadingMore = $state(false);
  private api: Pick<Client, 'get'>;
  private team: string;
  private product: string;
  readonly filter: FilterState;
  private serial = 0;

  constructor(api: Pick<Client, 'get'>, team: string, product: string, filter: FilterState) {
    this.api = api;
    this.team = team;
    this.product = product;
    this.filter = filter;
  }

  /** complete is true when every matching item is loaded. */
  get complete(): boolean {
    return this.state === 'ready' && !this.next;
  }

  private page(cursor?: string) {
    return this.api.get('/api/v1/teams/{team}/products/{product}/items', {
      path: { team: this.team, product: this.product },
      query: { ...toApi(this.filter), limit: pageSize, cursor },
    });
  }

  /** load reads the first page again (keeping what is shown until it comes). */
  async load(): Promise<void> {
    const serial = ++this.serial;
    if (this.items.length === 0) this.state = 'loading';
    try {
      const p = await this.page();
      if (serial !== this.serial) return;
      this.items = p.items ?? [];
      this.next = p.next_cursor;
      this.state = 'ready';
      this.error = null;
    } catch (e) {
      if (serial !== this.serial) return;
      this.error = e instanceof ApiError ? e : new ApiError(0, 'network', { detail: String(e) });
      if (this.items.length === 0) this.state = 'error';
    }
  }

  /** more reads the next page. */
  async more(): Promise<void> {
    if (!this.next || this.loadingMore) return;
    this.loadingMore = true;
    const serial = this.serial;
    try {
      const p = await this.page(this.next);
      if (serial !== this.serial) return;
      const have = new Set(this.items.map((i) => i.id));
      this.items = [...this.items, ...(p.items ?? []).filter((i) => !have.has(i.id))];
      this.next = p.next_cursor;
    } catch (e) {
      this.error = e instanceof ApiError ? e : new ApiError(0, 'network', { detail: String(e) });
    } finally {
      this.loadingMore = false;
    }
  }

  /** keep reports whether an item belongs on this list, as far as the filter can tell here. */
  keep = (it: Item): boolean | undefined => it.product_id === this.product && matches(this.filter, it);

  /** put shows an item as saved: in its place by rank, or gone when it no longer matches. */
  put(it: Item): void {
    const k = this.keep(it);
    if (k === false) {
      this.items = this.items.filter((x) => x.id !== it.id);
      return;
    }
    // Text filters: a saved item stays where it is shown; the server is asked on the next load.
    this.items = placeInList(this.items, it, !this.next).items;
  }

  remove(id: string): void {
    this.items = this.items.filter((x) => x.id !== id);
  }

  /** set shows the items in this order at once (a drag, before the server answers). */
  set(items: Item[]): void {
    this.items = items;
  }

  /** apply brings the list up to date with a committed change. */
  async apply(entry: Entry): Promise<void> {
    if (entry.entity_type === 'backlog' && entry.entity_id === this.product) {
      await this.load(); // ranks were spread again
      return;
    }
    if (entry.entity_type !== 'item') return;
    const textual = this.filter.text.trim() !== '' && touchesText(entry);
    const keep = textual ? () => undefined : this.keep;
    const up = applyToList(this.items, entry, keep, !this.next);
    if (up.changed) this.items = up.items;
    for (const id of up.refetch) await this.refetch(id);
  }

  /** refetch shows an item as the server has it now, or drops it when it no longer belongs here. */
  async refetch(id: string): Promise<void> {
    if (this.filter.text.trim()) {
      // Only the server can judge a text search (it reads comments too): ask it again.
      await this.load();
      return;
    }
    try {
      const it = await this.api.get('/api/v1/teams/{team}/items/{item}', { path: { team: this.team, item: id } });
      if (this.keep(it) === false) this.remove(id);
      else this.items = placeInList(this.items, it, !this.next).items;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) this.remove(id);
    }
  }
}
