import { describe, expect, it } from 'vitest';
import {
  blockerCounts,
  currentTurn,
  forecastText,
  gauge,
  goOn,
  nextPending,
  percent,
  planWarnings,
  progressShare,
  roundCount,
  tally,
  turnRows,
  turnSeconds,
  type PlanningForecast,
  type PlanningView,
  type ReviewItem,
} from './sprintrooms';

const at = (s: number) => new Date(Date.UTC(2026, 10, 27, 10, 0, s)).toISOString();

describe('progress', () => {
  it.each([
    { done: 0, total: 0, want: 0 },
    { done: 3, total: 0, want: 0 },
    { done: 1, total: 3, want: 33 },
    { done: 2, total: 3, want: 67 },
    { done: 5, total: 5, want: 100 },
    { done: 7, total: 5, want: 100 },
    { done: -1, total: 5, want: 0 },
  ])('percent($done, $total) = $want', ({ done, total, want }) => {
    expect(percent(done, total)).toBe(want);
  });

  it('follows points when the sprint has them, else items', () => {
    expect(progressShare({ done_items: 1, total_items: 4, done_points: 8, total_points: 10 })).toEqual({ items: 25, points: 80, hasPoints: true, bar: 80 });
    expect(progressShare({ done_items: 1, total_items: 4, done_points: 0, total_points: 0 })).toEqual({ items: 25, points: 0, hasPoints: false, bar: 25 });
  });
});

const fc = (over: Partial<PlanningForecast>): PlanningForecast => ({ no_history: false, sprints: 4, history: [], low: 0, high: 0, mean: 0, ...over });

describe('forecast', () => {
  it('says there is nothing to forecast from without history', () => {
    expect(forecastText(fc({ no_history: true, sprints: 0 }))).toEqual({ kind: 'none' });
  });

  it('reads as a range with its mean', () => {
    expect(forecastText(fc({ low: 18.25, high: 26.75, mean: 22.333, sprints: 5 }))).toEqual({ kind: 'range', low: 18.3, high: 26.8, mean: 22.3, sprints: 5 });
  });

  it('reads as one number only when the range is one number', () => {
    expect(forecastText(fc({ low: 13, high: 13, mean: 13, sprints: 1 }))).toEqual({ kind: 'single', value: 13, sprints: 1 });
  });

  it('places committed points, the band and capacity on one scale', () => {
    const g = gauge({ committed_points: 20, capacity_points: 30, forecast: fc({ low: 10, high: 20, mean: 15 }) });
    // The scale ends a little past the largest of them (capacity, 30).
    expect(g.max).toBe(34.5);
    expect(g.capacity).toBeCloseTo((30 / 34.5) * 100, 0);
    expect(g.band!.from).toBeLessThan(g.band!.to);
    expect(g.committed).toBe(g.band!.to);
    expect(g.mean!).toBeGreaterThan(g.band!.from);
    expect(g.mean!).toBeLessThan(g.band!.to);
  });

  it('leaves out the band without history and capacity when nobody planned points', () => {
    const g = gauge({ committed_points: 0, capacity_points: 0, forecast: fc({ no_history: true, sprints: 0 }) });
    expect(g.band).toBeUndefined();
    expect(g.mean).toBeUndefined();
    expect(g.capacity).toBeUndefined();
    expect(g.committed).toBe(0);
    expect(g.max).toBeGreaterThan(0);
  });
});

function plan(over: Partial<PlanningView>): PlanningView {
  return {
    sprint: { id: 's', name: 'Sprint 3', goal: '', state: 'planned' },
    candidates: [],
    more_candidates: false,
    items: [],
    committed_points: 0,
    committed_items: 0,
    unestimated: 0,
    capacity: [],
    capacity_days: 0,
    capacity_points: 0,
    forecast: fc({ no_history: true, sprints: 0 }),
    over_forecast: false,
    over_capacity: false,
    pulled: [],
    ...over,
  };
}

describe('planning warnings', () => {
  it('has none for a sprint within its forecast and capacity', () => {
    expect(planWarnings(plan({ committed_points: 10, capacity_points: 20, forecast: fc({ low: 8, high: 13 }) }))).toEqual([]);
  });

  it('warns about the forecast and capacity first, then unestimated and unrefined items', () => {
    const item = { id: 'i', key: 'CR-1', title: 'x', kind: 'story' as const, estimated: true, status_category: 'todo' as const, assignees: [] };
    const pv = plan({
      committed_points: 30.5,
      capacity_points: 25,
      over_forecast: true,
      over_capacity: true,
      unestimated: 2,
      forecast: fc({ low: 8, high: 13 }),
      items: [{ ...item, needs_refinement: true }, item, { ...item, id: 'j', needs_refinement: true }],
    });
    expect(planWarnings(pv)).toEqual([
      { code: 'over_forecast', committed: 30.5, high: 13 },
      { code: 'over_capacity', committed: 30.5, capacity: 25 },
      { code: 'unestimated', count: 2 },
      { code: 'needs_refinement', count: 2 },
    ]);
  });
});

describe('daily turns', () => {
  const dv = {
    speaker: 'cy',
    turns: [
      { account_id: 'ana', started_at: at(0), ended_at: at(95), overtime: true },
      { account_id: 'bo', skipped: true, started_at: at(95), ended_at: at(95) },
      { account_id: 'cy', started_at: at(95) },
    ],
    waiting: ['li'],
  };

  it('lists turns in order, then who waits, then absent members', () => {
    expect(turnRows(dv, ['ana', 'bo', 'cy', 'li', 'max'])).toEqual([
      { id: 'ana', state: 'spoke', overtime: true, seconds: 95 },
      { id: 'bo', state: 'skipped', overtime: false },
      { id: 'cy', state: 'speaking', overtime: false },
      { id: 'li', state: 'waiting', overtime: false },
      { id: 'max', state: 'absent', overtime: false },
    ]);
  });

  it('finds the speaker’s open turn and its length so far', () => {
    const t = currentTurn(dv)!;
    expect(t.account_id).toBe('cy');
    expect(turnSeconds(t, Date.parse(at(125)))).toBe(30);
    expect(currentTurn({ ...dv, speaker: undefined })).toBeUndefined();
  });

  it('counts the round', () => {
    expect(roundCount(dv)).toEqual({ done: 2, total: 4 });
    expect(roundCount({ turns: [], waiting: ['a', 'b'] })).toEqual({ done: 0, total: 2 });
  });

  it('counts blockers', () => {
    const b = (over: object) => ({ id: 'b', account_id: 'a', by: 'a', text: 't', at: at(0), ...over });
    expect(blockerCounts([b({}), b({ resolved: true }), b({ item_id: 'i', item_key: 'CR-9' })])).toEqual({ open: 2, resolved: 1, items: 1 });
    expect(blockerCounts(null)).toEqual({ open: 0, resolved: 0, items: 0 });
  });
});

describe('review', () => {
  const it_ = (id: string, verdict: ReviewItem['verdict'], points?: number): ReviewItem => ({
    id,
    key: id.toUpperCase(),
    title: id,
    kind: 'story',
    status_id: 'st',
    status_category: verdict === 'sent_back' ? 'todo' : 'done',
    verdict,
    ...(points === undefined ? {} : { points }),
  });

  it('counts verdicts from the items, an item sent back wherever it now is', () => {
    const rv = { done: [it_('a', 'accepted', 5), it_('b', 'pending', 3), it_('c', 'accepted', 2.5), it_('d', 'pending')], unfinished: [it_('e', 'sent_back', 8), it_('f', 'pending')] };
    expect(tally(rv)).toEqual({ accepted: 2, sentBack: 1, pending: 2, total: 4, acceptedPoints: 7.5 });
  });

  it('offers the next item without a verdict, after the current one', () => {
    const done = [it_('a', 'pending'), it_('b', 'accepted'), it_('c', 'pending'), it_('d', 'pending')];
    expect(nextPending({ done, current: done[0] })?.id).toBe('c');
    expect(nextPending({ done, current: done[3] })?.id).toBe('a');
    expect(nextPending({ done })?.id).toBe('a');
    expect(nextPending({ done: [it_('a', 'accepted')], current: undefined })).toBeUndefined();
    expect(nextPending({ done: [it_('a', 'pending')], current: it_('a', 'pending') })).toBeUndefined();
  });

  it('goes on to the retrospective only when the close happens under the viewer’s eyes', () => {
    expect(goOn({}, { next_room_id: 'r2' })).toBe('r2');
    expect(goOn(undefined, { next_room_id: 'r2' })).toBeUndefined();
    expect(goOn({ next_room_id: 'r2' }, { next_room_id: 'r2' })).toBeUndefined();
    expect(goOn({}, {})).toBeUndefined();
  });
});
