// The colours of chart series: theme tokens that keep 3:1 against the
// surface in both themes (tokens.test.ts checks them), so lines and bars
// stay visible; the legend and the table say the same in words.
export type Tone = 'primary' | 'success' | 'warning' | 'danger' | 'muted';

export const toneColor: Record<Tone, string> = {
  primary: 'var(--color-primary)',
  success: 'var(--color-success)',
  warning: 'var(--color-warning)',
  danger: 'var(--color-danger)',
  muted: 'var(--color-text-muted)',
};

/** The tones in the order layers of a stacked chart take them. */
export const palette: Tone[] = ['success', 'primary', 'warning', 'danger', 'muted'];
