// The operator console's logic: what a space's state allows, the space
// filter as query and job filter, quotas typed by people, byte sizes, and
// the watch that follows a running job.

import type { Schemas } from '../api/client';

export type Space = Schemas['Space'];
export type SpaceState = Space['state'];
export type Health = Space['health'];
export type Job = Schemas['Job'];
export type JobKind = Job['kind'];
export type JobState = Job['state'];
export type SpaceFilter = Schemas['SpaceFilter'];
export type AuditEntry = Schemas['AuditEntry'];
export type HealthCheck = Schemas['HealthCheck'];
export type Summary = Schemas['Summary'];
export type QuotaOverride = Schemas['QuotaOverride'];

export const spaceStates: readonly SpaceState[] = ['creating', 'active', 'suspended', 'archived', 'deleted'];
export const healthStates: readonly Health[] = ['unknown', 'ok', 'failing', 'alert'];
export const jobKinds: readonly JobKind[] = ['suspend', 'resume', 'archive', 'migrate', 'export', 'notify'];

/** A lifecycle action on one space. */
export type Lifecycle = 'suspend' | 'resume' | 'archive' | 'restore' | 'delete';

/**
 * actionsFor lists the lifecycle actions a space's state allows (the server's
 * table in docs/operating.md): a deleted space can only be restored, and only
 * before it is erased.
 */
export function actionsFor(space: Pick<Space, 'state' | 'purge_at'>, now: Date): Lifecycle[] {
  switch (space.state) {
    case 'active':
      return ['suspend', 'archive', 'delete'];
    case 'suspended':
      return ['resume', 'suspend', 'archive', 'delete'];
    case 'archived':
      return ['restore', 'delete'];
    case 'deleted':
      return space.purge_at && Date.parse(space.purge_at) <= now.getTime() ? [] : ['restore'];
    default:
      return [];
  }
}

/** What the space list shows: the search box and the state and health filters. */
export interface ListFilter {
  search: string;
  states: SpaceState[];
  health: Health[];
}

export const emptyFilter = (): ListFilter => ({ search: '', states: [], health: [] });

/** listQuery turns the filter into the list's query (empty parts left out). */
export function listQuery(f: ListFilter): { search?: string; state?: string[]; health?: string[] } {
  const q: { search?: string; state?: string[]; health?: string[] } = {};
  const search = f.search.trim();
  if (search) q.search = search;
  if (f.states.length) q.state = [...f.states];
  if (f.health.length) q.health = [...f.health];
  return q;
}

/** jobFilter turns the filter into a job's filter: the same spaces the list shows. */
export function jobFilter(f: ListFilter): SpaceFilter {
  const out: SpaceFilter = {};
  const search = f.search.trim();
  if (search) out.search = search;
  if (f.states.length) out.states = [...f.states];
  if (f.health.length) out.health = [...f.health];
  return out;
}

/** isFiltered reports whether the filter narrows the list at all. */
export function isFiltered(f: ListFilter): boolean {
  return !!f.search.trim() || f.states.length > 0 || f.health.length > 0;
}

/** filterFromQuery reads a filter from the address's query (?search=&state=&health=), keeping known values only. */
export function filterFromQuery(q: URLSearchParams): ListFilter {
  return {
    search: q.get('search') ?? '',
    states: q.getAll('state').filter((s): s is SpaceState => (spaceStates as readonly string[]).includes(s)),
    health: q.getAll('health').filter((s): s is Health => (healthStates as readonly string[]).includes(s)),
  };
}

/** filterToQuery writes a filter as a query string for the address ("" when empty). */
export function filterToQuery(f: ListFilter): string {
  const q = new URLSearchParams();
  const search = f.search.trim();
  if (search) q.set('search', search);
  for (const s of f.states) q.append('state', s);
  for (const h of f.health) q.append('health', h);
  const s = q.toString();
  return s ? `?${s}` : '';
}

const MiB = 1024 * 1024;

/** The quota form's fields as typed: members, items, and storage in MiB. Empty means the install's default. */
export interface QuotaForm {
  members: string;
  items: string;
  storage_mib: string;
}

/** quotaForm fills the form from a space's quota. */
export function quotaForm(q: Space['quota']): QuotaForm {
  const mib = q.storage_bytes / MiB;
  return {
    members: String(q.members),
    items: String(q.items),
    storage_mib: String(Number.isInteger(mib) ? mib : Math.round(mib * 100) / 100),
  };
}

/**
 * parseQuota checks the form: each field empty (the default) or a whole
 * number from 0 (no limit). It returns the override to send, or the fields
 * that are wrong, keyed as the API names them.
 */
export function parseQuota(f: QuotaForm): { ok: true; value: QuotaOverride } | { ok: false; fields: Partial<Record<keyof QuotaOverride, 'invalid'>> } {
  const value: QuotaOverride = {};
  const fields: Partial<Record<keyof QuotaOverride, 'invalid'>> = {};
  const read = (text: string, key: keyof QuotaOverride, scale = 1) => {
    const s = text.trim();
    if (!s) return;
    if (!/^\d+(\.\d+)?$/.test(s)) {
      fields[key] = 'invalid';
      return;
    }
    const n = Math.round(Number(s) * scale);
    if (!Number.isSafeInteger(n) || (scale === 1 && !/^\d+$/.test(s))) {
      fields[key] = 'invalid';
      return;
    }
    value[key] = n;
  };
  read(f.members, 'members');
  read(f.items, 'items');
  read(f.storage_mib, 'storage_bytes', MiB);
  return Object.keys(fields).length ? { ok: false, fields } : { ok: true, value };
}

/** bytes renders a size with a binary unit (B, KiB, MiB, GiB, TiB) in locale. */
export function bytes(n: number, locale = 'en'): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const digits = i === 0 || v >= 100 ? 0 : 1;
  return `${v.toLocaleString(locale, { maximumFractionDigits: digits })} ${units[i]}`;
}

/** jobActive reports whether a job is still moving (so worth watching). */
export function jobActive(state: JobState): boolean {
  return state === 'queued' || state === 'running';
}

/** jobPercent is how far a job is, 0 to 100 (a job of no spaces is done when finished). */
export function jobPercent(job: Pick<Job, 'done' | 'total' | 'state'>): number {
  if (job.total <= 0) return job.state === 'done' ? 100 : 0;
  return Math.min(100, Math.floor((job.done / job.total) * 100));
}

/** What a job's state allows: pause while it may run, resume when paused, cancel until it ends. */
export function jobControls(state: JobState): ('pause' | 'resume' | 'cancel')[] {
  switch (state) {
    case 'queued':
    case 'running':
      return ['pause', 'cancel'];
    case 'paused':
      return ['resume', 'cancel'];
    default:
      return [];
  }
}

type Timer = {
  set: (fn: () => void, ms: number) => unknown;
  clear: (id: unknown) => void;
};

const realTimer: Timer = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
};

/**
 * JobWatch follows a job: it asks for it every interval while it is queued
 * or running and reports each answer; it stops by itself when the job
 * pauses or ends, and on stop(). A failed request is reported and retried at
 * the next tick.
 */
export class JobWatch {
  private timer: unknown = null;
  private stopped = false;

  constructor(
    private fetchJob: () => Promise<Job>,
    private onJob: (job: Job) => void,
    private onError: (err: unknown) => void = () => undefined,
    private intervalMs = 1500,
    private clock: Timer = realTimer,
  ) {}

  /** start watches from job (the state known now). */
  start(job: Job): void {
    this.stopped = false;
    if (jobActive(job.state)) this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.clock.clear(this.timer);
    this.timer = null;
  }

  get watching(): boolean {
    return this.timer !== null;
  }

  private schedule(): void {
    this.timer = this.clock.set(() => void this.tick(), this.intervalMs);
  }

  private async tick(): Promise<void> {
    this.timer = null;
    if (this.stopped) return;
    let job: Job;
    try {
      job = await this.fetchJob();
    } catch (err) {
      if (this.stopped) return;
      this.onError(err);
      this.schedule();
      return;
    }
    if (this.stopped) return;
    this.onJob(job);
    if (jobActive(job.state)) this.schedule();
  }
}

/** auditDetails renders an audit entry's details as "key: value" parts, for one line. */
export function auditDetails(details: Record<string, unknown> | undefined): string {
  if (!details) return '';
  return Object.entries(details)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ');
}
