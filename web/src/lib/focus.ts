// Focus helpers for dialogs and menus.

const focusableSelector = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  '[tabindex]:not([tabindex="-1"])',
].join(',');

/** focusables returns the elements inside root that Tab can reach, in order. */
export function focusables(root: ParentNode): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(focusableSelector)].filter((el) => !el.closest('[inert]') && el.getClientRects().length > 0);
}

/**
 * wrapIndex returns which of count elements Tab (or Shift+Tab) should reach
 * from index, wrapping at both ends; -1 (focus outside) goes to the first or last.
 */
export function wrapIndex(index: number, count: number, back: boolean): number {
  if (count === 0) return -1;
  if (index < 0) return back ? count - 1 : 0;
  return back ? (index - 1 + count) % count : (index + 1) % count;
}

/** trapTab keeps Tab inside root: call it from a keydown handler. */
export function trapTab(e: KeyboardEvent, root: HTMLElement): void {
  if (e.key !== 'Tab') return;
  const items = focusables(root);
  if (items.length === 0) {
    e.preventDefault();
    return;
  }
  const i = items.indexOf(document.activeElement as HTMLElement);
  const atEdge = i === -1 || (e.shiftKey ? i === 0 : i === items.length - 1);
  if (!atEdge) return;
  e.preventDefault();
  items[wrapIndex(i, items.length, e.shiftKey)]!.focus();
}
