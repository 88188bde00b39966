// The operator console and passkeys, end to end. This spec starts a pama of
// its own: with an operator (--operators) and on http://localhost, where
// browsers allow passkeys, with the demo team space to look after. Passkeys
// use Chromium's virtual authenticator (DevTools protocol). It needs
// PAMA_E2E_BIN (set by serve.sh).
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeViolations, launch, newContext, overflowX, phone, waitFor } from './helpers';

const bin = process.env.PAMA_E2E_BIN;
const operator = 'ops@example.com';
// A second operator, so the phone test does not wait out the first one's code resend limit.
const phoneOperator = 'ops.phone@example.com';

let browser: Browser;
let server: ChildProcess | undefined;
let data = '';
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

/** codeFor waits for the newest sign-in code mailed to addr after the first `after` mails. */
async function codeFor(addr: string, after: number): Promise<string> {
  return waitFor(async () => {
    const list = await mails(addr);
    if (list.length <= after) return undefined;
    return /\b(\d{6})\b/.exec(list[list.length - 1]!)?.[1];
  }, `a sign-in mail to ${addr}`);
}

async function mails(addr: string): Promise<string[]> {
  const dir = join(data, 'outbox');
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.eml')).sort();
  const out: string[] = [];
  for (const n of names) {
    const raw = (await readFile(join(dir, n), 'utf8')).replace(/\r\n/g, '\n');
    const [head = '', ...body] = raw.split('\n\n');
    if (head.split('\n').some((l) => l.toLowerCase() === `to: ${addr}`)) out.push(body.join('\n\n'));
  }
  return out;
}

async function signIn(page: Page, email: string): Promise<void> {
  const before = (await mails(email)).length;
  await page.goto(`${origin}/sign-in`);
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Email me a code' }).click();
  await page.getByRole('heading', { name: 'Check your email' }).waitFor();
  await page.getByLabel('Code from the email').fill(await codeFor(email, before));
  await page.getByRole('heading', { name: 'Your team spaces' }).waitFor();
}

async function context(viewport?: { width: number; height: number }): Promise<BrowserContext> {
  const ctx = await newContext(browser, viewport ? { viewport } : {});
  return ctx;
}

const ready = !!bin;

beforeAll(async () => {
  if (!ready) return;
  browser = await launch();
  const port = await freePort();
  origin = `http://localhost:${port}`;
  data = await mkdtemp(join(tmpdir(), 'pama-console-'));
  await promisify(execFile)(bin!, ['seed', '--demo', '--data', data]);
  server = spawn(bin!, [
    'serve', '--addr', `127.0.0.1:${port}`, '--data', data, '--base-url', origin, '--operators', `${operator},${phoneOperator}`,
    '--rate-ip', '1000', '--rate-account', '1000', '--rate-team', '1000', '--log-level', 'debug',
  ]);
  server.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  server.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  await waitFor(async () => ((await fetch(`${origin}/readyz`).catch(() => null))?.status === 200 ? true : undefined), 'pama to start');
});

afterAll(async () => {
  await browser?.close();
  // Wait for the server to stop: it writes its files until it has, and the
  // data dir cannot be removed under it.
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill();
    await exited;
  }
  if (data) await rm(data, { recursive: true, force: true, maxRetries: 5 });
});

describe.skipIf(!ready)('operator console', () => {
  it('is closed to people who are not operators', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await signIn(page, 'dana.dev@example.com');
    await page.goto(`${origin}/console`);
    await page.getByRole('heading', { level: 2, name: 'Operators only' }).waitFor();
    await expect(page.getByRole('link', { name: 'Operator console' }).count()).resolves.toBe(0);
    await ctx.close();
  });

  it('suspends and resumes a space, checks its health, and shows it all in the audit log', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await signIn(page, operator);
    await page.getByRole('link', { name: 'Operator console' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Operator console' }).waitFor();

    // The list, then filtered by state.
    const row = page.getByRole('row').filter({ hasText: 'Demo Team' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('Active');
    await page.getByRole('checkbox', { name: 'Archived' }).check();
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.getByRole('heading', { name: 'No team spaces match' }).waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await row.getByRole('link', { name: 'Demo Team' }).click();
    await page.getByRole('heading', { level: 1, name: 'Demo Team' }).waitFor();

    // Suspend read-only, confirmed in a dialog with a reason.
    await page.getByRole('button', { name: 'Suspend' }).click();
    const suspend = page.getByRole('dialog', { name: 'Suspend Demo Team?' });
    await suspend.getByLabel('Reason').fill('unpaid invoice');
    await suspend.getByRole('button', { name: 'Suspend' }).click();
    await page.getByText('Suspended read-only: members can read but not change.').waitFor();

    // Members feel it: a change is refused.
    const owner = await context();
    const ownerPage = await owner.newPage();
    await signIn(ownerPage, 'olivia.owner@example.com');
    const refused = await ownerPage.evaluate(async () => {
      const r = await fetch('/api/v1/teams/demo-team', { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: '{"version":1,"name":"X"}' });
      return r.status;
    });
    expect(refused).toBe(403);
    await owner.close();

    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('dialog', { name: 'Resume Demo Team?' }).getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('button', { name: 'Change suspension' }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Suspend' }).waitFor();
    // The Resume button is gone with the state; focus stays in the section instead of falling to the page.
    await waitFor(async () => ((await page.evaluate(() => document.activeElement?.id)) === 'lifecycle' ? true : undefined), 'focus on the state section');

    // A health check now, recorded in the history.
    await page.getByRole('button', { name: 'Check now' }).click();
    const checks = page.getByRole('region', { name: 'Health' }).getByRole('row');
    await waitFor(async () => ((await checks.count()) >= 2 ? true : undefined), 'a health check in the history');
    await expect(page.getByRole('region', { name: 'Health' }).getByText('Healthy').first().isVisible()).resolves.toBe(true);

    // The actions on this space, newest first.
    const spaceAudit = page.getByRole('region', { name: 'Operator actions on this space' });
    await spaceAudit.getByText('operator.resume').waitFor();
    await spaceAudit.getByText('operator.suspend').waitFor();
    await expect(spaceAudit.textContent()).resolves.toContain('unpaid invoice');

    // And in the whole log.
    await page.getByRole('link', { name: 'All team spaces' }).click();
    await page.getByRole('link', { name: 'Audit log' }).click();
    const log = page.getByRole('table', { name: 'Operator actions, newest first' });
    await log.getByText('operator.suspend').waitFor();
    await log.getByText('operator.resume').first().waitFor();

    expect(await axeViolations(page)).toEqual([]);

    // A mass operation over the listed spaces, followed until it is done.
    await page.getByRole('link', { name: 'Team spaces' }).click();
    await page.getByRole('row').filter({ hasText: 'Demo Team' }).waitFor();
    await page.getByRole('button', { name: 'Act on these spaces…' }).click();
    const mass = page.getByRole('dialog', { name: 'A mass operation' });
    await mass.getByLabel('Operation').selectOption('migrate');
    await mass.getByRole('button', { name: 'Start the job' }).click();
    const job = page.getByRole('article', { name: 'Migrate to the latest schema' });
    await job.getByText('1 of 1 spaces').waitFor();
    await job.getByText('Done', { exact: true }).waitFor();
    await page.getByRole('link', { name: 'Mass operations' }).click();
    await page.getByRole('article', { name: 'Migrate to the latest schema' }).getByText('1 of 1 spaces').waitFor();
    await ctx.close();
  });

  it('fits a phone', async () => {
    const ctx = await context(phone);
    const page = await ctx.newPage();
    await signIn(page, phoneOperator);
    await page.goto(`${origin}/console`);
    await page.getByRole('row').filter({ hasText: 'Demo Team' }).waitFor();
    expect(await overflowX(page)).toBeLessThanOrEqual(0);
    expect(await axeViolations(page)).toEqual([]);
    await ctx.close();
  });
});

describe.skipIf(!ready)('passkeys', () => {
  it('adds a passkey and signs in with it', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });

    await signIn(page, 'sam.scrum@example.com');
    await page.goto(`${origin}/account`);
    await page.getByText('No passkeys yet.').waitFor();
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a passkey' });
    await dialog.getByLabel('Name').fill('Test laptop');
    await dialog.getByRole('button', { name: 'Add a passkey' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('listitem').filter({ hasText: 'Test laptop' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Pama' }).waitFor();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('heading', { name: 'Your team spaces' }).waitFor();
    const me = await page.evaluate(async () => (await (await fetch('/api/v1/me')).json()) as { email: string });
    expect(me.email).toBe('sam.scrum@example.com');

    // It shows as used, and can be removed.
    await page.goto(`${origin}/account`);
    const item = page.getByRole('listitem').filter({ hasText: 'Test laptop' });
    await item.getByText(/last used/).waitFor();
    await item.getByRole('button', { name: 'Remove: Test laptop' }).click();
    await page.getByRole('dialog', { name: 'Remove this passkey?' }).getByRole('button', { name: 'Remove' }).click();
    await page.getByText('No passkeys yet.').waitFor();
    await ctx.close();
  });
});
