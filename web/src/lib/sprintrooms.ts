// The logic of the daily, sprint planning and sprint review rooms, apart
// from their components so it can be tested alone: progress shares, the
// forecast and how committed points sit against it, the daily's turns, and
// the review's verdicts.

import type { Schemas } from '../api/client';

export type SprintProgress = Schemas['SprintProgress'];
export type DailyView = Schemas['DailyView'];
export type DailyTurn = Schemas['DailyTurn'];
export type DailyBlocker = Schemas['DailyBlocker'];
export type PlanningView = Schemas['PlanningView'];
export type PlanningForecast = Schemas['PlanningForecast'];
export type PlanItem = Schemas['PlanItem'];
export type ReviewView = Schemas['ReviewView'];
export type ReviewItem = Schemas['ReviewItem'];

/** percent returns done as a whole percentage of total, 0 to 100 (0 when there is no total). */
export function percent(done: number, total: number): number {
  if (!(total > 0) || !(done > 0)) return 0;
  return Math.min(100, Math.round((done / total) * 100));
}

/** The shares of a sprint that are done. */
export interface ProgressShare {
  items: number;
  points: number;
  /** Whether the sprint has points at all (else the bar follows items). */
  hasPoints: boolean;
  /** The share the progress bar shows: points when there are any, else items. */
  bar: number;
}

/** progressShare turns a sprint's progress into percentages. */
export function progressShare(p: SprintProgress): ProgressShare {
  const items = percent(p.done_items, p.total_items);
  const points = percent(p.done_points, p.total_points);
  const hasPoints = p.total_points > 0;
  return { items, points, hasPoints, bar: hasPoints ? points : items };
}

/** round1 rounds to one decimal, so sums of halves never show as 20.499999. */
export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** How a forecast reads. */
export type ForecastText =
  | { kind: 'none' }
  /** One completed sprint, or sprints that all completed the same: one number, still from history. */
  | { kind: 'single'; value: number; sprints: number }
  | { kind: 'range'; low: number; high: number; mean: number; sprints: number };

/** forecastText says how to show a forecast: a range with its mean, never one number made up from a range. */
export function forecastText(f: PlanningForecast): ForecastText {
  if (f.no_history || f.sprints === 0) return { kind: 'none' };
  if (f.low === f.high) return { kind: 'single', value: round1(f.low), sprints: f.sprints };
  return { kind: 'range', low: round1(f.low), high: round1(f.high), mean: round1(f.mean), sprints: f.sprints };
}

/** Where committed points sit on a gauge against the forecast range and the capacity, in percent of its width. */
export interface Gauge {
  /** The scale's end, in points. */
  max: number;
  committed: number;
  /** The forecast band; absent without history. */
  band?: { from: number; to: number };
  mean?: number;
  /** The team's capacity in points; absent when nobody planned points. */
  capacity?: number;
}

/** gauge places committed points, the forecast band and capacity on one scale with some room to spare. */
export function gauge(pv: Pick<PlanningView, 'committed_points' | 'forecast' | 'capacity_points'>): Gauge {
  const f = pv.forecast;
  const hasForecast = !f.no_history && f.sprints > 0;
  const top = Math.max(pv.committed_points, hasForecast ? f.high : 0, pv.capacity_points, 1);
  const max = top * 1.15;
  const at = (v: number) => Math.min(100, Math.max(0, Math.round((v / max) * 1000) / 10));
  const g: Gauge = { max: round1(max), committed: at(pv.committed_points) };
  if (hasForecast) {
    g.band = { from: at(f.low), to: at(f.high) };
    g.mean = at(f.mean);
  }
  if (pv.capacity_points > 0) g.capacity = at(pv.capacity_points);
  return g;
}

/** A warning about a sprint's commitment. */
export type PlanWarning =
  | { code: 'over_forecast'; committed: number; high: number }
  | { code: 'over_capacity'; committed: number; capacity: number }
  | { code: 'unestimated'; count: number }
  | { code: 'needs_refinement'; count: number };

/** planWarnings lists what the planning should know before it commits, the most serious first. */
export function planWarnings(pv: PlanningView): PlanWarning[] {
  const out: PlanWarning[] = [];
  const committed = round1(pv.committed_points);
  if (pv.over_forecast) out.push({ code: 'over_forecast', committed, high: round1(pv.forecast.high) });
  if (pv.over_capacity) out.push({ code: 'over_capacity', committed, capacity: round1(pv.capacity_points) });
  if (pv.unestimated > 0) out.push({ code: 'unestimated', count: pv.unestimated });
  const refine = (pv.items ?? []).filter((i) => i.needs_refinement).length;
  if (refine > 0) out.push({ code: 'needs_refinement', count: refine });
  return out;
}

/** What a person's turn in the daily is. */
export type TurnState = 'speaking' | 'spoke' | 'skipped' | 'waiting' | 'absent';

/** One row of the daily's turns. */
export interface TurnRow {
  id: string;
  state: TurnState;
  overtime: boolean;
  /** How long the turn took, in seconds (ended turns). */
  seconds?: number;
}

/**
 * turnRows lists the daily's people: the turns in the order they came (the
 * speaker among them), then who waits in the room, then the team's members
 * who are not in it and have not had a turn (absent: they may be skipped).
 */
export function turnRows(dv: Pick<DailyView, 'turns' | 'waiting' | 'speaker'>, members: readonly string[] = []): TurnRow[] {
  const rows: TurnRow[] = [];
  const seen = new Set<string>();
  for (const t of dv.turns ?? []) {
    if (seen.has(t.account_id)) continue;
    seen.add(t.account_id);
    const speaking = t.account_id === dv.speaker && !t.ended_at;
    const row: TurnRow = { id: t.account_id, state: t.skipped ? 'skipped' : speaking ? 'speaking' : 'spoke', overtime: !!t.overtime };
    if (!speaking && !t.skipped && t.ended_at) row.seconds = turnSeconds(t, Date.parse(t.ended_at));
    rows.push(row);
  }
  for (const id of dv.waiting ?? []) {
    if (seen.has(id)) continue;
    seen.add(id);
    rows.push({ id, state: 'waiting', overtime: false });
  }
  for (const id of members) {
    if (seen.has(id)) continue;
    seen.add(id);
    rows.push({ id, state: 'absent', overtime: false });
  }
  return rows;
}

/** turnSeconds returns how long a turn has lasted at now (ms), in whole seconds. */
export function turnSeconds(t: Pick<DailyTurn, 'started_at' | 'ended_at'>, now: number): number {
  const start = Date.parse(t.started_at);
  if (Number.isNaN(start)) return 0;
  const end = t.ended_at ? Date.parse(t.ended_at) : now;
  return Math.max(0, Math.floor(((Number.isNaN(end) ? now : end) - start) / 1000));
}

/** currentTurn returns the speaker's open turn. */
export function currentTurn(dv: Pick<DailyView, 'turns' | 'speaker'>): DailyTurn | undefined {
  if (!dv.speaker) return undefined;
  const turns = dv.turns ?? [];
  for (let i = turns.length - 1; i >= 0; i--) {
    const t = turns[i]!;
    if (t.account_id === dv.speaker && !t.ended_at) return t;
  }
  return undefined;
}

/** The daily's counts: how far the round is. */
export interface RoundCount {
  /** Turns taken (spoken or skipped). */
  done: number;
  /** Everyone in the round: turns taken, the speaker, who waits. */
  total: number;
}

/** roundCount says how far the daily's round is. */
export function roundCount(dv: Pick<DailyView, 'turns' | 'waiting' | 'speaker'>): RoundCount {
  const rows = turnRows(dv);
  return { done: rows.filter((r) => r.state === 'spoke' || r.state === 'skipped').length, total: rows.length };
}

/** blockerCounts counts open, resolved and itemised blockers. */
export function blockerCounts(list: readonly DailyBlocker[] | null | undefined): { open: number; resolved: number; items: number } {
  const c = { open: 0, resolved: 0, items: 0 };
  for (const b of list ?? []) {
    if (b.resolved) c.resolved++;
    else c.open++;
    if (b.item_id) c.items++;
  }
  return c;
}

/** The verdicts of a review, counted from its items. */
export interface Tally {
  accepted: number;
  sentBack: number;
  pending: number;
  /** Done items: the ones to walk through. */
  total: number;
  acceptedPoints: number;
}

/**
 * tally counts the verdicts from the items: done items are accepted or
 * pending; an item sent back is no longer done (it went back to the
 * workflow's first status) and counts wherever it now is.
 */
export function tally(rv: Pick<ReviewView, 'done' | 'unfinished'>): Tally {
  const c: Tally = { accepted: 0, sentBack: 0, pending: 0, total: 0, acceptedPoints: 0 };
  for (const it of rv.done ?? []) {
    c.total++;
    if (it.verdict === 'accepted') {
      c.accepted++;
      c.acceptedPoints += it.points ?? 0;
    } else if (it.verdict === 'pending') c.pending++;
    else c.sentBack++;
  }
  for (const it of rv.unfinished ?? []) if (it.verdict === 'sent_back') c.sentBack++;
  c.acceptedPoints = round1(c.acceptedPoints);
  return c;
}

/** nextPending returns the done item without a verdict that follows the current one (wrapping round), or undefined when none waits. */
export function nextPending(rv: Pick<ReviewView, 'done' | 'current'>): ReviewItem | undefined {
  const done = rv.done ?? [];
  const at = rv.current ? done.findIndex((i) => i.id === rv.current!.id) : -1;
  for (let k = 1; k <= done.length; k++) {
    const it = done[(at + k + done.length) % done.length]!;
    if (it.verdict === 'pending' && it.id !== rv.current?.id) return it;
  }
  return undefined;
}

/**
 * goOn decides whether a review that was just closed takes the viewer to
 * the retrospective: only when this screen saw it change (a review opened
 * later, long closed, stays put and offers a link).
 */
export function goOn(before: Pick<ReviewView, 'next_room_id'> | undefined, now: Pick<ReviewView, 'next_room_id'> | undefined): string | undefined {
  if (!before || !now?.next_room_id) return undefined;
  return before.next_room_id ? undefined : now.next_room_id;
}
