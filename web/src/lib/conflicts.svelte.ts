// Asking the person what to keep when a save met someone else's change.
// Screens call ask() with the clashing fields; the ConflictDialog in the
// app shows the question and answers it.

import { resolve, type Fields, type Merge } from './conflict';

export interface Ask {
  merge: Merge;
  /** What to call a field ("Description"). */
  label: (field: string) => string;
  /** How to show a value of a field. */
  show: (field: string, value: unknown) => string;
  /** Fields whose value is text the person may edit before saving. */
  textFields: readonly string[];
  /** Who made the other change, when known. */
  who?: string;
}

export interface Pending extends Ask {
  answer: (choices: Record<string, { keep: 'mine' | 'theirs' | 'edited'; value?: unknown }> | null) => void;
}

export class Conflicts {
  current = $state.raw<Pending | null>(null);

  /** ask shows the clashes and resolves with the fields to save (null when the person closed it). */
  ask(a: Ask): Promise<Fields | null> {
    this.current?.answer(null);
    return new Promise((done) => {
      this.current = {
        ...a,
        answer: (choices) => {
          this.current = null;
          done(choices ? resolve(a.merge, choices) : null);
        },
      };
    });
  }
}
