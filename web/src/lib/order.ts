// Order on the backlog and the board: moving an element in a list, and the
// position to send for it. The server keeps a rank per item; a move names
// the new neighbour (after_id or before_id), so one row is written however
// long the backlog is. A filtered view names its visible neighbours, which
// keeps the order of what is shown and leaves hidden items where they were.

import type { Position } from '../api/client';

export interface HasId {
  id: string;
}

/** moved returns a copy of list with the element at from put at index to (of the result). */
export function moved<T>(list: readonly T[], from: number, to: number): T[] {
  const out = [...list];
  if (from < 0 || from >= out.length) return out;
  const [el] = out.splice(from, 1);
  const at = Math.max(0, Math.min(to, out.length));
  out.splice(at, 0, el!);
  return out;
}

/**
 * positionAt returns the position to send for the element at index i of
 * list, the order after the move: right after the element above it, else
 * right before the one below, else nothing (it is alone: no neighbour to
 * name, so the order does not change).
 */
export function positionAt(list: readonly HasId[], i: number): Position {
  const above = list[i - 1];
  if (above) return { after_id: above.id };
  const below = list[i + 1];
  if (below) return { before_id: below.id };
  return {};
}

/** isEmptyPosition reports whether a position names no place. */
export function isEmptyPosition(p: Position): boolean {
  return !p.after_id && !p.before_id && !p.top && !p.bottom;
}

/** clampIndex keeps i within a list of length n (0 for an empty list). */
export function clampIndex(i: number, n: number): number {
  return Math.max(0, Math.min(i, n - 1));
}

/**
 * dropIndex returns where an element dragged to y lands among rows whose
 * vertical middles are mids (in order, the dragged row left out): the
 * number of rows whose middle is above y.
 */
export function dropIndex(y: number, mids: readonly number[]): number {
  let i = 0;
  while (i < mids.length && y > mids[i]!) i++;
  return i;
}

/** A card on a board: its id and the column it is in. */
export interface Placed extends HasId {
  status_id: string;
}

/**
 * boardMove computes a move on the board: the item goes to column status at
 * index (in that column without the item). It returns the request (a new
 * status when the column changes, and the position among the column's
 * cards) and the column as it will look.
 */
export function boardMove<T extends Placed>(
  column: readonly T[],
  item: T,
  status: string,
  index: number,
): { body: { status_id?: string; position?: Position }; column: T[] } {
  const rest = column.filter((c) => c.id !== item.id);
  const at = Math.max(0, Math.min(index, rest.length));
  const placed = { ...item, status_id: status };
  const next = [...rest.slice(0, at), placed, ...rest.slice(at)];
  const body: { status_id?: string; position?: Position } = {};
  if (status !== item.status_id) body.status_id = status;
  const position = positionAt(next, at);
  if (!isEmptyPosition(position)) body.position = position;
  return { body, column: next };
}

/** A change of place announced to screen readers during a keyboard move. */
export interface KeyMove {
  index: number;
  column: number;
}

/**
 * keyStep returns where an arrow key takes a grabbed card: up and down
 * within its column (clamped), left and right to the neighbouring column
 * (clamped), keeping the index when the column is long enough.
 */
export function keyStep(key: string, at: KeyMove, columnLengths: readonly number[]): KeyMove | null {
  const len = (c: number) => columnLengths[c] ?? 0;
  switch (key) {
    case 'ArrowUp':
      return { column: at.column, index: Math.max(0, at.index - 1) };
    case 'ArrowDown':
      // In its own column the card is one of len, so the last index is len-1.
      return { column: at.column, index: Math.min(len(at.column) - 1, at.index + 1) };
    case 'ArrowLeft':
    case 'ArrowRight': {
      const column = at.column + (key === 'ArrowLeft' ? -1 : 1);
      if (column < 0 || column >= columnLengths.length) return null;
      // In another column the card adds one place: 0..len.
      return { column, index: Math.min(at.index, len(column)) };
    }
    case 'Home':
      return { column: at.column, index: 0 };
    case 'End':
      return { column: at.column, index: Math.max(0, len(at.column) - 1) };
  }
  return null;
}
