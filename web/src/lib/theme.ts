// Light, dark, or whatever the system says. The choice is kept in the
// browser and applied as data-theme on <html>; tokens.css does the rest.

export type Theme = 'system' | 'light' | 'dark';
export const themes: readonly Theme[] = ['system', 'light', 'dark'];

const key = 'pama.theme';

/** savedTheme returns the stored choice, or "system". */
export function savedTheme(): Theme {
  try {
    const v = localStorage.getItem(key);
    return (themes as readonly string[]).includes(v ?? '') ? (v as Theme) : 'system';
  } catch {
    return 'system';
  }
}

/** applyTheme shows theme now and, when save is set, remembers it. */
export function applyTheme(theme: Theme, save = false): void {
  const root = document.documentElement;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
  if (save) {
    try {
      localStorage.setItem(key, theme);
    } catch {
      // Not kept; no harm.
    }
  }
}
