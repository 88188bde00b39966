// The logic of estimation (planning poker) and backlog refinement rooms,
// apart from the components so it can be tested alone: the cards in order,
// what a card is worth in points, the revealed votes and their statistics as
// the room shows them, the history of rounds, what the viewer sees of a round
// (its phase), the refinement room's stage, and who is typing in the item
// being refined (co-editing drafts).

import type { RoomView, Schemas } from '../api/client';
import type { Draft, Lock } from './hub';

export type PokerView = Schemas['PokerView'];
export type RoundView = Schemas['RoundView'];
export type RoundStats = Schemas['RoundStats'];
export type RefinementView = Schemas['RefinementView'];
export type Deck = PokerView['deck'];

/** The cards every deck has besides its own. */
export const unsureCard = '?';
export const passCard = 'pass';

/** isExtra reports whether a card is ? or pass, which count for no number. */
export function isExtra(card: string): boolean {
  return card === unsureCard || card === passCard;
}

/**
 * deckCards returns the cards to pick from in the room's order, the deck's
 * own first and ? and pass last (whatever order they arrived in), each once.
 */
export function deckCards(cards: readonly string[] | null | undefined): string[] {
  const seen = new Set<string>();
  const own: string[] = [];
  for (const c of cards ?? []) {
    if (seen.has(c) || isExtra(c)) continue;
    seen.add(c);
    own.push(c);
  }
  return [...own, unsureCard, passCard];
}

/** The deck's own cards, without ? and pass: the values an estimate can take. */
export function estimateCards(cards: readonly string[] | null | undefined): string[] {
  return deckCards(cards).filter((c) => !isExtra(c));
}

/** The points a t-shirt size is written as (as the server does). */
export const tshirtPoints: Readonly<Record<string, number>> = { XS: 1, S: 2, M: 3, L: 5, XL: 8, XXL: 13 };

/**
 * cardPoints is the number a card stands for, as the server reads it: a
 * t-shirt size's points, ½ as 0.5, a plain number as itself; null for a card
 * that is no number (☕, ?, pass).
 */
export function cardPoints(deck: Deck, card: string): number | null {
  if (deck === 'tshirt') return tshirtPoints[card] ?? null;
  if (card === '½') return 0.5;
  if (!/^[0-9.]+$/.test(card)) return null;
  const n = Number(card);
  return Number.isFinite(n) && n >= 0 && n <= 1000 ? n : null;
}

/**
 * needsPoints reports whether accepting card writes nothing to the item's
 * points unless the team says how many: a card that is no number. The accept
 * form then asks for points.
 */
export function needsPoints(deck: Deck, card: string): boolean {
  return card !== '' && cardPoints(deck, card) === null;
}

/** offersPoints reports whether the accept form offers a points field at all: decks whose cards are not plain points. */
export function offersPoints(deck: Deck): boolean {
  return deck === 'tshirt' || deck === 'custom';
}

/** formatPoints shows a number of points: ½ for 0.5, at most one decimal, in the language's way. */
export function formatPoints(n: number | null | undefined, locale: string): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  if (n === 0.5) return '½';
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(n);
}

/** What the viewer sees of a room's current round. */
export type Phase =
  /** No round yet. */
  | 'none'
  /** Cards are being picked; only who has voted shows. */
  | 'voting'
  /** Everyone's card shows; nothing accepted yet. */
  | 'revealed'
  /** The team accepted an estimate. */
  | 'accepted';

/** phaseOf tells the phase of a round. */
export function phaseOf(round: RoundView | null | undefined): Phase {
  if (!round) return 'none';
  if (!round.revealed) return 'voting';
  return round.final ? 'accepted' : 'revealed';
}

/** One voter of a round as the room shows them. */
export interface Voter {
  id: string;
  voted: boolean;
  /** The card: the viewer's own before the reveal, everyone's after; undefined while hidden. */
  card?: string;
  /** Far from the median (revealed rounds). */
  outlier: boolean;
  me: boolean;
}

/**
 * voters lists a round's voters: before the reveal who has voted (in the
 * order they voted, the viewer's card shown, no one else's) then who the
 * reveal waits for; after it everyone's card in the deck's order (highest
 * last), ? and pass at the end, outliers marked.
 */
export function voters(round: RoundView, me: string, cards: readonly string[]): Voter[] {
  if (!round.revealed) {
    const out: Voter[] = [];
    const seen = new Set<string>();
    for (const id of round.voted ?? []) {
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ id, voted: true, card: id === me ? round.my_vote || undefined : undefined, outlier: false, me: id === me });
    }
    for (const id of round.waiting ?? []) {
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ id, voted: false, outlier: false, me: id === me });
    }
    return out;
  }
  const order = deckCards(cards);
  const rank = (c: string) => {
    const i = order.indexOf(c);
    return i < 0 ? order.length : i;
  };
  const outliers = new Set(round.stats?.outliers ?? []);
  return (round.votes ?? [])
    .map((v, i) => ({ v, i }))
    .sort((a, b) => rank(a.v.card) - rank(b.v.card) || a.i - b.i)
    .map(({ v }) => ({ id: v.account_id, voted: true, card: v.card, outlier: outliers.has(v.account_id), me: v.account_id === me }));
}

/** One bar of a revealed round's distribution. */
export interface Bar {
  card: string;
  count: number;
  /** Share of the largest count, 0–1, for the bar's length. */
  share: number;
  /** The card nearest the median. */
  median: boolean;
}

/** distribution turns a round's counts into bars in the deck's order. */
export function distribution(stats: RoundStats | null | undefined, cards: readonly string[]): Bar[] {
  if (!stats) return [];
  const order = deckCards(cards);
  const counts = [...(stats.counts ?? [])].sort((a, b) => {
    const ia = order.indexOf(a.card);
    const ib = order.indexOf(b.card);
    return (ia < 0 ? order.length : ia) - (ib < 0 ? order.length : ib);
  });
  const max = Math.max(0, ...counts.map((c) => c.count));
  return counts.map((c) => ({ card: c.card, count: c.count, share: max ? c.count / max : 0, median: c.card === stats.median_card }));
}

/**
 * suggestion is the card to offer for accepting a revealed round: the
 * consensus card when the team agreed, else the deck's card nearest the
 * median, else the most chosen card of the deck; "" when nothing fits (all
 * chose ? or pass).
 */
export function suggestion(round: RoundView, cards: readonly string[]): string {
  const own = estimateCards(cards);
  const stats = round.stats;
  if (stats?.consensus) {
    const agreed = (round.votes ?? []).find((v) => !isExtra(v.card))?.card;
    if (agreed && own.includes(agreed)) return agreed;
  }
  if (stats?.median_card && own.includes(stats.median_card)) return stats.median_card;
  let best = '';
  let bestCount = 0;
  for (const c of stats?.counts ?? []) {
    if (own.includes(c.card) && c.count > bestCount) {
      best = c.card;
      bestCount = c.count;
    }
  }
  return best;
}

/** A summary of one earlier round for the history. */
export interface PastRound {
  number: number;
  attempt: number;
  itemKey: string;
  itemTitle: string;
  /** Revealed: the cards chosen, in the deck's order, with how many chose each. */
  cards: { card: string; count: number }[];
  /** Replaced before its reveal: how many had voted. */
  hiddenVotes: number;
  revealed: boolean;
  final: string;
  consensus: boolean;
}

/**
 * history summarises earlier rounds, newest first. A round replaced before
 * anyone voted in it (the free round an estimation room opens with, before
 * the facilitator picked an item) tells nothing and is left out.
 */
export function history(rounds: readonly RoundView[] | null | undefined, cards: readonly string[]): PastRound[] {
  return [...(rounds ?? [])]
    .filter((r) => r.revealed || (r.voted ?? []).length > 0)
    .sort((a, b) => b.number - a.number)
    .map((r) => ({
      number: r.number,
      attempt: r.attempt,
      itemKey: r.item_key ?? '',
      itemTitle: r.item_title ?? '',
      cards: distribution(r.stats, cards).map((b) => ({ card: b.card, count: b.count })),
      hiddenVotes: r.revealed ? 0 : (r.voted ?? []).length,
      revealed: r.revealed,
      final: r.final ?? '',
      consensus: !!r.stats?.consensus,
    }));
}

/** The stage of a refinement room as the viewer sees it. */
export type RefineStage = 'empty' | 'discussion' | 'estimation';

/** refineStage tells what a refinement room shows: nothing to refine, the discussion of the current item, or its estimation. */
export function refineStage(view: Pick<RoomView, 'step' | 'refinement'>): RefineStage {
  const r = view.refinement;
  if (!r?.current) return 'empty';
  return view.step === 'estimation' ? 'estimation' : 'discussion';
}

/** currentRound is the refinement room's round of its current item, while it is being estimated. */
export function currentRound(view: Pick<RoomView, 'step' | 'refinement'>): RoundView | null {
  const r = view.refinement;
  const round = r?.estimation?.round;
  if (!r?.current || !round || round.item_id !== r.current.item_id) return null;
  return round;
}

/** itemRounds are the earlier rounds of one item (a refinement room's history shows only the current item's). */
export function itemRounds(rounds: readonly RoundView[] | null | undefined, itemId: string): RoundView[] {
  return (rounds ?? []).filter((r) => r.item_id === itemId);
}

/** Who is typing in which field of an item, and what they typed so far. */
export type Typing = Readonly<Record<string, { by: string; text?: string; base_version?: number }>>;

/**
 * typingDraft takes in a draft from the item's channel: drafts of the viewer
 * and drafts built on an older version than the one held are ignored.
 */
export function typingDraft(typing: Typing, d: Draft, me: string | undefined, version: number | undefined): Typing {
  if (d.by === me || version === undefined || d.base_version < version) return typing;
  return { ...typing, [d.field]: { by: d.by, text: d.text, base_version: d.base_version } };
}

/** typingLock takes in a lock: someone started editing a field. */
export function typingLock(typing: Typing, l: Lock, me: string | undefined): Typing {
  if (l.by === me) return typing;
  return { ...typing, [l.field]: { ...typing[l.field], by: l.by } };
}

/** typingUnlock forgets who edited a field. */
export function typingUnlock(typing: Typing, l: Lock): Typing {
  if (!(l.field in typing)) return typing;
  const { [l.field]: _gone, ...rest } = typing;
  return rest;
}

/** typingCommitted drops drafts made stale by a committed version of the item. */
export function typingCommitted(typing: Typing, version: number): Typing {
  const kept = Object.entries(typing).filter(([, d]) => d.base_version === undefined || d.base_version >= version);
  return kept.length === Object.keys(typing).length ? typing : Object.fromEntries(kept);
}
