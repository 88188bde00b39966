// The reports API's answers shaped into what the chart components draw:
// bars of velocity, lines of a burndown and a burnup with their ideal
// lines, layers of the cumulative flow, dots of cycle time, and the days of
// a team that lives in its own time zone.
import type { Schemas, Sprint } from '../api/client';
import { addDays } from './dates';
import type { Bar, Point } from './charts';

export type Velocity = Schemas['Velocity'];
export type Burndown = Schemas['Burndown'];
export type Flow = Schemas['Flow'];
export type CycleTime = Schemas['CycleTimeResponseBody'];
export type Cycle = Schemas['Cycle'];
export type Estimation = Schemas['EstimationResponseBody'];
export type RetroActions = Schemas['RetroActionsResponseBody'];

/** What a chart counts: story points or items. */
export type Unit = 'points' | 'items';

const round1 = (n: number) => Math.round(n * 10) / 10;

/** velocityChart turns the velocity report into bars (committed, completed) per sprint and the average. */
export function velocityChart(v: Velocity | null | undefined, unit: Unit): { bars: Bar[]; average: number } {
  const sprints = [...(v?.sprints ?? [])].sort((a, b) => a.number - b.number);
  const bars = sprints.map((s) => ({
    label: s.name,
    values: unit === 'points' ? [s.committed_points, s.completed_points] : [s.committed_items, s.completed_items],
  }));
  const average = unit === 'points' ? (v?.average_completed_points ?? 0) : (v?.average_completed_items ?? 0);
  return { bars, average: round1(average) };
}

/**
 * burnLines turns a sprint's burndown report into the points of its lines.
 * Days still to come carry only the ideal line: the measured lines stop at
 * the last day measured. The ideal burnup is the commitment minus the ideal
 * remaining.
 */
export function burnLines(
  b: Burndown | null | undefined,
  unit: Unit,
): { remaining: Point[]; idealRemaining: Point[]; completed: Point[]; scope: Point[]; idealCompleted: Point[] } {
  const out = { remaining: [] as Point[], idealRemaining: [] as Point[], completed: [] as Point[], scope: [] as Point[], idealCompleted: [] as Point[] };
  if (!b) return out;
  const committed = unit === 'points' ? b.committed_points : b.committed_items;
  for (const d of b.days ?? []) {
    const ideal = unit === 'points' ? d.ideal_remaining_points : d.ideal_remaining_items;
    out.idealRemaining.push({ date: d.date, value: round2(ideal) });
    out.idealCompleted.push({ date: d.date, value: round2(committed - ideal) });
    const remaining = unit === 'points' ? d.remaining_points : d.remaining_items;
    if (remaining === undefined) continue;
    out.remaining.push({ date: d.date, value: remaining });
    out.completed.push({ date: d.date, value: (unit === 'points' ? d.completed_points : d.completed_items) ?? 0 });
    out.scope.push({ date: d.date, value: (unit === 'points' ? d.scope_points : d.scope_items) ?? 0 });
  }
  return out;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** defaultSprint is the sprint a burndown opens on: the active one, else the last completed, else none. */
export function defaultSprint<S extends Pick<Sprint, 'id' | 'state' | 'number'>>(sprints: readonly S[]): S | undefined {
  const active = sprints.find((s) => s.state === 'active');
  if (active) return active;
  return [...sprints].filter((s) => s.state === 'completed').sort((a, b) => b.number - a.number)[0];
}

/** burnableSprints are the sprints a burndown can be asked for, newest first: the active and completed ones. */
export function burnableSprints<S extends Pick<Sprint, 'state' | 'number'>>(sprints: readonly S[]): S[] {
  return sprints.filter((s) => s.state !== 'planned').sort((a, b) => b.number - a.number);
}

/** flowLayers are the cumulative flow's layers per status category, done at the bottom. */
export function flowLayers(f: Flow | null | undefined): Record<'done' | 'in_progress' | 'todo', Point[]> {
  const days = f?.days ?? [];
  return {
    done: days.map((d) => ({ date: d.date, value: d.done })),
    in_progress: days.map((d) => ({ date: d.date, value: d.in_progress })),
    todo: days.map((d) => ({ date: d.date, value: d.todo })),
  };
}

/** Parts of a day in a time zone, from the platform's calendar. */
function dayParts(instant: Date, timeZone: string): string {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const p = Object.fromEntries(f.formatToParts(instant).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}

/**
 * dayIn is the calendar day (YYYY-MM-DD) an instant falls on in the team's
 * time zone; an unknown zone counts as UTC, as the server does before a
 * zone is set.
 */
export function dayIn(instant: string | Date, timeZone: string): string {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  if (Number.isNaN(d.getTime())) return '';
  try {
    return dayParts(d, timeZone || 'UTC');
  } catch {
    return dayParts(d, 'UTC');
  }
}

/** rangeEnding is the range of days (from, to) that ends today in the team's time zone and spans days days. */
export function rangeEnding(now: Date, timeZone: string, days: number): { from: string; to: string } {
  const to = dayIn(now, timeZone);
  return { from: addDays(to, -(Math.max(1, days) - 1)), to };
}

/** The ranges of days the reports screen offers, in days; 30 unless the address says otherwise. */
export const rangePresets = [14, 30, 90, 180] as const;

/** What the reports screen shows, kept in its address so links, reloads and the back button keep it. */
export interface ReportChoice {
  unit: Unit;
  /** The sprint of the burndown; "" for the screen's default. */
  sprint: string;
  /** The last n days, or chosen dates (from, to: YYYY-MM-DD, either may be empty while being typed). */
  days: number | 'custom';
  from: string;
  to: string;
}

const isDay = (s: string | null): s is string => !!s && /^\d{4}-\d{2}-\d{2}$/.test(s);

/** choiceFromQuery reads the screen's choice from the address; anything unknown gives the default. */
export function choiceFromQuery(q: URLSearchParams): ReportChoice {
  const unit: Unit = q.get('unit') === 'items' ? 'items' : 'points';
  const sprint = q.get('sprint') ?? '';
  if (q.get('days') === 'custom') {
    const from = q.get('from');
    const to = q.get('to');
    return { unit, sprint, days: 'custom', from: isDay(from) ? from : '', to: isDay(to) ? to : '' };
  }
  const n = Number(q.get('days'));
  return { unit, sprint, days: (rangePresets as readonly number[]).includes(n) ? n : 30, from: '', to: '' };
}

/** choiceToQuery writes c into a copy of base, leaving out what is the default. */
export function choiceToQuery(c: ReportChoice, base: URLSearchParams): URLSearchParams {
  const q = new URLSearchParams(base);
  for (const k of ['unit', 'sprint', 'days', 'from', 'to']) q.delete(k);
  if (c.unit !== 'points') q.set('unit', c.unit);
  if (c.sprint) q.set('sprint', c.sprint);
  if (c.days === 'custom') {
    q.set('days', 'custom');
    if (c.from) q.set('from', c.from);
    if (c.to) q.set('to', c.to);
  } else if (c.days !== 30) q.set('days', String(c.days));
  return q;
}

/** daysBetween counts the days of a range, both ends included (0 for a bad range). */
export function daysBetween(from: string, to: string): number {
  const a = Date.parse(`${from}T00:00:00Z`);
  const b = Date.parse(`${to}T00:00:00Z`);
  if (Number.isNaN(a) || Number.isNaN(b) || b < a) return 0;
  return Math.round((b - a) / 86_400_000) + 1;
}

/** A dot of the cycle-time scatter: the day the item was completed (team's days) and how long it took. */
export interface Dot {
  date: string;
  days: number;
  key: string;
  title: string;
}

/** cycleDots places each completed item on the day it was completed in the team's time zone. */
export function cycleDots(items: readonly Cycle[], timeZone: string): Dot[] {
  return items
    .map((c) => ({ date: dayIn(c.completed_at, timeZone), days: round1(c.cycle_days), key: c.key, title: c.title }))
    .filter((d) => d.date !== '');
}

/** estimationBars are, per estimate, the median and the 85th percentile of the cycle time in days. */
export function estimationBars(e: Estimation | null | undefined, pointsLabel: (points: number) => string): Bar[] {
  return [...(e?.groups ?? [])]
    .sort((a, b) => a.points - b.points)
    .map((g) => ({ label: pointsLabel(g.points), values: [round1(g.median_days), round1(g.p85_days)] }));
}

/** retroBars are, per sprint whose retrospective decided them, the actions created, done and still open. */
export function retroBars(r: RetroActions | null | undefined, noSprint: string): Bar[] {
  return [...(r?.sprints ?? [])]
    .sort((a, b) => (a.number ?? 0) - (b.number ?? 0))
    .map((s) => ({ label: s.name || noSprint, values: [s.created, s.done, s.open] }));
}

/** Debounce: run fn once, ms after the last call; cancel stops a pending run. */
export function debounce(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const call = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
  };
  call.cancel = () => clearTimeout(timer);
  return call;
}

/**
 * timeZones lists the IANA zones the browser knows (with UTC and current
 * always in), grouped by their first part (Europe, America, ...), or null
 * when the browser cannot list them.
 */
export function timeZones(current: string, supported?: readonly string[]): { group: string; zones: string[] }[] | null {
  let list = supported;
  if (!list) {
    const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
    if (typeof intl.supportedValuesOf !== 'function') return null;
    try {
      list = intl.supportedValuesOf('timeZone');
    } catch {
      return null;
    }
  }
  const all = new Set(list);
  all.add('UTC');
  if (current) all.add(current);
  const groups = new Map<string, string[]>();
  for (const z of [...all].sort()) {
    const g = z.includes('/') ? z.slice(0, z.indexOf('/')) : '';
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(z);
  }
  return [...groups].map(([group, zones]) => ({ group, zones })).sort((a, b) => (a.group === '' ? -1 : b.group === '' ? 1 : a.group.localeCompare(b.group)));
}

/** zoneOffset is how a zone stands to UTC now ("GMT+1", "GMT-5"), or "" when the browser cannot say. */
export function zoneOffset(zone: string, at = new Date()): string {
  try {
    const p = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'shortOffset' }).formatToParts(at);
    return p.find((x) => x.type === 'timeZoneName')?.value ?? '';
  } catch {
    return '';
  }
}
