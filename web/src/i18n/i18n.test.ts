import { describe, expect, it } from 'vitest';
import en from './en';
import ru from './ru';
import { format, pickLocale, placeholders, type Message, type Params } from './format';

const catalogs: Record<string, Record<string, Message>> = { en, ru };

describe('catalogs', () => {
  const keys = Object.keys(en).sort();

  it.each(Object.keys(catalogs))('%s has exactly the keys of en', (name) => {
    expect(Object.keys(catalogs[name]!).sort()).toEqual(keys);
  });

  it.each(Object.keys(catalogs))('%s uses the same placeholders as en', (name) => {
    const cat = catalogs[name]!;
    for (const key of keys) {
      expect(placeholders(cat[key]!), `${name}: ${key}`).toEqual(placeholders(en[key as keyof typeof en]));
    }
  });

  it.each(Object.keys(catalogs))('%s has no empty messages', (name) => {
    for (const [key, m] of Object.entries(catalogs[name]!)) {
      const texts = typeof m === 'string' ? [m] : Object.values(m);
      for (const text of texts) expect(text.trim(), `${name}: ${key}`).not.toBe('');
    }
  });

  it('gives Russian plurals every form the language needs', () => {
    const forms = new Intl.PluralRules('ru').resolvedOptions().pluralCategories;
    for (const [key, m] of Object.entries(ru)) {
      if (typeof m === 'string') continue;
      for (const f of forms) expect(m, `${key}.${f}`).toHaveProperty(f);
    }
  });

  it('gives English plurals one and other', () => {
    for (const [key, m] of Object.entries(en)) {
      if (typeof m === 'string') continue;
      expect(Object.keys(m).sort(), key).toEqual(['one', 'other']);
    }
  });
});

describe('format', () => {
  it.each([
    { m: 'Hello', params: undefined, locale: 'en', want: 'Hello' },
    { m: 'Hi {name}', params: { name: 'Ana' }, locale: 'en', want: 'Hi Ana' },
    { m: 'Hi {name}', params: {}, locale: 'en', want: 'Hi {name}' },
    { m: '{n} items', params: { n: 12345 }, locale: 'en', want: '12,345 items' },
    { m: { one: '{count} day', other: '{count} days' }, params: { count: 1 }, locale: 'en', want: '1 day' },
    { m: { one: '{count} day', other: '{count} days' }, params: { count: 2 }, locale: 'en', want: '2 days' },
    { m: { one: '{count} день', few: '{count} дня', many: '{count} дней', other: '{count} дня' }, params: { count: 1 }, locale: 'ru', want: '1 день' },
    { m: { one: '{count} день', few: '{count} дня', many: '{count} дней', other: '{count} дня' }, params: { count: 3 }, locale: 'ru', want: '3 дня' },
    { m: { one: '{count} день', few: '{count} дня', many: '{count} дней', other: '{count} дня' }, params: { count: 11 }, locale: 'ru', want: '11 дней' },
    { m: { one: '{count} день', few: '{count} дня', many: '{count} дней', other: '{count} дня' }, params: { count: 21 }, locale: 'ru', want: '21 день' },
    { m: { one: '{count} день', few: '{count} дня', many: '{count} дней', other: '{count} дня' }, params: { count: 1.5 }, locale: 'ru', want: '1,5 дня' },
  ])('$m with $params in $locale', ({ m, params, locale, want }) => {
    expect(format(m as Message, locale, params as Params | undefined)).toBe(want);
  });

  it('lists placeholders', () => {
    expect(placeholders('a {x} b {y} {x}')).toEqual(['x', 'y']);
    expect(placeholders({ one: '{count}', other: '{count} {z}' })).toEqual(['count', 'z']);
  });
});

describe('pickLocale', () => {
  it.each([
    { saved: 'ru', preferred: ['en-US'], want: 'ru' },
    { saved: 'de', preferred: ['ru-RU', 'en'], want: 'ru' },
    { saved: null, preferred: ['de-DE', 'en-GB'], want: 'en' },
    { saved: null, preferred: ['uk-UA'], want: 'en' },
    { saved: undefined, preferred: [], want: 'en' },
  ])('$saved, $preferred → $want', ({ saved, preferred, want }) => {
    expect(pickLocale(saved, preferred)).toBe(want);
  });
});
