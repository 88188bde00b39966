// Screenshots of the main screens, desktop (1280×800) and phone (390×844),
// light and dark, into docs/screenshots/ for the README. Runs with
// `make screenshots` (PAMA_SCREENSHOTS=1); `make e2e` skips it.
//
// Everything comes from the real server. Operations the server does not have
// yet are answered here from sample data, so the screens that use them can be
// shown; each stub goes away by itself once the server has the operation.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { apiHas, codeFor, desktop, launch, mails, newContext, phone } from './helpers';

const out = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const enabled = process.env.PAMA_SCREENSHOTS === '1';

let browser: Browser;
beforeAll(async () => {
  if (!enabled) return;
  mkdirSync(out, { recursive: true });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const sampleTeams = [
  { id: '01930000-0000-7000-8000-000000000001', slug: 'blue-whales', name: 'Blue Whales', state: 'active', role: 'owner' },
  { id: '01930000-0000-7000-8000-000000000002', slug: 'platform-guild', name: 'Platform Guild', state: 'active', role: 'scrum_master' },
  { id: '01930000-0000-7000-8000-000000000003', slug: 'mobile', name: 'Mobile', state: 'suspended', role: 'member' },
];

/** stubMissing answers the teams operations the server lacks from sample data. */
async function stubMissing(ctx: BrowserContext): Promise<void> {
  const json = (route: Route, status: number, body: unknown) =>
    route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
  const full = (t: (typeof sampleTeams)[number]) => ({
    ...t,
    created_by: 'x',
    created_at: '2026-11-01T10:00:00Z',
    updated_at: '2026-11-01T10:00:00Z',
    version: 1,
  });
  if (!(await apiHas('get', '/api/v1/teams'))) {
    await ctx.route('**/api/v1/teams', (route) =>
      route.request().method() === 'GET' ? json(route, 200, { teams: sampleTeams }) : route.fallback(),
    );
  }
  if (!(await apiHas('get', '/api/v1/teams/{team}'))) {
    await ctx.route(/\/api\/v1\/teams\/[^/]+$/, (route) => {
      const slug = new URL(route.request().url()).pathname.split('/').pop();
      const team = sampleTeams.find((x) => x.slug === slug);
      return team ? json(route, 200, full(team)) : json(route, 404, { title: 'Not Found', status: 404 });
    });
  }
  if (!(await apiHas('get', '/api/v1/slugs/{slug}'))) {
    await ctx.route(/\/api\/v1\/slugs\/[^/]+$/, (route) => {
      const slug = new URL(route.request().url()).pathname.split('/').pop()!;
      return json(route, 200, { slug, available: !sampleTeams.some((x) => x.slug === slug) });
    });
  }
  if (!(await apiHas('get', '/api/v1/invitations'))) {
    await ctx.route('**/api/v1/invitations', (route) =>
      json(route, 200, {
        invitations: [
          {
            id: 'i1', team_id: 't4', team_slug: 'data-lab', team_name: 'Data Lab', email: 'x', role: 'product_owner',
            invited_by: 'y', created_at: '2026-11-20T10:00:00Z', expires_at: '2026-12-20T10:00:00Z', status: 'pending', version: 1,
          },
        ],
      }),
    );
  }
}

async function shot(page: Page, name: string): Promise<void> {
  // Toasts come and go; they are not part of the screen.
  await page.evaluate(() => document.querySelectorAll('.toasts .toast').forEach((el) => el.remove()));
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${out}${name}.png`, animations: 'disabled', caret: 'hide' });
}

async function signInAs(page: Page, email: string): Promise<void> {
  const before = (await mails(email)).length;
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Email me a code' }).click();
  await page.getByRole('heading', { name: 'Check your email' }).waitFor();
  await page.getByLabel('Code from the email').fill(await codeFor(email, before + 1));
  await page.getByRole('heading', { name: 'Your team spaces' }).waitFor();
}

describe.skipIf(!enabled)('screenshots', () => {
  for (const [device, viewport] of [
    ['desktop', desktop],
    ['phone', phone],
  ] as const) {
    it(`${device}`, async () => {
      const ctx = await newContext(browser, { viewport });
      await stubMissing(ctx);
      const page = await ctx.newPage();
      const email = device === 'desktop' ? 'ana.lima@example.com' : 'ana.lima+phone@example.com';

      await page.goto('/sign-in');
      await page.getByRole('heading', { name: 'Sign in to Pama' }).waitFor();
      await page.getByLabel('Email address').fill(email);
      await shot(page, `${device}-sign-in`);
      await page.getByRole('button', { name: 'Email me a code' }).click();
      await page.getByRole('heading', { name: 'Check your email' }).waitFor();
      await shot(page, `${device}-sign-in-code`);
      await page.getByLabel('Code from the email').fill(await codeFor(email));
      await page.getByRole('heading', { name: 'Your team spaces' }).waitFor();
      await page.getByRole('link', { name: /Blue Whales/ }).first().waitFor();
      await shot(page, `${device}-home`);

      await page.getByLabel('Name').fill('Ana Lima');
      await page.getByRole('button', { name: 'Save name' }).click();
      await page.getByRole('heading', { name: 'What should your team call you?' }).waitFor({ state: 'detached' });

      await page.goto('/blue-whales');
      await page.getByRole('heading', { name: 'Blue Whales', level: 1 }).waitFor();
      await shot(page, `${device}-team`);
      await page.getByRole('button', { name: /Switch team space/ }).first().click();
      await page.getByRole('link', { name: /Platform Guild/ }).first().waitFor();
      await shot(page, `${device}-team-switcher`);
      await page.keyboard.press('Escape');

      await page.goto('/teams/new');
      await page.getByLabel('Team name').fill('Red Pandas');
      await page.getByText(/red-pandas is free/).waitFor();
      await shot(page, `${device}-new-team`);

      await page.goto('/account');
      await page.getByRole('heading', { name: 'Account' }).waitFor();
      await page.getByText('No API tokens yet.').waitFor();
      await page.getByRole('button', { name: 'Create a token' }).first().click();
      await page.getByRole('dialog').getByLabel('Name').fill('CI bot');
      await page.getByRole('dialog').getByRole('button', { name: 'Create a token' }).click();
      await page.getByRole('dialog', { name: 'Your new token' }).waitFor();
      await shot(page, `${device}-token-created`);
      await page.getByRole('button', { name: 'Done' }).click();
      await page.getByRole('dialog').waitFor({ state: 'hidden' });
      await shot(page, `${device}-account`);
      await ctx.close();

      const dark = await newContext(browser, { viewport, dark: true });
      await stubMissing(dark);
      const darkPage = await dark.newPage();
      await signInAs(darkPage, `ana.lima+dark-${device}@example.com`);
      await darkPage.getByRole('link', { name: /Blue Whales/ }).first().waitFor();
      await darkPage.goto('/blue-whales');
      await darkPage.getByRole('heading', { name: 'Blue Whales', level: 1 }).waitFor();
      await shot(darkPage, `${device}-team-dark`);
      await dark.close();

      const guest = await newContext(browser, { viewport, locale: 'ru-RU' });
      const guestPage = await guest.newPage();
      await guestPage.goto('/invite/01930000-0000-7000-8000-000000000001.sample');
      await guestPage.getByRole('heading', { name: 'Вас приглашают' }).waitFor();
      await shot(guestPage, `${device}-invite-ru`);
      await guest.close();
    });
  }
});
