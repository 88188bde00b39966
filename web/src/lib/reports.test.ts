import { describe, expect, it, vi } from 'vitest';
import {
  burnLines,
  burnableSprints,
  choiceFromQuery,
  choiceToQuery,
  cycleDots,
  dayIn,
  daysBetween,
  debounce,
  defaultSprint,
  estimationBars,
  flowLayers,
  rangeEnding,
  retroBars,
  timeZones,
  velocityChart,
  type Burndown,
  type Cycle,
  type Velocity,
} from './reports';

const vsprint = (number: number, committed: [number, number], completed: [number, number]) => ({
  sprint_id: `s${number}`,
  name: `Sprint ${number}`,
  number,
  completed_at: '2026-03-01T10:00:00Z',
  committed_points: committed[0],
  committed_items: committed[1],
  completed_points: completed[0],
  completed_items: completed[1],
  carried_items: 0,
});

describe('velocityChart', () => {
  const v: Velocity = {
    sprints: [vsprint(2, [20, 6], [18, 5]), vsprint(1, [15, 4], [10, 3])],
    average_completed_points: 14,
    average_completed_items: 4,
  };

  it('puts the sprints oldest first, committed then completed, in the unit asked', () => {
    expect(velocityChart(v, 'points')).toEqual({
      bars: [
        { label: 'Sprint 1', values: [15, 10] },
        { label: 'Sprint 2', values: [20, 18] },
      ],
      average: 14,
    });
    expect(velocityChart(v, 'items').bars.map((b) => b.values)).toEqual([
      [4, 3],
      [6, 5],
    ]);
    expect(velocityChart(v, 'items').average).toBe(4);
  });

  it('draws nothing for no sprints, a missing answer or a null list', () => {
    expect(velocityChart(null, 'points')).toEqual({ bars: [], average: 0 });
    expect(velocityChart({ sprints: null, average_completed_points: 0, average_completed_items: 0 }, 'points').bars).toEqual([]);
  });
});

describe('burnLines', () => {
  // An active sprint on its third of four days: the last day has only the ideal line.
  const b: Burndown = {
    sprint_id: 's1',
    name: 'Sprint 1',
    state: 'active',
    time_zone: 'Europe/Berlin',
    committed_points: 12,
    committed_items: 4,
    days: [
      { date: '2026-03-02', remaining_points: 12, completed_points: 0, scope_points: 12, remaining_items: 4, completed_items: 0, scope_items: 4, ideal_remaining_points: 9, ideal_remaining_items: 3 },
      { date: '2026-03-03', remaining_points: 10, completed_points: 2, scope_points: 12, remaining_items: 3, completed_items: 1, scope_items: 4, ideal_remaining_points: 6, ideal_remaining_items: 2 },
      { date: '2026-03-04', remaining_points: 11, completed_points: 4, scope_points: 15, remaining_items: 4, completed_items: 2, scope_items: 6, ideal_remaining_points: 3, ideal_remaining_items: 1 },
      { date: '2026-03-05', ideal_remaining_points: 0, ideal_remaining_items: 0 },
    ],
  };

  it('stops the measured lines at the last measured day and runs the ideal line to the end', () => {
    const l = burnLines(b, 'points');
    expect(l.remaining.map((p) => p.date)).toEqual(['2026-03-02', '2026-03-03', '2026-03-04']);
    expect(l.remaining.map((p) => p.value)).toEqual([12, 10, 11]);
    expect(l.idealRemaining.map((p) => p.value)).toEqual([9, 6, 3, 0]);
    expect(l.scope.map((p) => p.value)).toEqual([12, 12, 15]);
  });

  it('makes the ideal burnup the commitment minus the ideal remaining', () => {
    const l = burnLines(b, 'points');
    expect(l.idealCompleted.map((p) => p.value)).toEqual([3, 6, 9, 12]);
    expect(l.completed.map((p) => p.value)).toEqual([0, 2, 4]);
    const items = burnLines(b, 'items');
    expect(items.idealCompleted.map((p) => p.value)).toEqual([1, 2, 3, 4]);
    expect(items.remaining.map((p) => p.value)).toEqual([4, 3, 4]);
  });

  it('has no lines without a report', () => {
    expect(burnLines(undefined, 'points').remaining).toEqual([]);
  });
});

describe('which sprint a burndown opens on', () => {
  const s = (id: string, number: number, state: 'planned' | 'active' | 'completed') => ({ id, number, state });

  it('takes the active sprint first', () => {
    expect(defaultSprint([s('a', 1, 'completed'), s('b', 2, 'active'), s('c', 3, 'planned')])?.id).toBe('b');
  });

  it('else the last completed one', () => {
    expect(defaultSprint([s('a', 1, 'completed'), s('c', 3, 'completed'), s('b', 2, 'completed'), s('d', 4, 'planned')])?.id).toBe('c');
  });

  it('and none when only planned sprints exist', () => {
    expect(defaultSprint([s('d', 4, 'planned')])).toBeUndefined();
  });

  it('offers the started sprints newest first', () => {
    expect(burnableSprints([s('a', 1, 'completed'), s('c', 3, 'planned'), s('b', 2, 'active')]).map((x) => x.id)).toEqual(['b', 'a']);
  });
});

describe('days in the team’s time zone', () => {
  it('puts an instant on the day it falls on in the zone', () => {
    // 23:30 UTC on March 1 is already March 2 in Berlin and still March 1 in New York.
    expect(dayIn('2026-03-01T23:30:00Z', 'UTC')).toBe('2026-03-01');
    expect(dayIn('2026-03-01T23:30:00Z', 'Europe/Berlin')).toBe('2026-03-02');
    expect(dayIn('2026-03-01T23:30:00Z', 'America/New_York')).toBe('2026-03-01');
    // 10:00 UTC on March 1 is 23:00 in Auckland (UTC+13 in summer): the same day; an hour later the next.
    expect(dayIn('2026-03-01T10:00:00Z', 'Pacific/Auckland')).toBe('2026-03-01');
    expect(dayIn('2026-03-01T11:00:00Z', 'Pacific/Auckland')).toBe('2026-03-02');
  });

  it('counts an unknown zone as UTC and a bad time as no day', () => {
    expect(dayIn('2026-03-01T23:30:00Z', 'Mars/Olympus')).toBe('2026-03-01');
    expect(dayIn('not a time', 'UTC')).toBe('');
  });

  it('ends a range on the team’s today, across a DST change', () => {
    // 2026-03-29 is the night Europe moves its clocks; 22:30 UTC on the 29th is the 30th in Berlin.
    const now = new Date('2026-03-29T22:30:00Z');
    expect(rangeEnding(now, 'Europe/Berlin', 30)).toEqual({ from: '2026-03-01', to: '2026-03-30' });
    expect(rangeEnding(now, 'UTC', 30)).toEqual({ from: '2026-02-28', to: '2026-03-29' });
    expect(rangeEnding(now, 'America/Los_Angeles', 1)).toEqual({ from: '2026-03-29', to: '2026-03-29' });
    expect(daysBetween('2026-03-01', '2026-03-30')).toBe(30);
    expect(daysBetween('2026-03-30', '2026-03-01')).toBe(0);
  });

  it('places cycle-time dots on the team’s days', () => {
    const c: Cycle = { item_id: 'i', key: 'SHOP-1', title: 'Checkout', kind: 'story', started_at: '2026-03-01T08:00:00Z', completed_at: '2026-03-03T23:10:00Z', cycle_days: 2.6316 };
    expect(cycleDots([c], 'Asia/Tokyo')).toEqual([{ date: '2026-03-04', days: 2.6, key: 'SHOP-1', title: 'Checkout' }]);
    expect(cycleDots([c], 'UTC')[0]!.date).toBe('2026-03-03');
  });
});

describe('flow, estimates, retrospectives', () => {
  it('splits the flow into category layers', () => {
    const l = flowLayers({
      from: '2026-03-01',
      to: '2026-03-02',
      time_zone: 'UTC',
      statuses: [],
      days: [
        { date: '2026-03-01', todo: 5, in_progress: 2, done: 1, by_status: {} },
        { date: '2026-03-02', todo: 4, in_progress: 2, done: 2, by_status: {} },
      ],
    });
    expect(l.done).toEqual([{ date: '2026-03-01', value: 1 }, { date: '2026-03-02', value: 2 }]);
    expect(l.todo.map((p) => p.value)).toEqual([5, 4]);
  });

  it('gives each estimate its median and 85th percentile, smallest estimate first', () => {
    const bars = estimationBars(
      {
        from: '',
        to: '',
        time_zone: 'UTC',
        unestimated: 0,
        items: [],
        groups: [
          { points: 5, count: 2, median_days: 4.04, p85_days: 6.46, min_days: 2, max_days: 7 },
          { points: 1, count: 3, median_days: 0.5, p85_days: 1, min_days: 0.2, max_days: 1 },
        ],
      },
      (p) => `${p} pt`,
    );
    expect(bars).toEqual([
      { label: '1 pt', values: [0.5, 1] },
      { label: '5 pt', values: [4, 6.5] },
    ]);
  });

  it('gives each sprint its actions created, done and open, a sprint-less group named', () => {
    const bars = retroBars(
      {
        from: '',
        to: '',
        time_zone: 'UTC',
        created: 5,
        done: 3,
        open: 2,
        deleted: 0,
        items: [],
        weeks: [],
        sprints: [
          { number: 3, name: 'Sprint 3', created: 3, done: 2, open: 1 },
          { created: 2, done: 1, open: 1 },
        ],
      },
      'Before',
    );
    expect(bars).toEqual([
      { label: 'Before', values: [2, 1, 1] },
      { label: 'Sprint 3', values: [3, 2, 1] },
    ]);
  });
});

describe('time zones for the settings', () => {
  it('groups the zones by region, UTC and the current zone always in', () => {
    const g = timeZones('Etc/GMT+3', ['Europe/Berlin', 'America/New_York', 'Europe/Amsterdam']);
    expect(g).toEqual([
      { group: '', zones: ['UTC'] },
      { group: 'America', zones: ['America/New_York'] },
      { group: 'Etc', zones: ['Etc/GMT+3'] },
      { group: 'Europe', zones: ['Europe/Amsterdam', 'Europe/Berlin'] },
    ]);
  });

  it('lists what the platform knows', () => {
    const g = timeZones('UTC');
    // Node has Intl.supportedValuesOf; a browser without it gets a text field (null).
    expect(g?.flatMap((x) => x.zones)).toContain('Europe/Berlin');
  });
});

describe('debounce', () => {
  it('runs once after the calls settle, and not after cancel', () => {
    vi.useFakeTimers();
    try {
      const fn = vi.fn();
      const d = debounce(fn, 100);
      d();
      d();
      vi.advanceTimersByTime(99);
      d();
      vi.advanceTimersByTime(99);
      expect(fn).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(fn).toHaveBeenCalledTimes(1);
      d();
      d.cancel();
      vi.advanceTimersByTime(500);
      expect(fn).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the screen’s choice in the address', () => {
  const q = (s: string) => new URLSearchParams(s);

  it('reads the defaults from an address without choices', () => {
    expect(choiceFromQuery(q('product=PR'))).toEqual({ unit: 'points', sprint: '', days: 30, from: '', to: '' });
  });

  it('reads a unit, a sprint and a preset, and ignores what it does not know', () => {
    expect(choiceFromQuery(q('unit=items&sprint=s7&days=90'))).toEqual({ unit: 'items', sprint: 's7', days: 90, from: '', to: '' });
    expect(choiceFromQuery(q('unit=bananas&days=17'))).toEqual({ unit: 'points', sprint: '', days: 30, from: '', to: '' });
  });

  it('reads chosen dates, keeping only real days', () => {
    expect(choiceFromQuery(q('days=custom&from=2026-01-05&to=2026-02-01'))).toMatchObject({ days: 'custom', from: '2026-01-05', to: '2026-02-01' });
    expect(choiceFromQuery(q('days=custom&from=yesterday&to=2026-02-01'))).toMatchObject({ days: 'custom', from: '', to: '2026-02-01' });
  });

  it('writes only what differs from the default and keeps the rest of the address', () => {
    const base = q('product=PR&unit=items&days=14');
    expect(choiceToQuery({ unit: 'points', sprint: '', days: 30, from: '', to: '' }, base).toString()).toBe('product=PR');
    const custom = choiceToQuery({ unit: 'items', sprint: 's2', days: 'custom', from: '2026-01-05', to: '2026-02-01' }, base);
    expect(custom.get('product')).toBe('PR');
    expect(choiceFromQuery(custom)).toEqual({ unit: 'items', sprint: 's2', days: 'custom', from: '2026-01-05', to: '2026-02-01' });
  });
});
