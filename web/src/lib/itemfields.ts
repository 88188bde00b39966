// How item fields are named and shown to people: in the history, in the
// conflict dialog and in announcements.

import type { Sprint } from '../api/client';
import { t, type MessageKey } from '../i18n/i18n.svelte';
import type { Workspace } from './workspace.svelte';

const named = new Set([
  'title', 'description', 'criteria', 'points', 'assignees', 'labels', 'priority', 'due_date', 'kind', 'parent_id',
  'status_id', 'sprint_id', 'rank', 'origin',
]);

/** fieldLabel names an item field ("Status"). */
export function fieldLabel(field: string): string {
  return named.has(field) ? t(`field.${field}` as MessageKey) : field;
}

/** showValue renders a value of an item field for people. */
export function showValue(ws: Workspace, sprints: readonly Sprint[], field: string, v: unknown): string {
  if (v === undefined || v === null || v === '') return '';
  switch (field) {
    case 'status_id':
      return ws.status(String(v))?.name ?? '';
    case 'sprint_id':
      return sprints.find((s) => s.id === v)?.name ?? '';
    case 'assignees':
      return Array.isArray(v) ? v.map((a) => ws.memberName(String(a)) || '?').join(', ') : '';
    case 'labels':
      return Array.isArray(v) ? v.join(', ') : '';
    case 'criteria':
      return Array.isArray(v) ? v.map((c: { text?: string; done?: boolean }) => `${c.done ? '☑' : '☐'} ${c.text ?? ''}`).join('\n') : '';
    case 'kind':
      return t(`kind.${String(v)}` as MessageKey);
    case 'priority':
      return t(`priority.${String(v)}` as MessageKey);
    case 'origin':
      return typeof v === 'object' && v && 'ceremony' in v ? t(`ceremony.${String((v as { ceremony: string }).ceremony)}` as MessageKey) : '';
    default:
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
}
