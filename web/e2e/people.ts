// People and team spaces for the browser tests of the ceremonies: each
// person signs in through the app in a browser context of their own, with
// the code pama mails, and gets an API session from it to set things up.
import { expect } from 'vitest';
import { request, type APIRequestContext, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { baseURL, newContext, signIn, uniqueEmail } from './helpers';

/** Someone signed in, in a browser of their own, with an API session too. */
export interface Person {
  id: string;
  name: string;
  email: string;
  api: APIRequestContext;
  ctx: BrowserContext;
  page: Page;
}

/** An item as the API returns it (the fields the tests read). */
export interface Item {
  id: string;
  key: string;
  title: string;
  points?: number;
  version: number;
}

/** ok awaits an API call, expects its status and returns its JSON (undefined for 204). */
export async function ok<T = unknown>(res: Promise<{ status(): number; text(): Promise<string>; json(): Promise<unknown> }>, want = 200): Promise<T> {
  const r = await res;
  expect(r.status(), await r.text()).toBe(want);
  return (r.status() === 204 ? undefined : await r.json()) as T;
}

/** person signs name in (a fresh address) and sets their display name. */
export async function person(browser: Browser, name: string, viewport?: { width: number; height: number }): Promise<Person> {
  const email = uniqueEmail(name.toLowerCase());
  const ctx = await newContext(browser, viewport ? { viewport } : {});
  const page = await ctx.newPage();
  await signIn(page, email);
  const api = await request.newContext({ baseURL, storageState: await ctx.storageState() });
  const me = await ok<{ id: string }>(api.patch('/api/v1/me', { data: { version: 1, display_name: name } }));
  return { id: me.id, name, email, api, ctx, page };
}

let counter = 0;

/** space has owner make a team space with a product keyed key and stories titled as given. */
export async function space(owner: Person, name: string, key: string, titles: string[] = []): Promise<{ slug: string; items: Item[] }> {
  const slug = `${key.toLowerCase()}-${Date.now().toString(36)}-${++counter}`;
  await ok(owner.api.post('/api/v1/teams', { data: { name, slug, first_product: { name: 'Shop', key } } }), 201);
  const items: Item[] = [];
  for (const title of titles) items.push(await ok<Item>(owner.api.post(`/api/v1/teams/${slug}/products/${key}/items`, { data: { kind: 'story', title } }), 201));
  return { slug, items };
}

/** addMember has owner invite who into the space, and who accept. */
export async function addMember(owner: Person, slug: string, who: Person, role = 'member'): Promise<void> {
  await ok(owner.api.post(`/api/v1/teams/${slug}/invitations`, { data: { email: who.email, role } }), 201);
  const list = await ok<{ invitations: { id: string; team_id: string; team_slug: string }[] }>(who.api.get('/api/v1/invitations'));
  const inv = list.invitations.find((i) => i.team_slug === slug)!;
  await ok(who.api.post('/api/v1/invitations/accept', { data: { team_id: inv.team_id, invitation_id: inv.id } }));
}
