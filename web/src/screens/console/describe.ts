// Words for a job's filter and an audit entry's actor.
import { t, type MessageKey } from '../../i18n/i18n.svelte';
import type { SpaceFilter } from '../../lib/console';

/** describeFilter says which spaces a filter selects, in words. */
export function describeFilter(f: SpaceFilter): string {
  const parts: string[] = [];
  if (f.search) parts.push(`${t('console.search')}: “${f.search}”`);
  if (f.states?.length) parts.push(`${t('console.filterState')}: ${f.states.map((s) => t(`console.state.${s}` as MessageKey)).join(', ')}`);
  if (f.health?.length) parts.push(`${t('console.filterHealth')}: ${f.health.map((h) => t(`console.health.${h}` as MessageKey)).join(', ')}`);
  if (f.ids?.length) parts.push(f.ids.join(', '));
  return parts.length ? parts.join('; ') : t('console.massAll');
}
