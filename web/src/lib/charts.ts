// The arithmetic of the report charts, drawn by hand in SVG: scales, tick
// values, paths of lines and stacked areas, bands for bars, the ideal line
// of a burndown, and the shapes the reports come in.

/** One value on one day ("2026-03-02" or a full ISO time). */
export interface Point {
  date: string;
  value: number;
}

/** A named line or layer of a chart. */
export interface Series {
  name: string;
  points: Point[];
}

/** One sprint's bars: its name and a value per series. */
export interface Bar {
  label: string;
  values: number[];
}

export type Scale = ((v: number) => number) & { domain: [number, number]; range: [number, number] };

/** linear maps domain onto range in a straight line; an empty domain maps to the middle of the range. */
export function linear(domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const f = ((v: number) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0))) as Scale;
  f.domain = domain;
  f.range = range;
  return f;
}

/** niceStep is a round step (1, 2 or 5 times a power of ten) that splits span into about count parts. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || count < 1) return 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nice * power;
}

/**
 * ticks returns round values from 0 (or below min when it is negative) up
 * to at least max, about count of them; the axis ends on the last one.
 */
export function ticks(min: number, max: number, count = 5): number[] {
  const lo = Math.min(0, min);
  const hi = Math.max(lo + 1, max);
  const step = niceStep(hi - lo, count);
  const start = Math.floor(lo / step) * step;
  const out: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const v = Number((start + i * step).toPrecision(12));
    out.push(v);
    if (v >= hi) break;
  }
  return out;
}

/** dayOf turns a date ("2026-03-02" or an ISO time) into milliseconds (dates at UTC midnight). */
export function dayOf(date: string): number {
  return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(date) ? `${date}T00:00:00Z` : date);
}

/** dateExtent returns the first and last time in the series, or null when there is no point. */
export function dateExtent(series: readonly Series[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const p of s.points) {
      const t = dayOf(p.date);
      if (Number.isNaN(t)) continue;
      lo = Math.min(lo, t);
      hi = Math.max(hi, t);
    }
  }
  return lo === Infinity ? null : [lo, hi];
}

/** maxValue is the largest value of the series (0 when empty). */
export function maxValue(series: readonly Series[]): number {
  let m = 0;
  for (const s of series) for (const p of s.points) if (Number.isFinite(p.value)) m = Math.max(m, p.value);
  return m;
}

const r = (n: number) => Math.round(n * 100) / 100;

/** linePath draws the points as one SVG path ("M x y L x y ..."); an empty list draws nothing. */
export function linePath(points: readonly { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${r(p.x)} ${r(p.y)}`).join(' ');
}

/** areaPath draws the band between upper and lower (same x values, left to right) as a closed path. */
export function areaPath(upper: readonly { x: number; y: number }[], lower: readonly { x: number; y: number }[]): string {
  if (upper.length === 0) return '';
  const back = [...lower].reverse();
  return `${linePath(upper)} ${back.map((p) => `L${r(p.x)} ${r(p.y)}`).join(' ')} Z`;
}

/**
 * stack piles the layers of a cumulative flow: for each date of the first
 * layer, each layer starts where the one before ended. Layers are given
 * bottom first; a layer missing a date counts 0 there.
 */
export function stack(layers: readonly Series[]): { name: string; dates: string[]; lower: number[]; upper: number[] }[] {
  const dates = [...new Set(layers.flatMap((l) => l.points.map((p) => p.date)))].sort((a, b) => dayOf(a) - dayOf(b));
  const base = dates.map(() => 0);
  return layers.map((l) => {
    const byDate = new Map(l.points.map((p) => [p.date, p.value]));
    const lower = [...base];
    const upper = dates.map((d, i) => lower[i]! + Math.max(0, byDate.get(d) ?? 0));
    upper.forEach((v, i) => (base[i] = v));
    return { name: l.name, dates, lower, upper };
  });
}

/** bands splits width into n equal bands with padding (a fraction of a band) between them. */
export function bands(n: number, width: number, padding = 0.2): { start: (i: number) => number; size: number } {
  if (n <= 0) return { start: () => 0, size: 0 };
  const step = width / n;
  const size = step * (1 - padding);
  return { start: (i) => i * step + (step - size) / 2, size };
}

/** idealLine is the straight burndown from total on the first day to 0 on the last. */
export function idealLine(total: number, start: string, end: string): Point[] {
  return [
    { date: start, value: total },
    { date: end, value: 0 },
  ];
}

/** average of the values, or 0 for none. */
export function average(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

/** The sprints a velocity chart shows: the completed ones, oldest first, the last n. */
export function velocityBars(
  sprints: readonly { name: string; state: string; number: number; committed_points?: number; completed_points?: number }[],
  n = 8,
): Bar[] {
  return sprints
    .filter((s) => s.state === 'completed')
    .sort((a, b) => a.number - b.number)
    .slice(-n)
    .map((s) => ({ label: s.name, values: [s.committed_points ?? 0, s.completed_points ?? 0] }));
}

/** spreadTicks picks at most count indexes of n, evenly, always the first and the last. */
export function spreadTicks(n: number, count: number): number[] {
  if (n <= 0) return [];
  if (n <= count) return [...Array(n).keys()];
  const out = new Set<number>();
  for (let i = 0; i < count; i++) out.add(Math.round((i * (n - 1)) / (count - 1)));
  return [...out];
}
