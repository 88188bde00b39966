// Words for errors: what a person should read when a call fails.

import { ApiError } from '../api/problem';
import { t } from '../i18n/i18n.svelte';

/**
 * errorText describes err for people in the current language. Failures of
 * the network, the server or the rate limit get our own words; other
 * problems carry the server's explanation.
 */
export function errorText(err: unknown): string {
  if (!(err instanceof ApiError)) return t('error.unknown');
  if (err.kind === 'network') return t('error.network');
  if (err.kind === 'aborted') return t('error.aborted');
  if (err.status === 429) return t('error.rateLimited', { count: err.retryAfter ?? 30 });
  if (err.status >= 500) return t('error.server');
  if (err.status === 403) return err.problem.detail || t('error.forbidden');
  if (err.status === 404) return t('error.notFound');
  return err.problem.detail || err.problem.title || t('error.unknown');
}

/**
 * formErrors splits err for a form: messages for the fields it has, and the
 * rest as general messages (a field the form lacks goes there too).
 */
export function formErrors(err: unknown, known: readonly string[]): { fields: Record<string, string>; general: string[] } {
  if (!(err instanceof ApiError)) return { fields: {}, general: [errorText(err)] };
  const fields: Record<string, string> = {};
  const general: string[] = [...err.general];
  for (const [k, v] of Object.entries(err.fields)) {
    if (known.includes(k)) fields[k] = v;
    else general.push(v);
  }
  if (Object.keys(fields).length === 0 && general.length === 0) general.push(errorText(err));
  return { fields, general };
}
