// Team spaces: create one with a live address check, land in it, switch.
// Runs when the server has the teams API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { apiHas, codeFor, launch, mails, newContext, overflowX, phone, signIn, uniqueEmail, waitFor } from './helpers';

const ready = (await apiHas('post', '/api/v1/teams')) && (await apiHas('get', '/api/v1/slugs/{slug}'));

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe.skipIf(!ready)('team spaces', () => {
  it('creates a team space, checking the address while typing', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await signIn(page, uniqueEmail('owner'));
    await page.getByRole('link', { name: 'Create a team space' }).first().click();
    await page.getByRole('heading', { name: 'Create a team space' }).waitFor();

    const slug = `whales-${Date.now().toString(36)}`;
    await page.getByLabel('Team name').fill('Blue Whales');
    await expect(page.getByLabel('Address').inputValue()).resolves.toBe('blue-whales');
    await page.getByLabel('Address').fill('ab');
    await page.getByText('At least 3 characters.').waitFor();
    await page.getByLabel('Address').fill(slug);
    await page.getByText(`/${slug} is free.`).waitFor();
    await page.getByLabel('Product name').fill('Whale watch app');
    await expect(page.getByLabel('Key').inputValue()).resolves.toBe('WWA');
    await page.getByRole('button', { name: 'Create the team space' }).click();

    await page.getByRole('heading', { name: 'Blue Whales', level: 1 }).waitFor();
    const products = await page.request.get(`/api/v1/teams/${slug}/products`);
    expect(JSON.stringify(await products.json())).toContain('"key":"WWA"');
    expect(new URL(page.url()).pathname).toBe(`/${slug}`);
    await page.getByText('Your role: Owner').waitFor();

    // The address is taken now.
    await page.goto('/teams/new');
    await page.getByLabel('Address').fill(slug);
    await page.getByText(`/${slug} is taken. Try another.`).waitFor();

    // The switcher lists it and leads back to it.
    await page.getByRole('button', { name: /Team spaces|Switch team space/ }).first().click();
    await page.getByRole('link', { name: /Blue Whales/ }).first().click();
    await page.getByRole('heading', { name: 'Blue Whales', level: 1 }).waitFor();
    await ctx.close();
  });

  it('shows the team navigation at the bottom on a phone', async () => {
    const ctx = await newContext(browser, { viewport: phone });
    const page = await ctx.newPage();
    await signIn(page, uniqueEmail('phone-owner'));
    const slug = `phone-${Date.now().toString(36)}`;
    await page.goto('/teams/new');
    await page.getByLabel('Team name').fill('Phone Team');
    await page.getByLabel('Address').fill(slug);
    await page.getByText(`/${slug} is free.`).waitFor();
    await page.getByRole('button', { name: 'Create the team space' }).click();
    await page.getByRole('heading', { name: 'Phone Team', level: 1 }).waitFor();
    const nav = page.locator('nav.bottom');
    await expect(nav.isVisible()).resolves.toBe(true);
    const box = await nav.boundingBox();
    expect(box!.y + box!.height).toBeCloseTo(844, 0);
    expect(await overflowX(page)).toBe(0);
    await nav.getByRole('link', { name: 'Board' }).click();
    await page.getByRole('heading', { name: 'Board', level: 1 }).waitFor();
    await expect(nav.getByRole('link', { name: 'Board' }).getAttribute('aria-current')).resolves.toBe('page');
    await ctx.close();
  });
});

/** createTeam makes a team space as the account signed in on page, through the API. */
async function createTeam(page: Page, name: string, slug: string): Promise<void> {
  const res = await page.request.post('/api/v1/teams', { data: { name, slug } });
  expect(res.status(), await res.text()).toBe(201);
}

/** invite sends an invitation from the team space as the account signed in on page. */
async function invite(page: Page, slug: string, email: string, role: string): Promise<void> {
  const res = await page.request.post(`/api/v1/teams/${slug}/invitations`, { data: { email, role } });
  expect(res.status(), await res.text()).toBe(201);
}

describe.skipIf(!ready)('invitations', () => {
  it('lets an invited account join from its list of invitations', async () => {
    const owner = await newContext(browser);
    const ownerPage = await owner.newPage();
    await signIn(ownerPage, uniqueEmail('inviter'));
    const slug = `crew-${Date.now().toString(36)}`;
    await createTeam(ownerPage, 'Design Crew', slug);
    const guestEmail = uniqueEmail('invitee');
    await invite(ownerPage, slug, guestEmail, 'product_owner');

    const guest = await newContext(browser);
    const page = await guest.newPage();
    await signIn(page, guestEmail);
    const item = page.getByRole('listitem').filter({ hasText: 'Design Crew' });
    await item.getByText('Design Crew · as Product owner').waitFor();
    await item.getByRole('button', { name: 'Join Design Crew' }).click();
    await page.getByRole('heading', { name: 'Design Crew', level: 1 }).waitFor();
    await page.getByText('Your role: Product owner').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/${slug}`);
    await owner.close();
    await guest.close();
  });

  it('takes a visitor from the emailed link through sign-in into the team', async () => {
    const owner = await newContext(browser);
    const ownerPage = await owner.newPage();
    await signIn(ownerPage, uniqueEmail('linker'));
    const slug = `link-${Date.now().toString(36)}`;
    await createTeam(ownerPage, 'Link Team', slug);
    const guestEmail = uniqueEmail('linked');
    await invite(ownerPage, slug, guestEmail, 'member');
    const token = await waitFor(async () => {
      for (const body of await mails(guestEmail)) {
        const m = /\/invite\/(\S+)/.exec(body);
        if (m) return m[1];
      }
      return undefined;
    }, 'the invitation mail');

    const guest = await newContext(browser, { viewport: phone });
    const page = await guest.newPage();
    await page.goto(`/invite/${token}`);
    await page.getByRole('heading', { name: 'You are invited' }).waitFor();
    await page.getByRole('link', { name: 'Sign in to accept' }).click();
    await page.getByLabel('Email address').fill(guestEmail);
    const before = (await mails(guestEmail)).length;
    await page.getByRole('button', { name: 'Email me a code' }).click();
    await page.getByLabel('Code from the email').fill(await codeFor(guestEmail, before + 1));
    await page.getByRole('heading', { name: 'You are invited' }).waitFor();
    await page.getByText(`You are signed in as ${guestEmail}.`).waitFor();
    await page.getByRole('button', { name: 'Accept the invitation' }).click();
    await page.getByRole('heading', { name: 'Link Team', level: 1 }).waitFor();
    await page.getByText('Your role: Member').waitFor();

    // A used link says so.
    await page.goto(`/invite/${token}`);
    await page.getByRole('button', { name: 'Accept the invitation' }).click();
    await page.getByRole('alert').filter({ hasText: /cannot be used|already/i }).waitFor();
    await owner.close();
    await guest.close();
  });
});

describe('team spaces, whatever the API', () => {
  it('shows an invitation to a visitor with the way to sign in', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await page.goto('/invite/abc.def');
    await page.getByRole('heading', { name: 'You are invited' }).waitFor();
    const link = page.getByRole('link', { name: 'Sign in to accept' });
    const href = await link.getAttribute('href');
    expect(href).toBe(`/sign-in?next=${encodeURIComponent('/invite/abc.def')}`);
    await link.click();
    await page.getByRole('heading', { name: 'Sign in to Pama' }).waitFor();
    await ctx.close();
  });

  it('answers an unknown address with a way back', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await signIn(page, uniqueEmail('lost'));
    await page.goto('/no-such-team/nowhere/deeper');
    await page.getByRole('heading', { name: 'Page not found' }).first().waitFor();
    await page.getByRole('link', { name: 'Go to your team spaces' }).click();
    await page.getByRole('heading', { name: 'Your team spaces' }).waitFor();
    await ctx.close();
  });
});
