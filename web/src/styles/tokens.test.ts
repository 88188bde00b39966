/// <reference types="node" />
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// Reads every light-dark() colour token from tokens.css and checks the pairs
// people read or operate against WCAG 2.1 contrast: 4.5:1 for text, 3:1 for
// control borders and the focus ring.

function tokens(): { light: Map<string, string>; dark: Map<string, string> } {
  const light = new Map<string, string>();
  const dark = new Map<string, string>();
  for (const m of css.matchAll(/--(color-[\w-]+):\s*light-dark\(\s*(#[0-9a-f]{6})\s*,\s*(#[0-9a-f]{6})\s*\)/gi)) {
    light.set(m[1]!, m[2]!);
    dark.set(m[1]!, m[3]!);
  }
  return { light, dark };
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const css = readFileSync(new URL('./tokens.css', import.meta.url), 'utf8');

const text = 4.5;
const ui = 3;

// [foreground, background, minimum ratio]
const pairs: [string, string, number][] = [
  ['color-text', 'color-bg', text],
  ['color-text', 'color-surface', text],
  ['color-text', 'color-surface-2', text],
  ['color-text', 'color-surface-hover', text],
  ['color-text-muted', 'color-bg', text],
  ['color-text-muted', 'color-surface', text],
  ['color-text-muted', 'color-surface-2', text],
  ['color-on-primary', 'color-primary', text],
  ['color-on-primary', 'color-primary-hover', text],
  ['color-on-primary-soft', 'color-primary-soft', text],
  ['color-danger', 'color-surface', text],
  ['color-danger', 'color-bg', text],
  ['color-danger', 'color-danger-soft', text],
  ['color-on-danger', 'color-danger', text],
  ['color-success', 'color-surface', text],
  ['color-success', 'color-success-soft', text],
  ['color-warning', 'color-surface', text],
  ['color-warning', 'color-warning-soft', text],
  ['color-link', 'color-surface', text],
  ['color-link', 'color-bg', text],
  ['color-border-strong', 'color-surface', ui],
  ['color-border-strong', 'color-bg', ui],
  ['color-focus', 'color-surface', ui],
  ['color-focus', 'color-bg', ui],
  ['color-primary', 'color-surface', ui],
  ['color-primary', 'color-bg', ui],
];

describe('colour tokens', () => {
  const { light, dark } = tokens();

  it('are all light-dark() pairs of hex colours', () => {
    const declared = [...css.matchAll(/--(color-[\w-]+):/g)].map((m) => m[1]);
    const opaque = declared.filter((n) => n !== 'color-overlay');
    expect(opaque.length).toBeGreaterThan(10);
    expect([...light.keys()].sort()).toEqual(opaque.sort());
  });

  it('computes contrast as WCAG does', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });

  for (const [theme, values] of [
    ['light', light],
    ['dark', dark],
  ] as const) {
    it.each(pairs)(`${theme}: %s on %s ≥ %s:1`, (fg, bg, min) => {
      const f = values.get(fg);
      const b = values.get(bg);
      expect(f, fg).toBeDefined();
      expect(b, bg).toBeDefined();
      expect(contrast(f!, b!)).toBeGreaterThanOrEqual(min);
    });
  }
});
