// The chart components rendered on the server: what they draw and what they
// say to people who cannot see the drawing.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import BarChart from './BarChart.svelte';
import LineChart from './LineChart.svelte';
import ScatterChart from './ScatterChart.svelte';
import StackedAreaChart from './StackedAreaChart.svelte';

/** clean drops Svelte's hydration comments and scoped classes, to compare markup. */
const clean = (html: string) => html.replace(/<!--.*?-->/g, '').replace(/ class="[^"]*"/g, '');
const paths = (html: string) => [...html.matchAll(/<path d="([^"]+)"/g)].map((m) => m[1]!);

describe('LineChart', () => {
  const series = [
    { name: 'Remaining', tone: 'primary' as const, points: [{ date: '2026-03-02', value: 20 }, { date: '2026-03-03', value: 10 }, { date: '2026-03-04', value: 0 }] },
    { name: 'Ideal', tone: 'muted' as const, dashed: true, points: [{ date: '2026-03-02', value: 20 }, { date: '2026-03-04', value: 0 }] },
  ];

  it('draws a line per series across the width, and names itself', () => {
    const { body } = render(LineChart, { props: { title: 'Burndown', description: 'From 20 to 0.', series, initialWidth: 452 } });
    expect(body).toContain('role="img"');
    expect(body).toMatch(/aria-labelledby="c-[^"]+-title c-[^"]+-desc"/);
    const [remaining, ideal] = paths(body);
    // Left margin 40, right margin 12: x runs from 40 to 440; y from 212 (0) up to 8 (the top tick, 20).
    expect(remaining).toBe('M40 8 L240 110 L440 212');
    expect(ideal).toBe('M40 8 L440 212');
    expect(body).toContain('stroke-dasharray="6 5"');
  });

  it('keeps the numbers in a table', () => {
    const { body } = render(LineChart, { props: { title: 'Burndown', description: 'd', series, initialWidth: 400 } });
    const table = clean(body.slice(body.indexOf('<table')));
    expect(table).toContain('<th scope="col">Remaining</th>');
    expect(table).toContain('<th scope="col">Ideal</th>');
    // Mar 3: 10 remaining, no ideal point.
    expect(table).toContain('<th scope="row">Mar 3</th><td>10</td><td>–</td>');
  });

  it('says when there is nothing to draw', () => {
    const { body } = render(LineChart, { props: { title: 'Burndown', description: 'd', series: [], initialWidth: 400 } });
    expect(body).toContain('No data yet.');
    expect(body).not.toContain('<svg width');
  });
});

describe('BarChart', () => {
  it('draws a bar per value, as tall as the value', () => {
    const { body } = render(BarChart, {
      props: {
        title: 'Velocity',
        description: 'd',
        bars: [{ label: 'Sprint 1', values: [10, 5] }, { label: 'Sprint 2', values: [20, 20] }],
        series: [{ name: 'Committed', tone: 'muted' }, { name: 'Completed', tone: 'primary' }],
        average: { name: 'Average', value: 12.5 },
        initialWidth: 452,
        height: 240,
      },
    });
    const heights = [...body.matchAll(/<rect [^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
    // The axis tops out at 20 over 204 px (240 - 8 - 28).
    expect(heights).toEqual([102, 51, 204, 204]);
    expect(body).toContain('Sprint 1');
    expect(body).toContain('Average');
  });
});

describe('StackedAreaChart', () => {
  it('piles the layers and closes each area', () => {
    const { body } = render(StackedAreaChart, {
      props: {
        title: 'Flow',
        description: 'd',
        layers: [
          { name: 'Done', tone: 'success', points: [{ date: '2026-03-02', value: 1 }, { date: '2026-03-03', value: 2 }] },
          { name: 'To do', tone: 'primary', points: [{ date: '2026-03-02', value: 3 }, { date: '2026-03-03', value: 2 }] },
        ],
        initialWidth: 452,
      },
    });
    const [done, todo] = paths(body);
    expect(done).toMatch(/Z$/);
    expect(todo).toMatch(/Z$/);
    // The top layer ends at 4 on both days: the top of the axis.
    expect(todo!.startsWith('M40 8 L440 8')).toBe(true);
  });
});

describe('ScatterChart', () => {
  const dots = [
    { date: '2026-03-02', days: 2, key: 'SHOP-1', title: 'Cart' },
    { date: '2026-03-04', days: 4, key: 'SHOP-2', title: 'Checkout' },
  ];

  it('puts a dot per item at its day and its days, with a line per percentile', () => {
    const { body } = render(ScatterChart, {
      props: { title: 'Cycle time', description: 'd', name: 'Item', dots, guides: [{ name: 'P85', value: 3, tone: 'warning' }], initialWidth: 452 },
    });
    const circles = [...body.matchAll(/<circle [^>]*cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    // x from 44 to 436 (margins and half a dot); y: 4 days at the top (8), 0 at 212.
    expect(circles).toEqual([
      [44, 110],
      [436, 8],
    ]);
    expect(body).toContain('stroke-dasharray="6 5"');
    expect(body).toContain('role="img"');
  });

  it('lists every item in the table', () => {
    const { body } = render(ScatterChart, { props: { title: 'Cycle time', description: 'd', name: 'Item', dots, initialWidth: 400 } });
    const table = clean(body.slice(body.indexOf('<table')));
    expect(table).toContain('<th scope="row">SHOP-2 Checkout</th><td>Mar 4</td><td>4</td>');
  });

  it('stretches the axis over the whole range asked for', () => {
    const { body } = render(ScatterChart, {
      props: { title: 'Cycle time', description: 'd', name: 'Item', dots: dots.slice(0, 1), from: '2026-03-01', to: '2026-03-03', initialWidth: 452 },
    });
    const cx = Number(/<circle [^>]*cx="([\d.]+)"/.exec(body)![1]);
    expect(cx).toBe(240);
  });
});
