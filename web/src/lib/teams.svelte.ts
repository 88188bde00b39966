// The signed-in account's team spaces, for the switcher and the home screen.

import type { Client, MyTeam } from '../api/client';
import { ApiError } from '../api/problem';

const lastKey = 'pama.lastTeam';

export class Teams {
  list = $state.raw<MyTeam[] | null>(null);
  error = $state.raw<ApiError | null>(null);
  loading = $state(false);
  private api: Pick<Client, 'get'>;
  private pending: Promise<void> | null = null;

  constructor(api: Pick<Client, 'get'>) {
    this.api = api;
  }

  /** load fetches the list; concurrent calls share one request. With force it refetches. */
  load(force = false): Promise<void> {
    if (this.pending) return this.pending;
    if (this.list && !force) return Promise.resolve();
    this.loading = true;
    this.pending = (async () => {
      try {
        const out = await this.api.get('/api/v1/teams');
        this.list = sortTeams(out.teams ?? []);
        this.error = null;
      } catch (e) {
        this.error = e instanceof ApiError ? e : new ApiError(0, 'network', { detail: String(e) });
      } finally {
        this.loading = false;
        this.pending = null;
      }
    })();
    return this.pending;
  }

  /** add puts a team the account just created or joined into the list. */
  add(team: MyTeam): void {
    const rest = (this.list ?? []).filter((t) => t.id !== team.id);
    this.list = sortTeams([...rest, team]);
  }

  /** find returns the team with that address, if the account is in it. */
  find(slug: string): MyTeam | undefined {
    return this.list?.find((t) => t.slug === slug);
  }

  /** reset forgets everything (on sign-out). */
  reset(): void {
    this.list = null;
    this.error = null;
  }

  /** remember notes the team last opened, so the app can return to it. */
  remember(slug: string): void {
    try {
      localStorage.setItem(lastKey, slug);
    } catch {
      // Not kept; no harm.
    }
  }

  /** last returns the team last opened, if the account is still in it. */
  last(): MyTeam | undefined {
    let slug: string | null = null;
    try {
      slug = localStorage.getItem(lastKey);
    } catch {
      slug = null;
    }
    return slug ? this.find(slug) : undefined;
  }
}

/** sortTeams orders teams by name, as people read them. */
export function sortTeams(teams: MyTeam[]): MyTeam[] {
  return [...teams].sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.slug.localeCompare(b.slug));
}

/**
 * suggestSlug turns a team name into an address: lower-case Latin letters,
 * digits and single hyphens, starting with a letter, at most 30 characters.
 * Cyrillic is transliterated; other letters lose their accents or are dropped.
 */
export function suggestSlug(name: string): string {
  let slug = latin(name)
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+/g, '-');
  slug = slug.slice(0, 30).replace(/-+$/, '');
  return slug;
}

const translit: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k', л: 'l',
  м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch',
  ш: 'sh', щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
};

/** latin lower-cases s, transliterates Cyrillic and drops accents. */
function latin(s: string): string {
  return [...s.toLowerCase()]
    .map((c) => translit[c] ?? c)
    .join('')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '');
}

/**
 * suggestKey turns a product name into a key for its items (PAMA-12): the
 * initials of several words ("Pama web app" → "PWA"), or the start of one
 * word ("Mobile" → "MOBI"); upper-case Latin letters and digits, starting
 * with a letter, 2 to 10 characters. It returns "" when the name gives none.
 */
export function suggestKey(name: string): string {
  const words = latin(name).split(/[^a-z0-9]+/).filter(Boolean);
  const noLead = (s: string) => s.replace(/^[0-9]+/, '');
  let key = words.length >= 2 ? noLead(words.map((w) => w[0]).join('')) : noLead(words[0] ?? '').slice(0, 4);
  if (key.length < 2) key = noLead(words.join('')).slice(0, 4);
  key = key.toUpperCase().slice(0, 10);
  return /^[A-Z][A-Z0-9]{1,9}$/.test(key) ? key : '';
}

/** keyOK reports whether key is a valid product key. */
export function keyOK(key: string): boolean {
  return /^[A-Z][A-Z0-9]{1,9}$/.test(key);
}

/** Slug rules the server enforces, checked here first to answer as one types. */
export type SlugProblem = 'short' | 'long' | 'start' | 'end' | 'double' | 'chars' | null;

/** checkSlug returns what is wrong with an address, or null. */
export function checkSlug(slug: string): SlugProblem {
  if (slug.length < 3) return 'short';
  if (slug.length > 30) return 'long';
  if (/[^a-z0-9-]/.test(slug)) return 'chars';
  if (!/^[a-z]/.test(slug)) return 'start';
  if (slug.endsWith('-')) return 'end';
  if (slug.includes('--')) return 'double';
  return null;
}
