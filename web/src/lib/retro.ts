// The logic of the retrospective's room, apart from its components so it can
// be tested alone: the steps as a stepper, the columns a writing step
// collects, the notes a column shows, picking notes to group, and votes.
// The server hides what a viewer may not see yet; nothing here reveals more.

import type { RoomView, Schemas } from '../api/client';

export type RetroView = Schemas['RetroView'];
export type RetroStep = Schemas['RetroStep'];
export type RetroColumn = Schemas['RetroColumn'];
export type RetroNote = Schemas['RetroNoteView'];
export type RetroGroup = Schemas['RetroGroup'];
export type RetroResult = Schemas['RetroResult'];

/** The steps whose screen is a prompt to think, with nothing to write yet. */
export const tuneInSteps: ReadonlySet<string> = new Set(['tune_in_positive', 'tune_in_problems']);

/** One step in the stepper. */
export interface StepMark {
  id: string;
  /** 1-based position. */
  n: number;
  state: 'done' | 'current' | 'todo';
}

/**
 * stepMarks places the room's steps around the current one: before it done,
 * after it to do. Pick and solution repeat (a solution leads back to pick);
 * the stepper shows where the room is, not how often it was there.
 */
export function stepMarks(steps: readonly Pick<RetroStep, 'id'>[] | null | undefined, current: string): StepMark[] {
  const list = steps ?? [];
  const at = list.findIndex((s) => s.id === current);
  return list.map((s, i) => ({ id: s.id, n: i + 1, state: at < 0 || i > at ? 'todo' : i === at ? 'current' : 'done' }));
}

/**
 * localized returns the message of key when the catalog has one, else the
 * server's own text (a step or column the app does not know yet).
 */
export function localized(key: string, fallback: string, has: (key: string) => boolean, tr: (key: string) => string): string {
  return has(key) ? tr(key) : fallback;
}

/** Message keys of a step and of a column. */
export const stepTitleKey = (id: string) => `rooms.step.retro.${id}`;
export const stepPromptKey = (id: string) => `retro.prompt.${id}`;
export const columnTitleKey = (id: string) => `retro.column.${id}`;
export const columnPromptKey = (id: string) => `retro.columnPrompt.${id}`;

/** currentStep returns the definition of the room's current step. */
export function currentStep(view: Pick<RoomView, 'step' | 'retro'>): RetroStep | undefined {
  return view.retro?.steps?.find((s) => s.id === view.step);
}

/** stepColumns returns the columns a writing step collects, in the template's order. */
export function stepColumns(retro: Pick<RetroView, 'columns'>, step: Pick<RetroStep, 'columns'> | undefined): RetroColumn[] {
  const ids = step?.columns ?? [];
  return (retro.columns ?? []).filter((c) => ids.includes(c.id));
}

/** pickColumn keeps the column chosen on a phone while the step has it, else the step's first. */
export function pickColumn(columns: readonly Pick<RetroColumn, 'id'>[], chosen: string | null | undefined): string {
  if (chosen && columns.some((c) => c.id === chosen)) return chosen;
  return columns[0]?.id ?? '';
}

/** myNotes returns the viewer's notes in a column, in the order written. */
export function myNotes(retro: Pick<RetroView, 'notes'>, column: string): RetroNote[] {
  return (retro.notes ?? []).filter((n) => n.mine && n.column === column);
}

/** countMine counts the viewer's notes per column (the picker's badges). */
export function countMine(retro: Pick<RetroView, 'notes'>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of retro.notes ?? []) if (n.mine) out[n.column] = (out[n.column] ?? 0) + 1;
  return out;
}

/** Who is done writing and who is still writing, among the people in the room. */
export function writingState(view: Pick<RoomView, 'participants' | 'retro'>): { done: string[]; writing: string[] } {
  const done = new Set(view.retro?.done ?? []);
  const active = (view.participants ?? []).filter((p) => p.active).map((p) => p.account_id);
  return { done: active.filter((id) => done.has(id)), writing: active.filter((id) => !done.has(id)) };
}

/** One thing on the combined list: a note alone or a group with its notes. */
export type Entry = { kind: 'note'; id: string; note: RetroNote } | { kind: 'group'; id: string; group: RetroGroup; notes: RetroNote[] };

/**
 * columnEntries lists a column's shown notes for the combined list: a group
 * stands where its first note stood, with its notes; notes still hidden (the
 * viewer's own in a writing step) are left out.
 */
export function columnEntries(retro: Pick<RetroView, 'notes' | 'groups'>, column: string): Entry[] {
  const notes = (retro.notes ?? []).filter((n) => n.column === column && !n.hidden);
  const groups = new Map((retro.groups ?? []).filter((g) => g.column === column).map((g) => [g.id, g]));
  const out: Entry[] = [];
  const placed = new Set<string>();
  for (const n of notes) {
    const g = n.group_id ? groups.get(n.group_id) : undefined;
    if (!g) {
      out.push({ kind: 'note', id: n.id, note: n });
      continue;
    }
    if (placed.has(g.id)) continue;
    placed.add(g.id);
    out.push({ kind: 'group', id: g.id, group: g, notes: notes.filter((x) => x.group_id === g.id) });
  }
  // A group whose notes the viewer cannot see (none should be) still shows.
  for (const g of groups.values()) if (!placed.has(g.id)) out.push({ kind: 'group', id: g.id, group: g, notes: [] });
  return out;
}

/** boardColumns returns the columns the combined list shows: the vote shows only those that take votes. */
export function boardColumns(retro: Pick<RetroView, 'columns' | 'notes'>, voting: boolean): RetroColumn[] {
  const cols = retro.columns ?? [];
  if (voting) return cols.filter((c) => c.votable);
  return cols.filter((c) => (retro.notes ?? []).some((n) => n.column === c.id && !n.hidden));
}

/** Notes picked to become a group: all of one column. */
export interface Selection {
  column: string;
  ids: string[];
}

export const noSelection: Selection = { column: '', ids: [] };

/**
 * toggleNote adds a note to the selection or takes it out. Notes of one
 * column group together, so picking a note of another column starts over
 * with it; a note already in a group cannot be picked.
 */
export function toggleNote(sel: Selection, note: Pick<RetroNote, 'id' | 'column' | 'group_id' | 'hidden'>): Selection {
  if (note.group_id || note.hidden) return sel;
  if (sel.ids.includes(note.id)) {
    const ids = sel.ids.filter((id) => id !== note.id);
    return ids.length ? { column: sel.column, ids } : noSelection;
  }
  if (sel.column !== note.column) return { column: note.column, ids: [note.id] };
  return { column: sel.column, ids: [...sel.ids, note.id] };
}

/** canGroup reports whether the selection makes a group: two notes or more. */
export function canGroup(sel: Selection): boolean {
  return sel.ids.length >= 2;
}

/** pruneSelection drops picked notes that went away or joined a group since (the room changed meanwhile). */
export function pruneSelection(sel: Selection, retro: Pick<RetroView, 'notes'>): Selection {
  const ok = new Set((retro.notes ?? []).filter((n) => n.column === sel.column && !n.group_id && !n.hidden).map((n) => n.id));
  const ids = sel.ids.filter((id) => ok.has(id));
  if (ids.length === sel.ids.length) return sel;
  return ids.length ? { column: sel.column, ids } : noSelection;
}

/** votesLeft is how many votes the viewer may still cast. */
export function votesLeft(retro: Pick<RetroView, 'votes_per_member' | 'my_votes'>): number {
  return Math.max(0, retro.votes_per_member - (retro.my_votes ?? []).length);
}

/** myVotesOn counts the viewer's votes on a note or group. */
export function myVotesOn(retro: Pick<RetroView, 'my_votes'>, target: string): number {
  return (retro.my_votes ?? []).filter((v) => v === target).length;
}

/** maxVotes is the most votes any result has (the results' bars are relative to it). */
export function maxVotes(results: readonly Pick<RetroResult, 'votes'>[] | null | undefined): number {
  return Math.max(0, ...(results ?? []).map((r) => r.votes));
}
