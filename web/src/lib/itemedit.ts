// Saving a person's edit of an item, as the item's page and the refinement
// room both do: refused while offline, a clash with another's change decided
// in the conflict dialog, any error said in a toast.

import type { Item, Sprint } from '../api/client';
import { t } from '../i18n/i18n.svelte';
import type { Fields } from './conflict';
import { errorText } from './errors';
import { fieldLabel, showValue } from './itemfields';
import { saveItem } from './items';
import { api, conflicts, connection, toasts, workspace } from './services';

/** saved; kept: the person closed the conflict dialog, keeping the other change (and their own text to go on with); failed: already said. */
export type EditOutcome = 'saved' | 'kept' | 'failed';

/**
 * editItem saves patch against base (the item as the edit began). item is
 * the item as stored afterwards, when the server answered with it.
 */
export async function editItem(team: string, base: Item, patch: Fields, sprints: readonly Sprint[] = []): Promise<{ outcome: EditOutcome; item?: Item }> {
  if (!connection.online) {
    toasts.show(t('work.offlineRefused'), 'error');
    return { outcome: 'failed' };
  }
  let kept = false;
  try {
    const item = await saveItem(api, team, base, patch, async (m) => {
      const out = await conflicts.ask({ merge: m, label: fieldLabel, show: (f, v) => showValue(workspace, sprints, f, v), textFields: ['title', 'description'] });
      kept = out === null;
      return out;
    });
    return { outcome: kept ? 'kept' : 'saved', item };
  } catch (e) {
    toasts.show(errorText(e), 'error');
    return { outcome: 'failed' };
  }
}
