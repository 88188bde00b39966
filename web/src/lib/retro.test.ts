import { describe, expect, it } from 'vitest';
import en from '../i18n/en';
import ru from '../i18n/ru';
import {
  boardColumns,
  canGroup,
  columnEntries,
  countMine,
  currentStep,
  localized,
  maxVotes,
  myNotes,
  myVotesOn,
  noSelection,
  pickColumn,
  pruneSelection,
  stepColumns,
  stepMarks,
  stepTitleKey,
  toggleNote,
  votesLeft,
  writingState,
  type RetroColumn,
  type RetroNote,
} from './retro';

const note = (id: string, column: string, over: Partial<RetroNote> = {}): RetroNote => ({ id, column, text: `note ${id}`, mine: false, hidden: false, ...over });
const col = (id: string, votable = true): RetroColumn => ({ id, title: id.toUpperCase(), prompt: '', votable });

// The steps of the default template, as the server lists them.
const tenSteps = ['review', 'tune_in_positive', 'write_positive', 'tune_in_problems', 'write_problems', 'list', 'vote', 'results', 'pick', 'solution', 'close'];

describe('steps', () => {
  it('marks the steps before the current one done and those after it to do', () => {
    const marks = stepMarks(
      tenSteps.map((id) => ({ id })),
      'list',
    );
    expect(marks.map((m) => m.state)).toEqual(['done', 'done', 'done', 'done', 'done', 'current', 'todo', 'todo', 'todo', 'todo', 'todo']);
    expect(marks[5]).toEqual({ id: 'list', n: 6, state: 'current' });
  });

  it('back at pick after a solution, the solution step is to do again', () => {
    const marks = stepMarks(
      tenSteps.map((id) => ({ id })),
      'pick',
    );
    expect(marks.find((m) => m.id === 'solution')?.state).toBe('todo');
    expect(marks.find((m) => m.id === 'results')?.state).toBe('done');
  });

  it('an unknown current step marks nothing done; no steps is an empty stepper', () => {
    expect(stepMarks([{ id: 'write' }, { id: 'vote' }], 'gone').map((m) => m.state)).toEqual(['todo', 'todo']);
    expect(stepMarks(null, 'write')).toEqual([]);
  });

  it('names every step of every template in both languages', () => {
    for (const id of [...tenSteps, 'write']) {
      expect(stepTitleKey(id) in en, id).toBe(true);
      expect(stepTitleKey(id) in ru, id).toBe(true);
    }
  });

  it('falls back to the server’s title for a step the app does not know', () => {
    const has = (k: string) => k in en;
    const tr = (k: string) => en[k as keyof typeof en] as string;
    expect(localized(stepTitleKey('vote'), 'Server vote', has, tr)).toBe('Vote');
    expect(localized(stepTitleKey('dot_voting'), 'Dot voting', has, tr)).toBe('Dot voting');
  });

  it('finds the current step’s definition', () => {
    const retro = { steps: [{ id: 'write', title: 'W', prompt: '', columns: ['start', 'stop'] }] };
    expect(currentStep({ step: 'write', retro: retro as never })?.columns).toEqual(['start', 'stop']);
    expect(currentStep({ step: 'vote', retro: retro as never })).toBeUndefined();
    expect(currentStep({ step: 'write' })).toBeUndefined();
  });
});

describe('columns', () => {
  const columns = [col('start'), col('stop'), col('continue')];

  it('gives a writing step its columns in the template’s order', () => {
    expect(stepColumns({ columns }, { columns: ['continue', 'start'] }).map((c) => c.id)).toEqual(['start', 'continue']);
    expect(stepColumns({ columns }, { columns: null })).toEqual([]);
    expect(stepColumns({ columns }, undefined)).toEqual([]);
  });

  it('keeps the phone’s chosen column while the step has it, else shows the first', () => {
    expect(pickColumn(columns, 'stop')).toBe('stop');
    expect(pickColumn(columns, null)).toBe('start');
    expect(pickColumn([col('problems')], 'stop')).toBe('problems');
    expect(pickColumn([], 'stop')).toBe('');
  });

  it('lists the viewer’s own notes of a column and counts them per column', () => {
    const notes = [note('1', 'start', { mine: true, hidden: true }), note('2', 'start'), note('3', 'stop', { mine: true, hidden: true }), note('4', 'start', { mine: true, hidden: true })];
    expect(myNotes({ notes }, 'start').map((n) => n.id)).toEqual(['1', '4']);
    expect(countMine({ notes })).toEqual({ start: 2, stop: 1 });
  });

  it('the list shows the columns with shown notes; the vote only the columns that take votes', () => {
    const retro = {
      columns: [col('went_well', false), col('problems')],
      notes: [note('1', 'went_well'), note('2', 'problems', { mine: true, hidden: true })],
    };
    expect(boardColumns(retro, false).map((c) => c.id)).toEqual(['went_well']);
    expect(boardColumns(retro, true).map((c) => c.id)).toEqual(['problems']);
  });

  it('puts a group where its first note stood, with its notes, and leaves hidden notes out', () => {
    const retro = {
      notes: [note('a', 'problems'), note('b', 'problems', { group_id: 'g' }), note('c', 'problems'), note('d', 'problems', { group_id: 'g' }), note('e', 'problems', { hidden: true, mine: true }), note('f', 'other')],
      groups: [{ id: 'g', column: 'problems', title: 'Slow CI', note_ids: ['b', 'd'] }],
    };
    const entries = columnEntries(retro, 'problems');
    expect(entries.map((e) => `${e.kind}:${e.id}`)).toEqual(['note:a', 'group:g', 'note:c']);
    const g = entries[1]!;
    expect(g.kind === 'group' && g.notes.map((n) => n.id)).toEqual(['b', 'd']);
  });
});

describe('grouping', () => {
  it('picks notes of one column; a note of another column starts over', () => {
    let sel = toggleNote(noSelection, note('a', 'problems'));
    sel = toggleNote(sel, note('b', 'problems'));
    expect(sel).toEqual({ column: 'problems', ids: ['a', 'b'] });
    expect(canGroup(sel)).toBe(true);
    sel = toggleNote(sel, note('x', 'went_well'));
    expect(sel).toEqual({ column: 'went_well', ids: ['x'] });
    expect(canGroup(sel)).toBe(false);
  });

  it('ticking a picked note again takes it out; the last one out clears the selection', () => {
    let sel = toggleNote(toggleNote(noSelection, note('a', 'p')), note('b', 'p'));
    sel = toggleNote(sel, note('a', 'p'));
    expect(sel).toEqual({ column: 'p', ids: ['b'] });
    expect(toggleNote(sel, note('b', 'p'))).toEqual(noSelection);
  });

  it('a note already in a group, or still hidden, cannot be picked', () => {
    const sel = { column: 'p', ids: ['a'] };
    expect(toggleNote(sel, note('b', 'p', { group_id: 'g' }))).toBe(sel);
    expect(toggleNote(sel, note('c', 'p', { hidden: true }))).toBe(sel);
  });

  it('drops picked notes that someone grouped or that went away meanwhile', () => {
    const sel = { column: 'p', ids: ['a', 'b', 'c'] };
    expect(pruneSelection(sel, { notes: [note('a', 'p'), note('b', 'p'), note('c', 'p')] })).toBe(sel);
    expect(pruneSelection(sel, { notes: [note('a', 'p'), note('b', 'p', { group_id: 'g' })] })).toEqual({ column: 'p', ids: ['a'] });
    expect(pruneSelection(sel, { notes: [] })).toEqual(noSelection);
  });
});

describe('votes', () => {
  it('counts the votes left, several on one note allowed, never below zero', () => {
    expect(votesLeft({ votes_per_member: 3, my_votes: [] })).toBe(3);
    expect(votesLeft({ votes_per_member: 3, my_votes: ['a', 'a'] })).toBe(1);
    expect(votesLeft({ votes_per_member: 3, my_votes: ['a', 'a', 'b'] })).toBe(0);
    expect(votesLeft({ votes_per_member: 3, my_votes: ['a', 'a', 'b', 'c'] })).toBe(0);
    expect(votesLeft({ votes_per_member: 3, my_votes: null })).toBe(3);
  });

  it('counts the viewer’s votes on one target', () => {
    const retro = { my_votes: ['a', 'b', 'a'] };
    expect(myVotesOn(retro, 'a')).toBe(2);
    expect(myVotesOn(retro, 'b')).toBe(1);
    expect(myVotesOn(retro, 'c')).toBe(0);
  });

  it('finds the most votes of the results', () => {
    expect(maxVotes([{ votes: 2 }, { votes: 5 }, { votes: 0 }])).toBe(5);
    expect(maxVotes([])).toBe(0);
    expect(maxVotes(undefined)).toBe(0);
  });
});

describe('writing', () => {
  it('splits the people in the room into done and still writing; who left holds nothing up', () => {
    const at = '2026-11-27T10:00:00Z';
    const view = {
      participants: [
        { account_id: 'ana', joined_at: at, active: true },
        { account_id: 'li', joined_at: at, active: true },
        { account_id: 'bo', joined_at: at, active: false },
      ],
      retro: { done: ['li', 'bo'] } as never,
    };
    expect(writingState(view)).toEqual({ done: ['li'], writing: ['ana'] });
  });
});
