// Message formatting without a library: {name} placeholders, and plurals as
// an object of CLDR forms chosen by Intl.PluralRules for the {count} param.

/** Plural forms of a message; "other" is always there. */
export interface Plural {
  zero?: string;
  one?: string;
  two?: string;
  few?: string;
  many?: string;
  other: string;
}

export type Message = string | Plural;

export type Params = Record<string, string | number>;

const pluralRules = new Map<string, Intl.PluralRules>();

function rules(locale: string): Intl.PluralRules {
  let r = pluralRules.get(locale);
  if (!r) {
    r = new Intl.PluralRules(locale);
    pluralRules.set(locale, r);
  }
  return r;
}

/**
 * format renders message in locale with params. A plural message picks its
 * form by params.count; {name} placeholders are replaced by params, numbers
 * formatted for the locale. A placeholder without a param stays as it is, so
 * a mistake shows instead of vanishing.
 */
export function format(message: Message, locale: string, params?: Params): string {
  let text: string;
  if (typeof message === 'string') {
    text = message;
  } else {
    const count = Number(params?.count ?? 0);
    const form = rules(locale).select(count) as keyof Plural;
    text = message[form] ?? message.other;
  }
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    if (v === undefined) return whole;
    return typeof v === 'number' ? v.toLocaleString(locale) : v;
  });
}

/** placeholders returns the sorted placeholder names used by a message. */
export function placeholders(message: Message): string[] {
  const texts = typeof message === 'string' ? [message] : Object.values(message);
  const names = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(/\{(\w+)\}/g)) names.add(m[1]!);
  return [...names].sort();
}

/** Locales the app speaks. */
export const locales = ['en', 'ru'] as const;
export type Locale = (typeof locales)[number];

/** pickLocale chooses the saved locale if valid, else the first preferred language the app speaks, else English. */
export function pickLocale(saved: string | null | undefined, preferred: readonly string[]): Locale {
  if (saved && (locales as readonly string[]).includes(saved)) return saved as Locale;
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if ((locales as readonly string[]).includes(base!)) return base as Locale;
  }
  return 'en';
}
