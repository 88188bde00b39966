// Short dates for chart axes and tables, in the app's language. Plain
// dates are days (shown as in UTC so they do not shift a day).
import { i18n } from '../../i18n/i18n.svelte';

export function shortDate(date: string): string {
  const plain = /^\d{4}-\d{2}-\d{2}$/.test(date);
  const d = new Date(plain ? `${date}T00:00:00Z` : date);
  if (Number.isNaN(d.getTime())) return date;
  return new Intl.DateTimeFormat(i18n.locale, { month: 'short', day: 'numeric', ...(plain ? { timeZone: 'UTC' } : {}) }).format(d);
}

export function num(v: number): string {
  return v.toLocaleString(i18n.locale, { maximumFractionDigits: 1 });
}
