// Signing in and out, as a person does it: the emailed code from pama's
// outbox, the password, the return to where one was going.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { codeFor, launch, newContext, signIn, uniqueEmail } from './helpers';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('sign-in', () => {
  it('sends a visitor to sign-in and back where they were going', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await page.goto('/account');
    await page.getByRole('heading', { name: 'Sign in to Pama' }).waitFor();
    expect(new URL(page.url()).searchParams.get('next')).toBe('/account');

    const email = uniqueEmail('return');
    await page.getByLabel('Email address').fill(email);
    await page.getByRole('button', { name: 'Email me a code' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await page.getByLabel('Code from the email').fill(await codeFor(email));
    await page.getByRole('heading', { name: 'Account' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/account');
    await expect(page.getByText(email).first().isVisible()).resolves.toBe(true);
    await ctx.close();
  });

  it('explains a bad address next to the field', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await page.goto('/sign-in');
    const field = page.getByLabel('Email address');
    await field.fill('not-an-address');
    await page.getByRole('button', { name: 'Email me a code' }).click();
    await expect(field.getAttribute('aria-invalid')).resolves.toBe('true');
    const described = (await field.getAttribute('aria-describedby')) ?? '';
    const texts = await Promise.all(described.split(' ').map((id) => page.locator(`#${id}`).textContent()));
    expect(texts.join(' ')).toContain('Enter an email address');
    await ctx.close();
  });

  it('refuses a wrong code, then takes the right one', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    const email = uniqueEmail('wrong');
    await page.goto('/sign-in');
    await page.getByLabel('Email address').fill(email);
    await page.getByRole('button', { name: 'Email me a code' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await expect(page.getByText(/You can ask for a new code in 0:\d\d/).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Send a new code' }).isDisabled()).resolves.toBe(true);

    const right = await codeFor(email);
    const wrong = right === '000000' ? '111111' : '000000';
    await page.getByLabel('Code from the email').fill(wrong);
    await page.getByRole('alert').filter({ hasText: /wrong|expired/i }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/sign-in');

    await page.getByLabel('Code from the email').fill(right);
    await page.getByRole('heading', { name: 'Your team spaces' }).waitFor();
    await ctx.close();
  });

  it('asks a new account for its name, and keeps it', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await signIn(page, 'ada.lovelace-' + uniqueEmail('name'));
    await page.getByRole('heading', { name: 'What should your team call you?' }).waitFor();
    // The name is made from the address; the person can keep or change it.
    await expect(page.getByLabel('Name').inputValue()).resolves.toMatch(/^Ada/);
    await page.getByLabel('Name').fill('Ada Lovelace');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByRole('status').filter({ hasText: 'Your profile is saved.' }).waitFor();
    await page.getByRole('heading', { name: 'What should your team call you?' }).waitFor({ state: 'detached' });
    await page.reload();
    await page.getByRole('heading', { name: 'Your team spaces' }).waitFor();
    await expect(page.getByRole('heading', { name: 'What should your team call you?' }).count()).resolves.toBe(0);
    await page.goto('/account');
    await expect(page.getByLabel('Name').inputValue()).resolves.toBe('Ada Lovelace');
    await ctx.close();
  });

  it('sets a password, signs out, and signs in with it', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    const email = uniqueEmail('password');
    await signIn(page, email);
    await page.goto('/account');
    await page.getByRole('heading', { name: 'Account' }).waitFor();
    await page.getByLabel('New password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Set a password' }).click();
    await page.getByRole('status').filter({ hasText: 'Your password is saved.' }).waitFor();
    await page.getByRole('button', { name: 'Change password' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Pama' }).waitFor();
    await page.goto('/account');
    await page.getByRole('heading', { name: 'Sign in to Pama' }).waitFor();

    await page.getByRole('button', { name: 'Sign in with a password instead' }).click();
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill('wrong password!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: /wrong email or password/i }).waitFor();
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Account' }).waitFor();
    await ctx.close();
  });
});
