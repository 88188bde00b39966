// Saving over someone else's change. A save carries the version it was
// based on; on 409 the server sends the item as it is now. merge compares,
// field by field, what the person started from (base), what they want
// (mine) and what is there now (theirs): fields nobody else touched are
// saved again at once, fields both changed go to the person to decide.
// Nothing typed is ever dropped without asking.

export type Fields = Record<string, unknown>;

export interface Clash {
  field: string;
  base: unknown;
  mine: unknown;
  theirs: unknown;
}

export interface Merge {
  /** Fields to save again, on the current version: theirs did not change them. */
  retry: Fields;
  /** Fields both sides changed, to different values. */
  clashes: Clash[];
}

/** same compares two JSON values (absent and null are the same: "not set"). */
export function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** merge splits the fields of mine into those to save again and those that clash. */
export function merge(base: Fields, mine: Fields, theirs: Fields): Merge {
  const retry: Fields = {};
  const clashes: Clash[] = [];
  for (const [field, value] of Object.entries(mine)) {
    const now = theirs[field];
    if (same(now, value)) continue; // they made the same change
    if (same(now, base[field])) retry[field] = value; // untouched by them
    else clashes.push({ field, base: base[field], mine: value, theirs: now });
  }
  return { retry, clashes };
}

/** resolve builds the patch after the person chose, per clashing field, to keep theirs or mine (or an edited text). */
export function resolve(m: Merge, choices: Record<string, { keep: 'mine' | 'theirs' | 'edited'; value?: unknown }>): Fields {
  const out: Fields = { ...m.retry };
  for (const c of m.clashes) {
    const choice = choices[c.field];
    if (!choice || choice.keep === 'theirs') continue;
    out[c.field] = choice.keep === 'edited' ? choice.value : c.mine;
  }
  return out;
}

/** pick returns the named fields of an object, as a base for merge. */
export function pick(obj: object, fields: readonly string[]): Fields {
  const o = obj as Fields;
  const out: Fields = {};
  for (const f of fields) out[f] = o[f];
  return out;
}
