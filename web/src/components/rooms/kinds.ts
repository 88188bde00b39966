// The part of a room that belongs to its kind: one component per kind,
// chosen by room.kind. Each gets the room as the viewer sees it and a way to
// act in it; the shell around it (people, timer, join, finish) is the same
// for every kind.

import type { Component } from 'svelte';
import type { RoomAction, RoomKind, RoomView } from '../../api/client';
import Daily from './Daily.svelte';
import Planning from './Planning.svelte';
import PokerRoom from './PokerRoom.svelte';
import RefinementRoom from './RefinementRoom.svelte';
import Retro from './Retro.svelte';
import Review from './Review.svelte';

export interface KindProps {
  /** The team's address. */
  team: string;
  view: RoomView;
  /** Whether the viewer is in the room (joined and not left). */
  joined: boolean;
  /** act performs an action; it resolves to false when it failed (the failure is shown already). */
  act: (a: RoomAction) => Promise<boolean>;
}

export const kindComponents: Record<RoomKind, Component<KindProps>> = {
  refinement: RefinementRoom,
  poker: PokerRoom,
  daily: Daily,
  retro: Retro,
  planning: Planning,
  review: Review,
};
