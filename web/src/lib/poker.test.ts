import { describe, expect, it } from 'vitest';
import {
  cardPoints,
  currentRound,
  deckCards,
  distribution,
  estimateCards,
  formatPoints,
  history,
  itemRounds,
  needsPoints,
  phaseOf,
  refineStage,
  suggestion,
  typingCommitted,
  typingDraft,
  typingLock,
  typingUnlock,
  voters,
  type RefinementView,
  type RoundView,
} from './poker';

const fib = ['0', '1', '2', '3', '5', '8', '13', '21', '34', '55', '89', '?', 'pass'];

function round(over: Partial<RoundView> = {}): RoundView {
  return { number: 1, attempt: 1, opened_at: '2025-01-01T10:00:00Z', voted: [], waiting: [], revealed: false, ...over };
}

function stats(over: Partial<NonNullable<RoundView['stats']>> = {}): NonNullable<RoundView['stats']> {
  return { votes: 0, numeric: 0, outliers: [], consensus: false, unsure: 0, passed: 0, counts: [], ...over };
}

describe('cards', () => {
  it('puts the deck first and ? and pass last, each once', () => {
    expect(deckCards(['pass', '1', '?', '2', '1', '3'])).toEqual(['1', '2', '3', '?', 'pass']);
    expect(deckCards(fib)).toEqual(fib);
    expect(deckCards(null)).toEqual(['?', 'pass']);
  });

  it('offers only the deck cards as an estimate', () => {
    expect(estimateCards(['XS', 'S', '?', 'pass'])).toEqual(['XS', 'S']);
  });

  it('reads cards as points the way the server does', () => {
    expect(cardPoints('fibonacci', '13')).toBe(13);
    expect(cardPoints('modified_fibonacci', '½')).toBe(0.5);
    expect(cardPoints('tshirt', 'XL')).toBe(8);
    expect(cardPoints('tshirt', '8')).toBeNull();
    expect(cardPoints('custom', '☕')).toBeNull();
    expect(cardPoints('custom', '-1')).toBeNull();
    expect(cardPoints('custom', '1e3')).toBeNull();
    expect(cardPoints('fibonacci', '?')).toBeNull();
    expect(needsPoints('custom', '☕')).toBe(true);
    expect(needsPoints('custom', '3')).toBe(false);
    expect(needsPoints('custom', '')).toBe(false);
  });

  it('shows points briefly', () => {
    expect(formatPoints(0.5, 'en')).toBe('½');
    expect(formatPoints(6.5, 'en')).toBe('6.5');
    expect(formatPoints(6.5, 'ru')).toBe('6,5');
    expect(formatPoints(1 / 3, 'en')).toBe('0.3');
    expect(formatPoints(undefined, 'en')).toBe('–');
  });
});

describe('rounds', () => {
  it('tells the phase', () => {
    expect(phaseOf(null)).toBe('none');
    expect(phaseOf(round())).toBe('voting');
    expect(phaseOf(round({ revealed: true }))).toBe('revealed');
    expect(phaseOf(round({ revealed: true, final: '5' }))).toBe('accepted');
  });

  it('shows only my own card before the reveal, then who is awaited', () => {
    const r = round({ voted: ['li', 'me', 'li'], waiting: ['bo', 'me'], my_vote: '8' });
    const list = voters(r, 'me', fib);
    expect(list.map((v) => [v.id, v.voted, v.card])).toEqual([
      ['li', true, undefined],
      ['me', true, '8'],
      ['bo', false, undefined],
    ]);
    expect(list.find((v) => v.id === 'me')?.me).toBe(true);
  });

  it('orders revealed cards by the deck, ? and pass last, and marks outliers', () => {
    const r = round({
      revealed: true,
      voted: ['a', 'b', 'c', 'd', 'e'],
      votes: [
        { account_id: 'a', card: 'pass' },
        { account_id: 'b', card: '13' },
        { account_id: 'c', card: '?' },
        { account_id: 'd', card: '2' },
        { account_id: 'e', card: '3' },
      ],
      stats: stats({ outliers: ['b'] }),
    });
    const list = voters(r, 'd', fib);
    expect(list.map((v) => v.card)).toEqual(['2', '3', '13', '?', 'pass']);
    expect(list.filter((v) => v.outlier).map((v) => v.id)).toEqual(['b']);
    expect(list.find((v) => v.me)?.id).toBe('d');
  });

  it('draws the distribution in deck order, scaled to the largest count', () => {
    const bars = distribution(
      stats({ median_card: '5', counts: [{ card: '?', count: 1 }, { card: '8', count: 1 }, { card: '5', count: 2 }] }),
      fib,
    );
    expect(bars).toEqual([
      { card: '5', count: 2, share: 1, median: true },
      { card: '8', count: 1, share: 0.5, median: false },
      { card: '?', count: 1, share: 0.5, median: false },
    ]);
    expect(distribution(undefined, fib)).toEqual([]);
  });

  it('suggests the consensus card, else the median card, else the most chosen card', () => {
    const agreed = round({
      revealed: true,
      votes: [
        { account_id: 'a', card: '?' },
        { account_id: 'b', card: '8' },
        { account_id: 'c', card: '8' },
      ],
      stats: stats({ consensus: true, median_card: '8' }),
    });
    expect(suggestion(agreed, fib)).toBe('8');
    const split = round({ revealed: true, stats: stats({ median_card: '5', counts: [{ card: '3', count: 1 }, { card: '8', count: 1 }] }) });
    expect(suggestion(split, fib)).toBe('5');
    const custom = round({ revealed: true, stats: stats({ counts: [{ card: '☕', count: 1 }, { card: 'big', count: 2 }] }) });
    expect(suggestion(custom, ['☕', 'big', '?', 'pass'])).toBe('big');
    const unsure = round({ revealed: true, stats: stats({ counts: [{ card: '?', count: 3 }] }) });
    expect(suggestion(unsure, fib)).toBe('');
  });

  it('summarises earlier rounds newest first, hiding cards of rounds replaced before their reveal and leaving out empty ones', () => {
    const rounds = [
      round({ number: 1, item_key: 'CR-1', voted: ['a', 'b'] }),
      round({ number: 2, attempt: 2, item_key: 'CR-1', revealed: true, final: '5', stats: stats({ consensus: true, counts: [{ card: '5', count: 2 }] }) }),
    ];
    const h = history([round({ number: 0 }), ...rounds], fib);
    expect(h.map((r) => r.number)).toEqual([2, 1]);
    expect(h[0]).toMatchObject({ attempt: 2, itemKey: 'CR-1', cards: [{ card: '5', count: 2 }], final: '5', consensus: true, revealed: true });
    expect(h[1]).toMatchObject({ revealed: false, hiddenVotes: 2, cards: [] });
  });

  it('keeps the rounds of one item', () => {
    const rs = [round({ number: 1, item_id: 'x' }), round({ number: 2, item_id: 'y' }), round({ number: 3, item_id: 'x' })];
    expect(itemRounds(rs, 'x').map((r) => r.number)).toEqual([1, 3]);
  });
});

describe('refinement', () => {
  const base: RefinementView = { queue: [], subtasks: [], done: [], estimation: { deck: 'fibonacci', cards: fib, history: [] } };
  const current = { item_id: 'x', item_key: 'CR-1', item_title: 'Checkout', requested: true };

  it('tells the stage', () => {
    expect(refineStage({ step: 'discussion', refinement: base })).toBe('empty');
    expect(refineStage({ step: 'discussion', refinement: { ...base, current } })).toBe('discussion');
    expect(refineStage({ step: 'estimation', refinement: { ...base, current } })).toBe('estimation');
    expect(refineStage({ step: 'estimation', refinement: undefined })).toBe('empty');
  });

  it('plays only a round of the current item', () => {
    const r = round({ item_id: 'x' });
    expect(currentRound({ step: 'estimation', refinement: { ...base, current, estimation: { ...base.estimation!, round: r } } })).toBe(r);
    const other = round({ item_id: 'y' });
    expect(currentRound({ step: 'estimation', refinement: { ...base, current, estimation: { ...base.estimation!, round: other } } })).toBeNull();
  });
});

describe('typing in the item', () => {
  const draft = (by: string, text: string, base_version: number) => ({ by, client: 'c', field: 'description', text, base_version });

  it('shows others typing, not me, and not drafts of an older version', () => {
    let t = typingDraft({}, draft('li', 'Hel', 3), 'me', 3);
    expect(t).toEqual({ description: { by: 'li', text: 'Hel', base_version: 3 } });
    expect(typingDraft(t, draft('me', 'x', 3), 'me', 3)).toBe(t);
    expect(typingDraft(t, draft('bo', 'old', 2), 'me', 3)).toBe(t);
    t = typingDraft(t, draft('li', 'Hello', 3), 'me', 3);
    expect(t.description?.text).toBe('Hello');
  });

  it('follows locks and unlocks', () => {
    let t = typingLock({}, { by: 'li', client: 'c', field: 'title' }, 'me');
    expect(t).toEqual({ title: { by: 'li' } });
    expect(typingLock(t, { by: 'me', client: 'c', field: 'description' }, 'me')).toBe(t);
    t = typingUnlock(t, { by: 'li', client: 'c', field: 'title' });
    expect(t).toEqual({});
  });

  it('drops drafts a committed version made stale', () => {
    const t = { description: { by: 'li', text: 'a', base_version: 3 }, title: { by: 'bo' } };
    expect(typingCommitted(t, 4)).toEqual({ title: { by: 'bo' } });
    expect(typingCommitted(t, 3)).toBe(t);
  });
});
