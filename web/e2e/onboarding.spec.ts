// The onboarding wizard end to end, as a newcomer goes through it: the
// public site, the automatic captcha, the code read from a real SMTP
// server's mailbox (mailpit), team, product, deck and invitations, then the
// new space — reachable at its own address the moment the wizard ends.
//
// This spec starts a pama of its own, sending mail through SMTP to mailpit
// and serving spaces at <address>.pama.localhost (Chromium resolves
// *.localhost to this machine). It needs PAMA_E2E_BIN (set by serve.sh) and
// PAMA_TEST_MAILPIT_URL / PAMA_TEST_SMTP_ADDR (set by .ci/services.sh).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, launch, newContext, overflowX, phone, waitFor } from './helpers';

const bin = process.env.PAMA_E2E_BIN;
const mailpit = process.env.PAMA_TEST_MAILPIT_URL;
const smtp = process.env.PAMA_TEST_SMTP_ADDR;
const ready = !!bin && !!mailpit && !!smtp;

let browser: Browser;
let server: ChildProcess | undefined;
let dataDir = '';
let port = 0;
let origin = '';
const log: string[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

/** get requests path from the test server with the Host header host, without following redirects. */
function get(host: string, path: string): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: `${host}:${port}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

interface MailpitMessage {
  ID: string;
  To: { Address: string }[];
  Subject: string;
}

/** mailTo waits for a message to addr in mailpit and returns its subject and text. */
async function mailTo(addr: string, subject: RegExp): Promise<{ subject: string; text: string }> {
  return waitFor(async () => {
    const res = await fetch(`${mailpit}/api/v1/messages?limit=200`);
    const list = (await res.json()) as { messages: MailpitMessage[] };
    const m = list.messages.find((x) => x.To.some((t) => t.Address.toLowerCase() === addr.toLowerCase()) && subject.test(x.Subject));
    if (!m) return undefined;
    const full = (await (await fetch(`${mailpit}/api/v1/message/${m.ID}`)).json()) as { Text: string };
    return { subject: m.Subject, text: full.Text };
  }, `mail to ${addr} in mailpit`);
}

beforeAll(async () => {
  if (!ready) return;
  browser = await launch();
  port = await freePort();
  origin = `http://pama.localhost:${port}`;
  dataDir = await mkdtemp(join(tmpdir(), 'pama-onboarding-'));
  const [smtpHost, smtpPort] = smtp!.split(':');
  server = spawn(bin!, [
    'serve', '--addr', `127.0.0.1:${port}`, '--data', dataDir, '--base-url', origin, '--base-domain', 'pama.localhost',
    '--smtp-host', smtpHost!, '--smtp-port', smtpPort!, '--smtp-tls', 'none', '--smtp-from', 'Pama <pama@pama.localhost>',
    '--captcha-bits', '14', '--rate-ip', '1000', '--rate-account', '1000', '--log-level', 'debug',
  ]);
  server.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  server.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  await waitFor(async () => ((await get('pama.localhost', '/readyz').catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 'pama to start');
});

afterAll(async () => {
  await browser?.close();
  server?.kill();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function wizard(page: Page, email: string, slug: string, invitee: string): Promise<void> {
  await page.goto(`${origin}/`);
  // The public site: plain HTML, no script, a Start button.
  await page.getByRole('heading', { level: 1, name: /Your backlog and every Scrum ceremony/ }).waitFor();
  expect(await page.evaluate(() => document.scripts.length)).toBe(0);
  await page.getByRole('link', { name: 'Start a team space' }).first().click();

  await page.getByRole('heading', { name: 'Start a team space' }).waitFor();
  await page.getByLabel('Your email address').fill(email);
  // The captcha works by itself; its progress and result are announced.
  await page.getByRole('status').filter({ hasText: 'Check passed' }).waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Email me a code' }).click();
  await page.getByRole('heading', { name: 'Check your email' }).waitFor();

  // The code comes through real SMTP; read it from the mailbox.
  const mail = await mailTo(email, /sign-in code/);
  const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
  expect(code).toBeTruthy();
  await page.getByLabel('Code from the email').fill(code!);

  await page.getByRole('heading', { name: 'Your team' }).waitFor();
  await page.getByLabel('Team name').fill('Narwhals');
  await page.getByLabel('Address').fill('admin');
  await page.getByText('Only lower-case').or(page.getByText(/reserved|taken/)).first().waitFor();
  await page.getByLabel('Address').fill(slug);
  await page.getByText(`/${slug} is free.`).waitFor();
  await page.getByRole('button', { name: 'Next' }).click();

  await page.getByRole('heading', { name: 'First product and estimation' }).waitFor();
  await page.getByLabel('Product name').fill('Tusk tracker');
  await expect(page.getByLabel('Key').inputValue()).resolves.toBe('TT');
  await page.getByLabel('T-shirt sizes').check();
  await page.getByRole('button', { name: 'Next' }).click();

  await page.getByRole('heading', { name: 'Invite your team' }).waitFor();
  await page.getByRole('button', { name: 'Add a person' }).click();
  await page.getByLabel('Email address 1').fill('not-an-address');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByText(/must be an email address/i).waitFor();
  await page.getByLabel('Email address 1').fill(invitee);
  await page.getByLabel('Role 1').selectOption('scrum_master');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('heading', { name: 'Ready to create' }).waitFor();

  // A reload resumes where the wizard was.
  await page.reload();
  await page.getByRole('heading', { name: 'Ready to create' }).waitFor();
  await page.getByText(invitee).waitFor();
}

describe.skipIf(!ready)('onboarding wizard', () => {
  it('creates a team space from the public site to the new space, live at its address at once', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    const stamp = Date.now().toString(36);
    const email = `founder-${stamp}@example.com`;
    const invitee = `crew-${stamp}@example.com`;
    const slug = `narwhals-${stamp}`;
    await wizard(page, email, slug, invitee);

    await page.getByRole('button', { name: 'Create the team space' }).click();
    await page.getByRole('heading', { name: 'Narwhals', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/${slug}`);

    // At once, the space's own address answers: its host opens the space...
    const atHost = await get(`${slug}.pama.localhost`, '/');
    expect(atHost.status).toBe(302);
    expect(atHost.location).toBe(`/${slug}`);
    expect((await get(`${slug}.pama.localhost`, `/${slug}`)).status).toBe(200);
    // ...and so does /t/<address>; unknown addresses get the 404 page.
    expect((await get('pama.localhost', `/t/${slug}`)).location).toBe(`/${slug}`);
    expect((await get(`nobody-${stamp}.pama.localhost`, '/')).status).toBe(404);

    // In the browser, the space's host opens it, signed in (the session
    // covers every address under the base domain).
    await page.goto(`http://${slug}.pama.localhost:${port}/`);
    await page.getByRole('heading', { name: 'Narwhals', level: 1 }).waitFor();
    const settings = await page.evaluate(async (s) => (await fetch(`/api/v1/teams/${s}/settings`)).json(), slug);
    expect(settings.deck).toBe('tshirt');

    // The invitation went out through SMTP too.
    const inv = await mailTo(invitee, /invited you to Narwhals/);
    expect(inv.text).toContain('/invite/');
    await ctx.close();
  });

  it('fits a phone and passes axe on every step', async () => {
    const ctx = await newContext(browser, { viewport: phone });
    const page = await ctx.newPage();
    await page.goto(`${origin}/`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(await overflowX(page)).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await page.goto(`${origin}/start`);
    await page.getByRole('heading', { name: 'Start a team space' }).waitFor();
    expect(await overflowX(page)).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('status').filter({ hasText: 'Check passed' }).waitFor({ timeout: 30_000 });
    expect(await axeViolations(page)).toEqual([]);
    await ctx.close();
  });
});
