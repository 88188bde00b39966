// Shared pieces of the browser tests: the server under test, Chromium, the
// outbox where pama writes its mail, and signing in through the real UI.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import axe from 'axe-core';
import { browserArgs, chromiumPath } from './browser.mjs';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the browser tests with make e2e (web/e2e/serve.sh starts pama)`);
  return v;
}

export const baseURL = env('PAMA_E2E_URL');
export const dataDir = env('PAMA_E2E_DATA');

export const desktop = { width: 1280, height: 800 };
export const phone = { width: 390, height: 844 };

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: browserArgs });
}

export async function newContext(browser: Browser, opts: { viewport?: { width: number; height: number }; locale?: string; dark?: boolean } = {}): Promise<BrowserContext> {
  const isPhone = (opts.viewport?.width ?? 1280) < 600;
  const ctx = await browser.newContext({
    baseURL,
    viewport: opts.viewport ?? desktop,
    locale: opts.locale ?? 'en-US',
    colorScheme: opts.dark ? 'dark' : 'light',
    deviceScaleFactor: isPhone ? 2 : 1,
    isMobile: isPhone,
    hasTouch: isPhone,
  });
  ctx.setDefaultTimeout(10_000);
  return ctx;
}

let counter = 0;
/** uniqueEmail returns an address no other test uses. */
export function uniqueEmail(name: string): string {
  counter++;
  return `${name}-${Date.now().toString(36)}-${counter}@example.com`;
}

/** waitFor polls fn until it returns a value, for up to ms. */
export async function waitFor<T>(fn: () => Promise<T | undefined>, what: string, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** mails returns the bodies of the outbox mails to addr, oldest first. */
export async function mails(addr: string): Promise<string[]> {
  const dir = join(dataDir, 'outbox');
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.eml')).sort();
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    const raw = (await readFile(join(dir, n), 'utf8')).replace(/\r\n/g, '\n');
    const [head = '', ...body] = raw.split('\n\n');
    if (head.split('\n').some((l) => l.toLowerCase() === `to: ${addr.toLowerCase()}`)) out.push(body.join('\n\n'));
  }
  return out;
}

/** codeFor waits for mail number n (1-based) to addr and returns its sign-in code. */
export async function codeFor(addr: string, n = 1): Promise<string> {
  return waitFor(async () => {
    const list = await mails(addr);
    if (list.length < n) return undefined;
    return /\b(\d{6})\b/.exec(list[n - 1]!)?.[1];
  }, `sign-in mail number ${n} to ${addr}`);
}

/** signIn goes through the emailed-code sign-in on page and waits for the home screen. */
export async function signIn(page: Page, email: string): Promise<void> {
  const before = (await mails(email)).length;
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Email me a code' }).click();
  await page.getByRole('heading', { name: 'Check your email' }).waitFor();
  const code = await codeFor(email, before + 1);
  await page.getByLabel('Code from the email').fill(code);
  await page.getByRole('heading', { name: 'Your team spaces' }).waitFor();
}

let spec: { paths: Record<string, Record<string, unknown>> } | null = null;

/** apiHas reports whether the server's OpenAPI document has the operation. */
export async function apiHas(method: string, path: string): Promise<boolean> {
  if (!spec) {
    const res = await fetch(`${baseURL}/api/openapi.json`);
    spec = (await res.json()) as typeof spec;
  }
  return !!spec?.paths[path]?.[method.toLowerCase()];
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axeViolations runs axe-core in page and returns the serious and critical violations. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: axe.source });
  const result = await page.evaluate(async () => {
    const w = window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> } };
    return w.axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
}

/** overflowX returns how many pixels the page is wider than its viewport (0 when it fits). */
export function overflowX(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}
