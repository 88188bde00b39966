// Team spaces: create one with a live address check, land in it, switch.
// Runs when the server has the teams API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { apiHas, launch, newContext, overflowX, phone, signIn, uniqueEmail } from './helpers';

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
    await page.getByRole('button', { name: 'Create the team space' }).click();

    await page.getByRole('heading', { name: 'Blue Whales', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/${slug}`);
    await page.getByText('Your role: Owner').waitFor();

    // The address is taken now.
    await page.goto('/teams/new');
    await page.getByLabel('Address').fill(slug);
    await page.getByText(`/${slug} is taken. Try another.`).waitFor();

    // The switcher lists it and leads back to it.
    await page.getByRole('button', { name: /Choose a team space|Switch team space/ }).first().click();
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
