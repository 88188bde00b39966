// The account screen: API tokens shown once and revoked, and the app's language.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { baseURL, launch, newContext, signIn, uniqueEmail } from './helpers';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('account', () => {
  it('creates an API token that works, shows it once, and revokes it', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await signIn(page, uniqueEmail('tokens'));
    await page.goto('/account');
    await page.getByText('No API tokens yet.').waitFor();

    await page.getByRole('button', { name: 'Create a token' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Create a token' });
    await dialog.waitFor();
    await dialog.getByLabel('Name').fill('CI bot');
    await dialog.getByRole('button', { name: 'Create a token' }).click();
    const shown = page.getByRole('dialog', { name: 'Your new token' });
    await shown.waitFor();
    const secret = await shown.getByLabel('Token').inputValue();
    expect(secret).toMatch(/^pama_/);

    // The token really works, and only for reading.
    const me = await fetch(`${baseURL}/api/v1/me`, { headers: { Authorization: `Bearer ${secret}` } });
    expect(me.status).toBe(200);
    const write = await fetch(`${baseURL}/api/v1/me`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ version: 1, display_name: 'x' }),
    });
    expect(write.status).toBe(403);

    await shown.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'hidden' });
    await expect(page.getByText(secret).count()).resolves.toBe(0);
    const row = page.getByRole('listitem').filter({ hasText: 'CI bot' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('Read only');

    await row.getByRole('button', { name: 'Revoke: CI bot' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke this token?' });
    await confirm.getByRole('button', { name: 'Revoke' }).click();
    await row.getByText('Revoked').waitFor();
    const after = await fetch(`${baseURL}/api/v1/me`, { headers: { Authorization: `Bearer ${secret}` } });
    expect(after.status).toBe(401);
    await ctx.close();
  });

  it('closes a dialog with Escape and returns focus to its button', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await signIn(page, uniqueEmail('dialog'));
    await page.goto('/account');
    const open = page.getByRole('button', { name: 'Create a token' }).first();
    await open.click();
    const dialog = page.getByRole('dialog', { name: 'Create a token' });
    await dialog.waitFor();
    await expect(dialog.getByLabel('Name').evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    // Tab stays inside the dialog.
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      await expect(page.evaluate(() => !!document.activeElement?.closest('dialog'))).resolves.toBe(true);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await expect(open.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await ctx.close();
  });

  it('speaks Russian when asked, and remembers it', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await page.goto('/sign-in');
    await page.getByRole('heading', { name: 'Sign in to Pama' }).waitFor();
    await page.getByLabel('Language').selectOption('ru');
    await page.getByRole('heading', { name: 'Вход в Pama' }).waitFor();
    await expect(page.evaluate(() => document.documentElement.lang)).resolves.toBe('ru');
    await page.reload();
    await page.getByRole('heading', { name: 'Вход в Pama' }).waitFor();
    await ctx.close();
  });

  it('follows a Russian browser on the first visit', async () => {
    const ctx = await newContext(browser, { locale: 'ru-RU' });
    const page = await ctx.newPage();
    await page.goto('/sign-in');
    await page.getByRole('heading', { name: 'Вход в Pama' }).waitFor();
    await page.getByRole('button', { name: 'Прислать код' }).waitFor();
    await ctx.close();
  });
});
