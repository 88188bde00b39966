// Screenshots of the main screens, desktop (1280×800) and phone (390×844),
// light and dark, into docs/screenshots/ for the README. Runs with
// `make screenshots` (PAMA_SCREENSHOTS=1); `make e2e` skips it. Everything
// on them comes from the real server, set up here through the API.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type APIRequestContext, type Browser, type Page } from 'playwright-core';
import { baseURL, codeFor, desktop, launch, mails, newContext, phone } from './helpers';

const out = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const enabled = process.env.PAMA_SCREENSHOTS === '1';

let browser: Browser;
let ana: Awaited<ReturnType<APIRequestContext['storageState']>>;
let demo: Awaited<ReturnType<APIRequestContext['storageState']>> | undefined;
let pokerRoom = '';
let retroRoom = '';

/** apiSignIn signs email in through the emailed-code API and returns its client. */
async function apiSignIn(email: string): Promise<APIRequestContext> {
  const api = await request.newContext({ baseURL });
  const before = (await mails(email)).length;
  expect((await api.post('/api/v1/auth/code', { data: { email } })).status()).toBe(202);
  const res = await api.post('/api/v1/auth/sign-in', { data: { email, code: await codeFor(email, before + 1) } });
  expect(res.status()).toBe(200);
  return api;
}

async function ok(res: Promise<{ status(): number; text(): Promise<string> }>, want: number): Promise<void> {
  const r = await res;
  expect(r.status(), await r.text()).toBe(want);
}

beforeAll(async () => {
  if (!enabled) return;
  mkdirSync(out, { recursive: true });
  browser = await launch();

  const grace = await apiSignIn('grace.hopper@example.com');
  await ok(grace.post('/api/v1/teams', { data: { name: 'Data Lab', slug: 'data-lab' } }), 201);
  await ok(grace.post('/api/v1/teams', { data: { name: 'Mobile', slug: 'mobile' } }), 201);
  await ok(grace.post('/api/v1/teams/data-lab/invitations', { data: { email: 'ana.lima@example.com', role: 'product_owner' } }), 201);
  await ok(grace.post('/api/v1/teams/mobile/invitations', { data: { email: 'ana.lima@example.com', role: 'member' } }), 201);

  const api = await apiSignIn('ana.lima@example.com');
  await ok(api.patch('/api/v1/me', { data: { version: 1, display_name: 'Ana Lima' } }), 200);
  await ok(
    api.post('/api/v1/teams', { data: { name: 'Blue Whales', slug: 'blue-whales', first_product: { name: 'Whale watch', key: 'WW' } } }),
    201,
  );
  await ok(api.post('/api/v1/teams', { data: { name: 'Platform Guild', slug: 'platform-guild' } }), 201);
  const list = (await (await api.get('/api/v1/invitations')).json()) as { invitations: { id: string; team_id: string; team_name: string }[] };
  const lab = list.invitations.find((i) => i.team_name === 'Data Lab')!;
  await ok(api.post('/api/v1/invitations/accept', { data: { team_id: lab.team_id, invitation_id: lab.id } }), 200);
  ana = await api.storageState();
  const olivia = await apiSignIn('olivia.owner@example.com');
  if ((await olivia.get('/api/v1/teams/demo-team')).status() === 200) {
    demo = await olivia.storageState();
    // Two ceremonies in the demo space: an estimation where Sam has voted
    // and Olivia is about to, and a retrospective with notes being written.
    const sam = await apiSignIn('sam.scrum@example.com');
    const dana = await apiSignIn('dana.dev@example.com');
    const act = async (who: APIRequestContext, room: string, data: Record<string, unknown>) =>
      ok(who.post(`/api/v1/teams/demo-team/rooms/${room}/actions`, { data }), 200);
    const poker = await olivia.post('/api/v1/teams/demo-team/rooms', {
      data: { kind: 'poker', title: 'Estimation: checkout', product_id: 'SHOP', item_id: 'SHOP-3' },
    });
    expect(poker.status()).toBe(201);
    pokerRoom = ((await poker.json()) as { id: string }).id;
    await act(sam, pokerRoom, { type: 'join' });
    await act(dana, pokerRoom, { type: 'join' });
    await act(sam, pokerRoom, { type: 'vote', value: '5' });
    const retro = await olivia.post('/api/v1/teams/demo-team/rooms', {
      data: { kind: 'retro', title: 'Sprint 3 retrospective', product_id: 'SHOP' },
    });
    expect(retro.status()).toBe(201);
    retroRoom = ((await retro.json()) as { id: string }).id;
    await act(sam, retroRoom, { type: 'join' });
    await act(dana, retroRoom, { type: 'join' });
    await act(olivia, retroRoom, { type: 'next' });
    await act(olivia, retroRoom, { type: 'note', text: 'Pairing on the payment bug found it in an hour' });
    await act(olivia, retroRoom, { type: 'note', text: 'The demo went smoothly' });
    await act(sam, retroRoom, { type: 'note', text: 'Reviews were fast' });
    await act(dana, retroRoom, { type: 'note', text: 'Clear acceptance criteria' });
    await sam.dispose();
    await dana.dispose();
  }
  await olivia.dispose();
  await api.dispose();
  await grace.dispose();
});

afterAll(async () => {
  await browser?.close();
});

async function shot(page: Page, name: string): Promise<void> {
  // Toasts come and go; they are not part of the screen.
  await page.evaluate(() => document.querySelectorAll('.toasts .toast').forEach((el) => el.remove()));
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${out}${name}.png`, animations: 'disabled', caret: 'hide' });
}

describe.skipIf(!enabled)('screenshots', () => {
  for (const [device, viewport] of [
    ['desktop', desktop],
    ['phone', phone],
  ] as const) {
    it(`${device}`, async () => {
      // Signing in, as someone new.
      const guest = await newContext(browser, { viewport });
      const signIn = await guest.newPage();
      const email = `sam.rivera+${device}@example.com`;
      await signIn.goto('/sign-in');
      await signIn.getByRole('heading', { name: 'Sign in to Pama' }).waitFor();
      await signIn.getByLabel('Email address').fill(email);
      await shot(signIn, `${device}-sign-in`);
      await signIn.getByRole('button', { name: 'Email me a code' }).click();
      await signIn.getByRole('heading', { name: 'Check your email' }).waitFor();
      await shot(signIn, `${device}-sign-in-code`);
      await signIn.getByLabel('Code from the email').fill(await codeFor(email));
      await signIn.getByRole('heading', { name: 'What should your team call you?' }).waitFor();
      await shot(signIn, `${device}-welcome`);
      await guest.close();

      // The public site and the wizard, as a newcomer sees them.
      const newcomer = await newContext(browser, { viewport });
      const site = await newcomer.newPage();
      await site.goto('/');
      await site.getByRole('link', { name: 'Start a team space' }).first().waitFor();
      await shot(site, `${device}-site`);
      await site.getByRole('link', { name: 'Start a team space' }).first().click();
      const founder = `kai.tanaka+${device}@example.com`;
      await site.getByLabel('Your email address').fill(founder);
      await site.getByRole('status').filter({ hasText: 'Check passed' }).waitFor({ timeout: 30_000 });
      await shot(site, `${device}-start`);
      await site.getByRole('button', { name: 'Email me a code' }).click();
      await site.getByLabel('Code from the email').fill(await codeFor(founder));
      await site.getByLabel('Team name').fill('Sea Otters');
      await site.getByText(/sea-otters is free/).waitFor();
      await site.getByRole('button', { name: 'Next' }).click();
      await site.getByLabel('Product name').fill('Otter notes');
      await site.getByLabel('Modified Fibonacci').check();
      await shot(site, `${device}-start-product`);
      await newcomer.close();

      // Ana, in three teams with one invitation waiting.
      const ctx = await newContext(browser, { viewport });
      await ctx.addCookies(ana.cookies);
      const page = await ctx.newPage();
      await page.goto('/');
      await page.getByRole('heading', { name: 'Your team spaces' }).waitFor();
      await page.getByRole('link', { name: /Blue Whales/ }).first().waitFor();
      await page.getByRole('button', { name: 'Join Mobile' }).waitFor();
      await shot(page, `${device}-home`);

      await page.goto('/blue-whales');
      await page.getByRole('heading', { name: 'Blue Whales', level: 1 }).waitFor();
      await shot(page, `${device}-team`);
      await page.getByRole('button', { name: /Switch team space/ }).first().click();
      await page.getByRole('link', { name: /Platform Guild/ }).first().waitFor();
      await shot(page, `${device}-team-switcher`);
      await page.keyboard.press('Escape');

      await page.goto('/teams/new');
      await page.getByLabel('Team name').fill('Red Pandas');
      await page.getByLabel('Product name').fill('Panda pay');
      await page.getByText(/red-pandas is free/).waitFor();
      await shot(page, `${device}-new-team`);

      await page.goto('/account');
      await page.getByRole('heading', { name: 'Account' }).waitFor();
      await page.getByText(/No API tokens yet|Created/).first().waitFor();
      await page.getByRole('button', { name: 'Create a token' }).first().click();
      await page.getByRole('dialog').getByLabel('Name').fill(`CI bot (${device})`);
      await page.getByRole('dialog').getByRole('button', { name: 'Create a token' }).click();
      await page.getByRole('dialog', { name: 'Your new token' }).waitFor();
      await shot(page, `${device}-token-created`);
      await page.getByRole('button', { name: 'Done' }).click();
      await page.getByRole('dialog').waitFor({ state: 'hidden' });
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, `${device}-account`);
      await ctx.close();

      const dark = await newContext(browser, { viewport, dark: true });
      await dark.addCookies(ana.cookies);
      const darkPage = await dark.newPage();
      await darkPage.goto('/blue-whales');
      await darkPage.getByRole('heading', { name: 'Blue Whales', level: 1 }).waitFor();
      await shot(darkPage, `${device}-team-dark`);
      await dark.close();

      // The work screens, on the demo team space (`pama seed --demo`), as its owner.
      expect(demo, 'the demo team space (make screenshots seeds it)').toBeDefined();
      const state = demo!;
      const work = await newContext(browser, { viewport });
      await work.addCookies(state.cookies);
      const w = await work.newPage();
      await w.goto('/demo-team/backlog');
      await w.getByLabel('Title of SHOP-1', { exact: true }).waitFor();
      await shot(w, `${device}-backlog`);
      for (const key of ['SHOP-6', 'SHOP-7']) {
        await w.getByLabel(`Select ${key}`, { exact: true }).focus();
        await w.keyboard.press('Space');
      }
      await w.getByText('2 selected').waitFor();
      await shot(w, `${device}-backlog-bulk`);
      await w.goto('/demo-team/backlog?kind=story&q=card');
      await w.locator('[data-row]').first().waitFor();
      await shot(w, `${device}-backlog-search`);
      await w.goto('/demo-team/items/SHOP-2');
      await w.getByRole('heading', { name: 'History' }).waitFor();
      await w.getByText('Created the item').waitFor();
      await shot(w, `${device}-item`);
      await w.getByRole('button', { name: 'Edit' }).click();
      await w.getByRole('tab', { name: 'Preview' }).click();
      await w.locator('.preview p').first().waitFor();
      await shot(w, `${device}-item-preview`);
      await w.goto('/demo-team/board');
      await w.getByRole('heading', { name: 'In progress', level: 2 }).waitFor();
      await w.locator('[data-card]').first().waitFor();
      await shot(w, `${device}-board`);
      await w.goto('/demo-team/sprints');
      await w.getByRole('heading', { name: 'Completed' }).waitFor();
      await shot(w, `${device}-sprints`);
      await w.getByRole('button', { name: 'Complete sprint' }).click();
      await w.getByRole('dialog').getByText('Unfinished items go to').waitFor();
      await shot(w, `${device}-sprint-complete`);
      await w.keyboard.press('Escape');
      await w.goto('/demo-team/settings/workflow');
      await w.getByRole('button', { name: 'Add status' }).waitFor();
      await shot(w, `${device}-settings-workflow`);
      await w.goto('/demo-team/settings/members');
      await w.getByText('sam.scrum@example.com').waitFor();
      await shot(w, `${device}-settings-members`);
      await w.goto('/demo-team/ceremonies');
      await w.getByText('Estimation: checkout').first().waitFor();
      await shot(w, `${device}-ceremonies`);
      await w.goto(`/demo-team/ceremonies/${pokerRoom}`);
      await w.getByText('SHOP-3').first().waitFor();
      await w.getByText('Sam').first().waitFor();
      await shot(w, `${device}-poker`);
      await w.goto(`/demo-team/ceremonies/${retroRoom}`);
      await w.getByText('The demo went smoothly').first().waitFor();
      await shot(w, `${device}-retro`);
      await w.goto('/demo-team/reports');
      await w.getByRole('heading', { name: 'Velocity' }).first().waitFor();
      await w.getByText('Show the numbers').first().waitFor();
      await shot(w, `${device}-reports`);
      await work.close();

      const darkWork = await newContext(browser, { viewport, dark: true });
      await darkWork.addCookies(state.cookies);
      const dw = await darkWork.newPage();
      await dw.goto('/demo-team/board');
      await dw.locator('[data-card]').first().waitFor();
      await shot(dw, `${device}-board-dark`);
      await darkWork.close();

      const ruWork = await newContext(browser, { viewport, locale: 'ru-RU' });
      await ruWork.addCookies(state.cookies);
      const rw = await ruWork.newPage();
      await rw.goto('/demo-team/backlog');
      await rw.getByLabel('Название SHOP-1', { exact: true }).waitFor();
      await shot(rw, `${device}-backlog-ru`);
      await ruWork.close();

      const ru = await newContext(browser, { viewport, locale: 'ru-RU' });
      const ruPage = await ru.newPage();
      await ruPage.goto('/invite/01930000-0000-7000-8000-000000000001.sample');
      await ruPage.getByRole('heading', { name: 'Вас приглашают' }).waitFor();
      await shot(ruPage, `${device}-invite-ru`);
      await ru.close();
    });
  }
});
