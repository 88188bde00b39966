// The app's language: t() looks a key up in the current catalog. English is
// built in; other catalogs load when chosen. Reading t() in a component makes
// it follow a change of language.

import en from './en';
import { format, pickLocale, type Locale, type Message, type Params } from './format';

export type MessageKey = keyof typeof en;
/** A catalog has a message for every key English has. */
export type Catalog = { readonly [K in MessageKey]: Message };

const storageKey = 'pama.locale';

const loaders: Record<Locale, () => Promise<Catalog>> = {
  en: async () => en,
  ru: async () => (await import('./ru')).default,
};

/** Names of the languages, each in itself, for the language picker. */
export const localeNames: Record<Locale, string> = { en: 'English', ru: 'Русский' };

class I18n {
  locale = $state<Locale>('en');
  messages = $state.raw<Catalog>(en);

  /** use switches to locale, loading its catalog, and remembers the choice when save is set. */
  async use(locale: Locale, save = false): Promise<void> {
    const messages = await loaders[locale]();
    this.messages = messages;
    this.locale = locale;
    if (typeof document !== 'undefined') document.documentElement.lang = locale;
    if (save) {
      try {
        localStorage.setItem(storageKey, locale);
      } catch {
        // Private mode: the choice lasts until the tab closes.
      }
    }
  }

  /** start picks the saved language, or the browser's, and loads it. */
  async start(): Promise<void> {
    let saved: string | null = null;
    try {
      saved = localStorage.getItem(storageKey);
    } catch {
      saved = null;
    }
    const preferred = typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language];
    await this.use(pickLocale(saved, preferred));
  }
}

export const i18n = new I18n();

/** t returns the message for key in the current language, with params filled in. */
export function t(key: MessageKey, params?: Params): string {
  const message = i18n.messages[key] ?? en[key];
  return format(message ?? key, i18n.locale, params);
}

/** formatDate renders an ISO time as a date (and time, when withTime) in the current language. */
export function formatDate(iso: string | undefined, withTime = false): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(i18n.locale, withTime ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'medium' }).format(d);
}
