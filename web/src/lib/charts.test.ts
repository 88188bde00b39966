import { describe, expect, it } from 'vitest';
import { areaPath, average, bands, dateExtent, dayOf, idealLine, linePath, linear, maxValue, niceStep, spreadTicks, stack, ticks, velocityBars } from './charts';

describe('linear', () => {
  it('maps the domain onto the range, reversed ranges too', () => {
    const x = linear([0, 10], [0, 200]);
    expect(x(0)).toBe(0);
    expect(x(5)).toBe(100);
    expect(x(10)).toBe(200);
    const y = linear([0, 40], [300, 0]); // SVG y grows downwards
    expect(y(0)).toBe(300);
    expect(y(40)).toBe(0);
    expect(y(10)).toBe(225);
  });

  it('puts everything in the middle when the domain is a single value', () => {
    expect(linear([3, 3], [0, 100])(3)).toBe(50);
  });
});

describe('ticks', () => {
  it('takes round steps', () => {
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(47, 5)).toBe(10);
    expect(niceStep(0.9, 3)).toBe(0.5);
    expect(niceStep(0, 5)).toBe(1);
  });

  it('starts at 0 and ends at or above the largest value', () => {
    expect(ticks(0, 37)).toEqual([0, 10, 20, 30, 40]);
    expect(ticks(0, 40)).toEqual([0, 10, 20, 30, 40]);
    expect(ticks(5, 8, 4)).toEqual([0, 2, 4, 6, 8]);
    expect(ticks(0, 0)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('goes below zero for negative values', () => {
    const t = ticks(-3, 7);
    expect(t[0]).toBeLessThanOrEqual(-3);
    expect(t[t.length - 1]).toBeGreaterThanOrEqual(7);
  });
});

describe('dates', () => {
  it('reads plain dates at UTC midnight and ISO times as they are', () => {
    expect(dayOf('2026-03-02')).toBe(Date.UTC(2026, 2, 2));
    expect(dayOf('2026-03-02T12:00:00Z')).toBe(Date.UTC(2026, 2, 2, 12));
  });

  it('finds the extent of every series, and none when there are no points', () => {
    const s = [
      { name: 'a', points: [{ date: '2026-03-03', value: 1 }, { date: '2026-03-05', value: 9 }] },
      { name: 'b', points: [{ date: '2026-03-02', value: 4 }] },
    ];
    expect(dateExtent(s)).toEqual([Date.UTC(2026, 2, 2), Date.UTC(2026, 2, 5)]);
    expect(maxValue(s)).toBe(9);
    expect(dateExtent([{ name: 'x', points: [] }])).toBeNull();
    expect(maxValue([])).toBe(0);
  });
});

describe('paths', () => {
  it('draws a line through the points, rounded to hundredths', () => {
    expect(linePath([{ x: 0, y: 10 }, { x: 5.555, y: 2 }, { x: 10, y: 0 }])).toBe('M0 10 L5.56 2 L10 0');
    expect(linePath([])).toBe('');
  });

  it('closes an area along its lower edge, backwards', () => {
    expect(areaPath([{ x: 0, y: 1 }, { x: 10, y: 2 }], [{ x: 0, y: 5 }, { x: 10, y: 6 }])).toBe('M0 1 L10 2 L10 6 L0 5 Z');
    expect(areaPath([], [])).toBe('');
  });
});

describe('stack', () => {
  it('piles each layer on the ones below, date by date', () => {
    const out = stack([
      { name: 'Done', points: [{ date: '2026-03-02', value: 1 }, { date: '2026-03-03', value: 3 }] },
      { name: 'Doing', points: [{ date: '2026-03-02', value: 2 }, { date: '2026-03-03', value: 2 }] },
      { name: 'To do', points: [{ date: '2026-03-03', value: 5 }] },
    ]);
    expect(out.map((l) => l.name)).toEqual(['Done', 'Doing', 'To do']);
    expect(out[0]).toMatchObject({ dates: ['2026-03-02', '2026-03-03'], lower: [0, 0], upper: [1, 3] });
    expect(out[1]).toMatchObject({ lower: [1, 3], upper: [3, 5] });
    expect(out[2]).toMatchObject({ lower: [3, 5], upper: [3, 10] });
  });

  it('sorts dates by time, not as text', () => {
    const out = stack([{ name: 'x', points: [{ date: '2026-03-10', value: 1 }, { date: '2026-03-09T23:00:00Z', value: 2 }] }]);
    expect(out[0]!.dates).toEqual(['2026-03-09T23:00:00Z', '2026-03-10']);
  });
});

describe('bands', () => {
  it('splits the width into equal bands, centred in their step', () => {
    const b = bands(4, 400, 0.5);
    expect(b.size).toBe(50);
    expect(b.start(0)).toBe(25);
    expect(b.start(3)).toBe(325);
    expect(bands(0, 400).size).toBe(0);
  });
});

describe('reports', () => {
  it('draws the ideal burndown from the total to zero', () => {
    expect(idealLine(30, '2026-03-02', '2026-03-13')).toEqual([
      { date: '2026-03-02', value: 30 },
      { date: '2026-03-13', value: 0 },
    ]);
  });

  it('averages', () => {
    expect(average([10, 20, 30])).toBe(20);
    expect(average([])).toBe(0);
  });

  it('takes the velocity of the last completed sprints, oldest first', () => {
    const sprints = [
      { name: 'Sprint 3', number: 3, state: 'completed', committed_points: 20, completed_points: 18 },
      { name: 'Sprint 1', number: 1, state: 'completed', committed_points: 10, completed_points: 8 },
      { name: 'Sprint 4', number: 4, state: 'active', committed_points: 25 },
      { name: 'Sprint 2', number: 2, state: 'completed', committed_points: 12 },
    ];
    expect(velocityBars(sprints)).toEqual([
      { label: 'Sprint 1', values: [10, 8] },
      { label: 'Sprint 2', values: [12, 0] },
      { label: 'Sprint 3', values: [20, 18] },
    ]);
    expect(velocityBars(sprints, 2).map((b) => b.label)).toEqual(['Sprint 2', 'Sprint 3']);
  });

  it('spreads axis labels evenly, keeping the ends', () => {
    expect(spreadTicks(3, 5)).toEqual([0, 1, 2]);
    expect(spreadTicks(11, 3)).toEqual([0, 5, 10]);
    expect(spreadTicks(0, 3)).toEqual([]);
  });
});
