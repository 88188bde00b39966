// Work management in the browser against a real server: the backlog
// (quick add, reorder by keyboard and by mouse, filters, bulk), item details
// with a conflicting edit from a second browser, the board, sprints and
// settings, and a phone run. Each test makes its own team space through the
// API; the order of items is checked through the API too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type APIRequestContext, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { apiHas, axeViolations, baseURL, codeFor, launch, mails, newContext, overflowX, phone, uniqueEmail, waitFor } from './helpers';

const ready = (await apiHas('get', '/api/v1/teams/{team}/products/{product}/board')) && (await apiHas('post', '/api/v1/teams/{team}/markdown/preview'));
const live = ready && (await fetch(`${baseURL}/api/v1/realtime`)).status !== 404;

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

interface Item {
  id: string;
  key: string;
  title: string;
  description: string;
  status_id: string;
  sprint_id?: string;
  labels: string[];
  version: number;
}

/** Someone signed in through the emailed-code API, with a client for setting things up. */
interface Person {
  email: string;
  api: APIRequestContext;
  cookies: Awaited<ReturnType<APIRequestContext['storageState']>>['cookies'];
}

async function person(name: string): Promise<Person> {
  const email = uniqueEmail(name);
  const api = await request.newContext({ baseURL });
  const before = (await mails(email)).length;
  expect((await api.post('/api/v1/auth/code', { data: { email } })).status()).toBe(202);
  const res = await api.post('/api/v1/auth/sign-in', { data: { email, code: await codeFor(email, before + 1) } });
  expect(res.status(), await res.text()).toBe(200);
  await api.patch('/api/v1/me', { data: { version: 1, display_name: name[0]!.toUpperCase() + name.slice(1) } });
  return { email, api, cookies: (await api.storageState()).cookies };
}

async function ok<T = unknown>(res: Promise<{ status(): number; text(): Promise<string>; json(): Promise<unknown> }>, want = 200): Promise<T> {
  const r = await res;
  expect(r.status(), await r.text()).toBe(want);
  return (r.status() === 204 ? undefined : await r.json()) as T;
}

/** Dates of a two-week sprint starting today. */
const dates = (() => {
  const d = new Date();
  const iso = (x: Date) => x.toISOString().slice(0, 10);
  return { start_date: iso(d), end_date: iso(new Date(d.getTime() + 13 * 86_400_000)) };
})();

let counter = 0;
/** space makes a team space with a product (key WK) and items titled as given, in that order. */
async function space(owner: Person, titles: string[] = []): Promise<{ slug: string; items: Item[] }> {
  const slug = `work-${Date.now().toString(36)}-${++counter}`;
  await ok(owner.api.post('/api/v1/teams', { data: { name: 'Work Team', slug, first_product: { name: 'Webshop', key: 'WK' } } }), 201);
  const items: Item[] = [];
  for (const title of titles) items.push(await ok<Item>(owner.api.post(`/api/v1/teams/${slug}/products/WK/items`, { data: { kind: 'story', title } }), 201));
  return { slug, items };
}

async function join(owner: Person, slug: string, who: Person, role: string): Promise<void> {
  await ok(owner.api.post(`/api/v1/teams/${slug}/invitations`, { data: { email: who.email, role } }), 201);
  const list = await ok<{ invitations: { id: string; team_id: string; team_slug: string }[] }>(who.api.get('/api/v1/invitations'));
  const inv = list.invitations.find((i) => i.team_slug === slug)!;
  await ok(who.api.post('/api/v1/invitations/accept', { data: { team_id: inv.team_id, invitation_id: inv.id } }));
}

async function titles(p: Person, slug: string, query = ''): Promise<string[]> {
  const page = await ok<{ items: Item[] }>(p.api.get(`/api/v1/teams/${slug}/products/WK/items?limit=200${query}`));
  return page.items.map((i) => i.title);
}

async function browse(p: Person, viewport?: { width: number; height: number }): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await newContext(browser, viewport ? { viewport } : {});
  await ctx.addCookies(p.cookies);
  return { ctx, page: await ctx.newPage() };
}

/** until polls fn until it returns want (deep-equal), for what. */
async function until<T>(fn: () => Promise<T>, want: T, what: string): Promise<void> {
  await waitFor(async () => (JSON.stringify(await fn()) === JSON.stringify(want) ? true : undefined), what);
}

describe.skipIf(!ready)('backlog', () => {
  it('adds items, reorders them by keyboard and by mouse, and says so to screen readers', async () => {
    const owner = await person('olga');
    const { slug } = await space(owner, ['Alpha', 'Bravo']);
    const { ctx, page } = await browse(owner);
    await page.goto(`/${slug}/backlog`);
    await page.getByRole('heading', { name: 'Backlog', level: 1 }).waitFor();

    // Quick add puts a new item at the top.
    await page.getByLabel('Title of the new item').fill('Charlie');
    await page.getByLabel('Title of the new item').press('Enter');
    await page.getByLabel('Title of WK-3').waitFor();
    await until(() => titles(owner, slug), ['Charlie', 'Alpha', 'Bravo'], 'Charlie at the top');

    // Keyboard: pick Charlie up, move it down twice, drop it.
    const handle = page.getByRole('button', { name: 'Move WK-3' });
    await handle.focus();
    await page.keyboard.press('Space');
    await page.getByText(/WK-3 picked up, position 1 of 3/).waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.getByText(/WK-3 moved to position 3 of 3/).waitFor();
    await page.keyboard.press('Space');
    await until(() => titles(owner, slug), ['Alpha', 'Bravo', 'Charlie'], 'Charlie at the bottom');
    await expect(page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).resolves.toBe('Move WK-3');

    // Escape puts a picked-up item back.
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Escape');
    await page.getByText('Move of WK-3 cancelled.').waitFor();

    // Mouse: drag Bravo above Alpha.
    const from = (await page.getByRole('button', { name: 'Move WK-2' }).boundingBox())!;
    const to = (await page.locator('[data-row]').first().boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    for (let y = from.y; y > to.y + 4; y -= 10) await page.mouse.move(from.x + from.width / 2, y);
    await page.mouse.move(from.x + from.width / 2, to.y + 4);
    await page.mouse.up();
    await until(() => titles(owner, slug), ['Bravo', 'Alpha', 'Charlie'], 'Bravo dragged to the top');
    expect(await axeViolations(page)).toEqual([]);
    await ctx.close();
  });

  it('edits inline, filters, searches, saves a filter and changes a selection at once', async () => {
    const owner = await person('fran');
    const { slug, items } = await space(owner, ['Pay by card', 'Gift wrap', 'Refund by card']);
    const sprint = await ok<{ id: string; name: string }>(owner.api.post(`/api/v1/teams/${slug}/products/WK/sprints`, { data: { name: 'Sprint A' } }), 201);
    const { ctx, page } = await browse(owner);
    await page.goto(`/${slug}/backlog`);

    // Inline: title, points and status.
    await page.getByLabel('Title of WK-2').fill('Gift wrapping');
    await page.getByLabel('Title of WK-2').press('Enter');
    await page.getByLabel('Points of WK-2').fill('5');
    await page.getByLabel('Points of WK-2').press('Enter');
    await page.getByLabel('Status of WK-2').selectOption({ label: 'In progress' });
    await waitFor(async () => {
      const it = await ok<Item & { points?: number; status_category: string }>(owner.api.get(`/api/v1/teams/${slug}/items/${items[1]!.id}`));
      return it.title === 'Gift wrapping' && it.points === 5 && it.status_category === 'in_progress' ? true : undefined;
    }, 'the inline edits');

    // Search, then save it as a filter.
    await page.getByRole('searchbox', { name: 'Search items' }).fill('card');
    await page.getByLabel('Title of WK-2').waitFor({ state: 'detached' });
    await page.getByLabel('Title of WK-3').waitFor();
    await expect(page.locator('[data-row]').count()).resolves.toBe(2);
    expect(new URL(page.url()).searchParams.get('q')).toBe('card');
    await page.getByRole('button', { name: 'Save filter' }).click();
    await page.getByRole('dialog').getByLabel('Name of the filter').fill('Card work');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await page.getByText('Filter “Card work” saved.').waitFor();

    // Select both and move them to the sprint.
    await page.getByLabel('Select all shown').check();
    await page.getByText('2 selected').waitFor();
    await page.getByRole('region', { name: 'Change the selected items' }).getByLabel('Move to').selectOption({ label: 'Sprint A' });
    await page.getByRole('button', { name: 'Move', exact: true }).click();
    await page.getByText('2 items moved to Sprint A.').waitFor();
    await until(async () => (await titles(owner, slug, `&sprint=${sprint.id}`)).sort(), ['Pay by card', 'Refund by card'], 'the bulk move');

    // Clear, then the saved filter brings the search back.
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await page.getByLabel('Title of WK-2').waitFor();
    await page.getByLabel('Saved filters').selectOption({ label: 'Card work' });
    await page.getByLabel('Title of WK-2').waitFor({ state: 'detached' });
    await expect(page.getByRole('searchbox', { name: 'Search items' }).inputValue()).resolves.toBe('card');
    await ctx.close();
  });
});

describe.skipIf(!ready)('item details', () => {
  it('keeps both people’s text when two browsers edit the same description', async () => {
    const owner = await person('ines');
    const dev = await person('jon');
    const { slug, items } = await space(owner, ['Checkout']);
    await join(owner, slug, dev, 'member');
    const key = items[0]!.key;

    const a = await browse(owner);
    const b = await browse(dev);
    for (const p of [a.page, b.page]) {
      await p.goto(`/${slug}/items/${key}`);
      await p.getByRole('heading', { name: 'Description' }).waitFor();
    }

    // Jon starts editing; Ines saves first.
    await b.page.getByRole('button', { name: 'Edit' }).click();
    await b.page.getByRole('textbox', { name: 'Description' }).fill('Jon: pay with **one** click');
    await a.page.getByRole('button', { name: 'Edit' }).click();
    await a.page.getByRole('textbox', { name: 'Description' }).fill('Ines: pay by card');
    await a.page.getByRole('tab', { name: 'Preview' }).click();
    await a.page.locator('.preview').getByText('Ines: pay by card').waitFor();
    await a.page.getByRole('button', { name: 'Save' }).click();
    await a.page.locator('.prose').getByText('Ines: pay by card').waitFor();

    // Jon saves on the old version: he sees Ines's text and keeps his own.
    await b.page.getByRole('button', { name: 'Save' }).click();
    const dialog = b.page.getByRole('dialog', { name: 'Someone else changed this' });
    await dialog.waitFor();
    await dialog.getByText('Ines: pay by card').waitFor();
    await expect(dialog.getByRole('textbox').inputValue()).resolves.toBe('Jon: pay with **one** click');
    await dialog.getByRole('button', { name: 'Save my choice' }).click();
    await b.page.locator('.prose strong').getByText('one').waitFor();
    const it = await ok<Item>(owner.api.get(`/api/v1/teams/${slug}/items/${key}`));
    expect(it.description).toBe('Jon: pay with **one** click');

    // A field the other did not touch is saved without asking.
    await a.page.getByLabel('Title', { exact: true }).fill('One-click checkout');
    await a.page.getByLabel('Title', { exact: true }).press('Enter');
    await waitFor(async () => ((await ok<Item>(owner.api.get(`/api/v1/teams/${slug}/items/${key}`))).title === 'One-click checkout' ? true : undefined), 'the merged title');
    expect((await ok<Item>(owner.api.get(`/api/v1/teams/${slug}/items/${key}`))).description).toBe('Jon: pay with **one** click');
    await expect(a.page.getByRole('dialog').isVisible()).resolves.toBe(false);
    expect(await axeViolations(b.page)).toEqual([]);
    await a.ctx.close();
    await b.ctx.close();
  });
});

describe.skipIf(!ready)('board and sprints', () => {
  it('plans, starts and completes a sprint, moving cards on its board', async () => {
    const owner = await person('kim');
    const { slug, items } = await space(owner, ['Search books', 'Wish list', 'Reviews']);
    const { ctx, page } = await browse(owner);

    // Plan a sprint on the sprints screen, with two items in it.
    await page.goto(`/${slug}/sprints`);
    await page.getByRole('button', { name: 'Plan a sprint' }).first().click();
    await page.getByRole('dialog').getByLabel('Sprint goal').fill('Readers find books fast');
    await page.getByRole('dialog').getByRole('button', { name: 'Plan a sprint' }).click();
    await page.getByRole('heading', { name: 'Sprint 1', level: 3 }).waitFor();
    const sprints = await ok<{ sprints: { id: string; state: string }[] }>(owner.api.get(`/api/v1/teams/${slug}/products/WK/sprints`));
    const sprintID = sprints.sprints[0]!.id;
    await ok(owner.api.post(`/api/v1/teams/${slug}/products/WK/items/bulk`, { data: { item_ids: [items[0]!.id, items[1]!.id], sprint_id: sprintID } }));

    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Start sprint' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Start sprint' }).click();
    await page.getByText('Committed: 2 items, 0 points').waitFor();

    // The board: a keyboard move to the next column, a mouse drag to Done.
    await page.getByRole('link', { name: 'Open the board' }).click();
    await page.getByRole('heading', { name: 'Board', level: 1 }).waitFor();
    await page.getByText('Readers find books fast').waitFor();
    const statusOf = async (id: string) => (await ok<Item & { status_category: string }>(owner.api.get(`/api/v1/teams/${slug}/items/${id}`))).status_category;
    await page.getByRole('button', { name: `Move ${items[0]!.key}` }).focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowRight');
    await page.getByText(`${items[0]!.key} in In progress, position 1.`).waitFor();
    await page.keyboard.press('Space');
    await until(() => statusOf(items[0]!.id), 'in_progress', 'the keyboard move');

    const card = (await page.locator(`[data-card="${items[1]!.id}"] .card-title`).boundingBox())!;
    const done = (await page.getByRole('heading', { name: 'Done', level: 2 }).boundingBox())!;
    await page.mouse.move(card.x + 10, card.y + 5);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(card.x + 10 + ((done.x - card.x) * i) / 10, done.y + 60);
    await page.mouse.up();
    await until(() => statusOf(items[1]!.id), 'done', 'the mouse move');
    expect(new URL(page.url()).pathname).toBe(`/${slug}/board`);
    expect(await axeViolations(page)).toEqual([]);

    // Complete: the unfinished item goes back to the product backlog.
    await page.goto(`/${slug}/sprints`);
    await page.getByRole('button', { name: 'Complete sprint' }).click();
    await page.getByRole('dialog').getByLabel('Product backlog').check();
    await page.getByRole('dialog').getByRole('button', { name: 'Complete sprint' }).click();
    await page.getByText('Sprint 1 completed; 1 unfinished item went to Product backlog.').waitFor();
    const after = await ok<Item>(owner.api.get(`/api/v1/teams/${slug}/items/${items[0]!.id}`));
    expect(after.sprint_id).toBeUndefined();
    await page.getByRole('heading', { name: 'Completed' }).waitFor();
    await ctx.close();
  });

  it('warns when a move goes over a WIP limit', async () => {
    const owner = await person('lena');
    const { slug, items } = await space(owner, ['One', 'Two']);
    const statuses = await ok<{ statuses: { id: string; name: string; version: number }[] }>(owner.api.get(`/api/v1/teams/${slug}/statuses`));
    const doing = statuses.statuses.find((s) => s.name === 'In progress')!;
    await ok(owner.api.patch(`/api/v1/teams/${slug}/statuses/${doing.id}`, { data: { version: doing.version, wip_limit: 1 } }));
    const sprint = await ok<{ id: string; version: number }>(owner.api.post(`/api/v1/teams/${slug}/products/WK/sprints`, { data: dates }), 201);
    await ok(owner.api.post(`/api/v1/teams/${slug}/products/WK/items/bulk`, { data: { item_ids: items.map((i) => i.id), sprint_id: sprint.id, status_id: doing.id } }));
    await ok(owner.api.post(`/api/v1/teams/${slug}/sprints/${sprint.id}/start`, { data: { version: sprint.version } }));
    const { ctx, page } = await browse(owner);
    await page.goto(`/${slug}/board`);
    await page.getByText('2 items, over the limit of 1').waitFor();
    await ctx.close();
  });
});

describe.skipIf(!ready)('settings', () => {
  it('changes settings, the workflow, products and invitations, as the role allows', async () => {
    const owner = await person('mia');
    const watcher = await person('ned');
    const { slug } = await space(owner);
    await join(owner, slug, watcher, 'observer');
    const { ctx, page } = await browse(owner);

    await page.goto(`/${slug}/settings`);
    await page.getByLabel('Sprint length').selectOption({ label: '3 weeks' });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Settings saved.').waitFor();
    expect((await ok<{ sprint_length_days: number }>(owner.api.get(`/api/v1/teams/${slug}/settings`))).sprint_length_days).toBe(21);

    await page.getByRole('link', { name: 'Workflow' }).click();
    await page.getByLabel('New status', { exact: true }).fill('Testing');
    await page.getByRole('button', { name: 'Add status' }).click();
    await page.getByText('Status “Testing” added.').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel('WIP limit of Testing (empty for none)').fill('2');
    await page.getByLabel('WIP limit of Testing (empty for none)').press('Tab');
    await waitFor(async () => {
      const s = await ok<{ statuses: { name: string; wip_limit: number }[] }>(owner.api.get(`/api/v1/teams/${slug}/statuses`));
      return s.statuses.some((x) => x.name === 'Testing' && x.wip_limit === 2) ? true : undefined;
    }, 'the WIP limit');

    await page.getByRole('link', { name: 'Products' }).click();
    await page.getByRole('button', { name: 'Create a product' }).click();
    await page.getByRole('dialog').getByLabel('Product name').fill('Mobile app');
    await expect(page.getByRole('dialog').getByLabel('Key').inputValue()).resolves.toBe('MA');
    await page.getByRole('dialog').getByRole('button', { name: 'Create a product' }).click();
    await page.getByText('Mobile app created.').waitFor();

    await page.getByRole('link', { name: 'Members' }).click();
    const guest = uniqueEmail('guest');
    await page.getByLabel('Email address').fill(guest);
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.getByText(`Invitation sent to ${guest}.`).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('No invitations are waiting.').waitFor();
    await ctx.close();

    // An observer reads, and is offered nothing to change.
    const w = await browse(watcher);
    await w.page.goto(`/${slug}/settings`);
    await w.page.getByText('Your role can see these settings but not change them.').waitFor();
    await expect(w.page.getByRole('button', { name: 'Save' }).count()).resolves.toBe(0);
    await w.page.goto(`/${slug}/settings/members`);
    await w.page.getByRole('heading', { name: 'Members', level: 2 }).waitFor();
    await expect(w.page.getByRole('button', { name: 'Invite' }).count()).resolves.toBe(0);
    await w.page.goto(`/${slug}/backlog`);
    await w.page.getByText('Nothing has been added yet.').waitFor();
    await expect(w.page.getByLabel('Title of the new item').count()).resolves.toBe(0);
    await w.ctx.close();
  });
});

describe.skipIf(!live)('live', () => {
  it('shows changes, presence and typing from another browser without a reload', async () => {
    const owner = await person('quinn');
    const dev = await person('rosa');
    const { slug, items } = await space(owner, ['Live one', 'Live two']);
    await join(owner, slug, dev, 'member');
    const a = await browse(owner);
    const b = await browse(dev);

    // The backlog: a title changed and an item added elsewhere appear.
    await b.page.goto(`/${slug}/backlog`);
    await b.page.getByLabel('Title of WK-1').waitFor();
    await waitFor(async () => ((await b.page.evaluate(() => document.querySelector('.slot .pill'))) === null ? true : undefined), 'no reconnecting pill');
    await a.page.goto(`/${slug}/backlog`);
    await a.page.getByLabel('Title of WK-1').fill('Live one, renamed');
    await a.page.getByLabel('Title of WK-1').press('Enter');
    await waitFor(async () => ((await b.page.getByLabel('Title of WK-1').inputValue()) === 'Live one, renamed' ? true : undefined), 'the rename to arrive');
    await ok(owner.api.post(`/api/v1/teams/${slug}/products/WK/items`, { data: { kind: 'bug', title: 'Live three', position: { top: true } } }), 201);
    await b.page.getByLabel('Title of WK-3').waitFor();
    await expect(b.page.locator('[data-row] .key').first().textContent()).resolves.toBe('WK-3');

    // The item: who else is here, and what they are typing.
    const key = items[0]!.key;
    await b.page.goto(`/${slug}/items/${key}`);
    await b.page.getByRole('heading', { name: 'Description' }).waitFor();
    await a.page.goto(`/${slug}/items/${key}`);
    await b.page.getByLabel('Also looking at this item: Quinn').waitFor();
    await a.page.getByRole('button', { name: 'Edit' }).click();
    await a.page.getByRole('textbox', { name: 'Description' }).pressSequentially('Typed live');
    await b.page.getByText('Quinn is editing the description').waitFor();
    await b.page.getByLabel('Description as it is being typed').getByText('Typed live').waitFor();
    await a.page.getByRole('button', { name: 'Save' }).click();
    await b.page.locator('.prose').getByText('Typed live').waitFor();
    await b.page.getByText('Quinn is editing the description').waitFor({ state: 'detached' });
    await a.ctx.close();
    await b.ctx.close();
  });
});

describe.skipIf(!ready)('offline', () => {
  it('reads the backlog and board from the last copy, and refuses changes clearly', async () => {
    const owner = await person('otto');
    const { slug, items } = await space(owner, ['Read me offline']);
    const sprint = await ok<{ id: string; version: number }>(owner.api.post(`/api/v1/teams/${slug}/products/WK/sprints`, { data: dates }), 201);
    await ok(owner.api.post(`/api/v1/teams/${slug}/products/WK/items/bulk`, { data: { item_ids: [items[0]!.id], sprint_id: sprint.id } }));
    await ok(owner.api.post(`/api/v1/teams/${slug}/sprints/${sprint.id}/start`, { data: { version: sprint.version } }));
    const { ctx, page } = await browse(owner);
    await page.goto(`/${slug}/backlog`);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    // Read both screens under the worker, so it keeps their answers.
    await page.reload();
    await expect(page.evaluate(() => !!navigator.serviceWorker.controller)).resolves.toBe(true);
    await page.getByLabel('Title of WK-1').waitFor();
    await page.goto(`/${slug}/board`);
    await page.locator('[data-card]').first().waitFor();

    await ctx.setOffline(true);
    await page.reload();
    await page.locator('[data-card]').getByText('Read me offline').waitFor();
    await page.getByText(/You are offline: this is the last copy/).waitFor();
    await page.goto(`/${slug}/backlog`);
    await page.getByLabel('Title of WK-1').waitFor();
    await page.getByLabel('Title of the new item').fill('Written offline');
    await page.getByLabel('Title of the new item').press('Enter');
    await page.getByText('You are offline, so the change was not saved.').first().waitFor();
    await ctx.setOffline(false);
    expect(await titles(owner, slug)).toEqual(['Read me offline']);
    await ctx.close();
  });
});

describe.skipIf(!ready)('on a phone', () => {
  it('fits the backlog and board, and drags by touch in both', async () => {
    const owner = await person('pia');
    const { slug, items } = await space(owner, ['Small screens', 'Thumb reach']);
    const sprint = await ok<{ id: string; version: number }>(owner.api.post(`/api/v1/teams/${slug}/products/WK/sprints`, { data: { goal: 'Phones first', ...dates } }), 201);
    await ok(owner.api.post(`/api/v1/teams/${slug}/products/WK/items/bulk`, { data: { item_ids: items.map((i) => i.id), sprint_id: sprint.id } }));
    await ok(owner.api.post(`/api/v1/teams/${slug}/sprints/${sprint.id}/start`, { data: { version: sprint.version } }));
    const { ctx, page } = await browse(owner, phone);

    await page.goto(`/${slug}/backlog`);
    await page.getByLabel('Title of WK-1').waitFor();
    expect(await overflowX(page)).toBe(0);

    // Touch: drag Thumb reach above Small screens by its handle.
    const from = (await page.getByRole('button', { name: 'Move WK-2' }).boundingBox())!;
    const to = (await page.locator('[data-row]').first().boundingBox())!;
    const cdp = await ctx.newCDPSession(page);
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', y: number) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x: from.x + from.width / 2, y }] });
    await touch('touchStart', from.y + from.height / 2);
    for (let y = from.y + from.height / 2; y > to.y + 4; y -= 8) await touch('touchMove', y);
    await touch('touchMove', to.y + 4);
    await touch('touchEnd', to.y + 4);
    await until(() => titles(owner, slug), ['Thumb reach', 'Small screens'], 'the touch drag');

    await page.goto(`/${slug}/board`);
    await page.getByText('Phones first').waitFor();
    expect(await overflowX(page)).toBe(0);
    const tab = page.getByRole('tab', { name: /In progress/ });
    await tab.click();
    await waitFor(async () => ((await tab.getAttribute('aria-selected')) === 'true' ? true : undefined), 'the picked column to be current');
    await waitFor(async () => {
      const box = await page.getByRole('heading', { name: 'In progress', level: 2 }).boundingBox();
      return box && box.x >= 0 && box.x < 390 ? true : undefined;
    }, 'the In progress column in view');

    // Touch: drag a card from To do to the edge; the board scrolls to In progress, where it drops.
    await page.getByRole('tab', { name: /To do/ }).click();
    await waitFor(async () => {
      const box = await page.getByRole('heading', { name: 'To do', level: 2 }).boundingBox();
      return box && box.x >= 0 && box.x < 40 ? true : undefined;
    }, 'the To do column in view');
    const grip = (await page.getByRole('button', { name: 'Move WK-1' }).boundingBox())!;
    const cdp2 = await ctx.newCDPSession(page);
    const at = (type: 'touchStart' | 'touchMove' | 'touchEnd', x: number, y: number) =>
      cdp2.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y }] });
    const y0 = grip.y + grip.height / 2;
    await at('touchStart', grip.x + grip.width / 2, y0);
    await at('touchMove', 385, y0); // one move to the edge turns one column
    await waitFor(async () => {
      const box = await page.getByRole('heading', { name: 'In progress', level: 2 }).boundingBox();
      return box && box.x >= 0 && box.x < 40 ? true : undefined;
    }, 'the board to turn to the next column');
    await at('touchMove', 200, y0);
    await at('touchEnd', 200, y0);
    await waitFor(async () => {
      const it = await ok<Item & { status_category: string }>(owner.api.get(`/api/v1/teams/${slug}/items/${items[0]!.id}`));
      return it.status_category === 'in_progress' ? true : undefined;
    }, 'the touch move across columns');

    await page.goto(`/${slug}/items/WK-1`);
    await page.getByRole('heading', { name: 'Description' }).waitFor();
    expect(await overflowX(page)).toBe(0);
    await page.goto(`/${slug}/sprints`);
    await page.getByRole('button', { name: 'Complete sprint' }).waitFor();
    expect(await overflowX(page)).toBe(0);
    await page.goto(`/${slug}/settings/workflow`);
    await page.getByRole('button', { name: 'Add status' }).waitFor();
    expect(await overflowX(page)).toBe(0);
    await ctx.close();
  });
});
