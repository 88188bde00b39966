// The reports screen against a real server: one member sets up a product
// through the API (a completed sprint, an active one, work done in each, a
// retrospective action), then reads velocity and the burndown and burnup in
// the browser with their tables, switches sprint, and the same screen on a
// phone without sideways scrolling. Screenshots go to /tmp.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type APIRequestContext, type Browser, type Page } from 'playwright-core';
import { apiHas, axeViolations, baseURL, codeFor, desktop, launch, mails, newContext, overflowX, phone, uniqueEmail } from './helpers';

const ready = await apiHas('get', '/api/v1/teams/{team}/sprints/{sprint}/reports/burndown');

let browser: Browser;
let api: APIRequestContext;
let cookies: Awaited<ReturnType<APIRequestContext['storageState']>>['cookies'];
const slug = `rep-${Date.now().toString(36)}`;

async function ok<T = unknown>(res: Promise<{ status(): number; text(): Promise<string>; json(): Promise<unknown> }>, want = 200): Promise<T> {
  const r = await res;
  expect(r.status(), await r.text()).toBe(want);
  return (r.status() === 204 ? undefined : await r.json()) as T;
}

const iso = (d: Date) => d.toISOString().slice(0, 10);
const dayMs = 86_400_000;

beforeAll(async () => {
  if (!ready) return;
  browser = await launch();
  const email = uniqueEmail('rita');
  api = await request.newContext({ baseURL });
  const before = (await mails(email)).length;
  expect((await api.post('/api/v1/auth/code', { data: { email } })).status()).toBe(202);
  await ok(api.post('/api/v1/auth/sign-in', { data: { email, code: await codeFor(email, before + 1) } }));
  cookies = (await api.storageState()).cookies;
  await ok(api.post('/api/v1/teams', { data: { name: 'Report Runners', slug, first_product: { name: 'Shop', key: 'RP' } } }), 201);

  const statuses = await ok<{ statuses: { id: string; category: string }[] }>(api.get(`/api/v1/teams/${slug}/statuses`));
  const done = statuses.statuses.find((s) => s.category === 'done')!.id;
  const doing = statuses.statuses.find((s) => s.category === 'in_progress')!.id;
  const item = (data: object) => ok<{ id: string; version: number }>(api.post(`/api/v1/teams/${slug}/products/RP/items`, { data: { kind: 'story', ...data } }), 201);
  const move = async (it: { id: string; version: number }, status: string) => {
    const r = await ok<{ version: number }>(api.patch(`/api/v1/teams/${slug}/items/${it.id}`, { data: { version: it.version, status_id: status } }));
    it.version = r.version;
  };

  // Sprint 1: 8 points committed, 5 done, the rest carried into sprint 2.
  const now = new Date();
  const s1 = await ok<{ id: string; version: number }>(
    api.post(`/api/v1/teams/${slug}/products/RP/sprints`, { data: { name: 'Sprint One', start_date: iso(now), end_date: iso(new Date(now.getTime() + 13 * dayMs)) } }),
    201,
  );
  const a = await item({ title: 'Cart', points: 5, sprint_id: s1.id });
  await item({ title: 'Wish list', points: 3, sprint_id: s1.id });
  const started = await ok<{ version: number }>(api.post(`/api/v1/teams/${slug}/sprints/${s1.id}/start`, { data: { version: s1.version } }));
  await move(a, doing);
  await move(a, done);
  await item({ title: 'Pair on payment changes', points: 1, origin: { ceremony: 'retrospective' } });
  await ok(api.post(`/api/v1/teams/${slug}/sprints/${s1.id}/complete`, { data: { version: started.version, carry_over: 'next' } }));

  // Sprint 2: what was carried over and one more, started now.
  const list = await ok<{ sprints: { id: string; state: string; version: number; name: string }[] }>(api.get(`/api/v1/teams/${slug}/products/RP/sprints`));
  const s2 = list.sprints.find((s) => s.state === 'planned')!;
  await ok(api.patch(`/api/v1/teams/${slug}/sprints/${s2.id}`, { data: { version: s2.version, name: 'Sprint Two' } }));
  const s2now = await ok<{ version: number }>(api.get(`/api/v1/teams/${slug}/sprints/${s2.id}`));
  await item({ title: 'Search', points: 2, sprint_id: s2.id });
  await ok(api.post(`/api/v1/teams/${slug}/sprints/${s2.id}/start`, { data: { version: s2now.version, start_date: iso(now), end_date: iso(new Date(now.getTime() + 13 * dayMs)) } }));
});

afterAll(async () => {
  await browser?.close();
  await api?.dispose();
});

async function open(viewport: { width: number; height: number }): Promise<Page> {
  const ctx = await newContext(browser, { viewport });
  await ctx.addCookies(cookies);
  const page = await ctx.newPage();
  await page.goto(`/${slug}/reports`);
  await page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
  return page;
}

/** tableOf opens a chart's "Show the numbers" and returns the table's rows as text. */
async function tableOf(page: Page, title: string | RegExp): Promise<string[][]> {
  const fig = page.getByRole('figure', { name: title });
  const details = fig.locator('details');
  if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) await fig.locator('summary', { hasText: 'Show the numbers' }).click();
  const rows = fig.locator('tbody tr');
  await rows.first().waitFor();
  return rows.evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => (c.textContent ?? '').trim())));
}

describe.skipIf(!ready)('reports', () => {
  it('shows velocity and the burndown of the active sprint, then of the sprint picked', async () => {
    const page = await open(desktop);

    // Velocity: sprint one committed 8 points and completed 5.
    const velocity = page.getByRole('figure', { name: 'Velocity' });
    await velocity.locator('svg[role="img"]').waitFor();
    expect(await velocity.locator('rect').count()).toBe(2);
    expect(await tableOf(page, 'Velocity')).toEqual([['Sprint One', '8', '5']]);

    // The burndown opens on the active sprint: 5 points committed (3 carried over and 2 new), none done.
    const burndown = page.getByRole('figure', { name: 'Sprint burndown: Sprint Two' });
    await burndown.locator('svg[role="img"]').waitFor();
    expect(await burndown.locator('svg[role="img"] path').count()).toBe(2);
    const rows = await tableOf(page, 'Sprint burndown: Sprint Two');
    expect(rows[0]![1]).toBe('5');
    expect(rows.length).toBe(14);
    await page.getByRole('figure', { name: 'Sprint burnup: Sprint Two' }).locator('svg[role="img"]').waitFor();

    // Pick the completed sprint (completed early, today): 3 points were left when it completed; the days after carry only the ideal line.
    await page.getByLabel('Sprint', { exact: true }).selectOption({ label: 'Sprint One' });
    await page.getByRole('figure', { name: 'Sprint burndown: Sprint One' }).waitFor();
    const one = await tableOf(page, 'Sprint burndown: Sprint One');
    const measured = one.filter((r) => r[1] !== '–');
    expect(measured.map((r) => r[1])).toEqual(['3']);
    expect(one.length).toBe(14);

    // Counting items instead of points.
    await page.getByRole('radio', { name: 'Items' }).check();
    const items = await tableOf(page, 'Velocity');
    expect(items).toEqual([['Sprint One', '2', '1']]);

    // The choices live in the address: after a reload the sprint, the unit and the range are still chosen.
    await page.getByLabel('Days', { exact: true }).selectOption({ label: 'Last 90 days' });
    await page.waitForURL(/days=90/);
    await page.reload();
    await page.getByRole('figure', { name: 'Sprint burndown: Sprint One' }).waitFor();
    expect(await page.getByRole('radio', { name: 'Items' }).isChecked()).toBe(true);
    expect(await page.getByLabel('Days', { exact: true }).inputValue()).toBe('90');
    expect(await tableOf(page, 'Velocity')).toEqual([['Sprint One', '2', '1']]);

    // The charts over days: flow, cycle time (one item), retrospective actions (one created).
    await page.getByRole('figure', { name: 'Cumulative flow' }).locator('svg[role="img"]').waitFor();
    const cycle = page.getByRole('figure', { name: 'Cycle time' });
    await cycle.locator('circle').first().waitFor();
    expect(await cycle.locator('circle').count()).toBe(1);
    await page.getByRole('figure', { name: 'Retrospective actions' }).waitFor();
    expect(await tableOf(page, 'Retrospective actions')).toEqual([['Sprint One', '1', '0', '1']]);

    const serious = await axeViolations(page);
    expect(serious, JSON.stringify(serious, null, 2)).toEqual([]);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: '/tmp/webrep-reports-desktop.png', fullPage: true });
    await page.context().close();
  });

  it('fits a phone: charts full width, one under another, no sideways scrolling', async () => {
    const page = await open(phone);
    const velocity = page.getByRole('figure', { name: 'Velocity' });
    const burndown = page.getByRole('figure', { name: /^Sprint burndown/ });
    await velocity.locator('svg[role="img"]').waitFor();
    await burndown.locator('svg[role="img"]').waitFor();
    await page.getByRole('figure', { name: 'Cycle time' }).locator('svg[role="img"]').waitFor();
    await tableOf(page, /^Sprint burndown/);
    expect(await overflowX(page)).toBe(0);
    const v = (await velocity.boundingBox())!;
    const b = (await burndown.boundingBox())!;
    expect(b.y).toBeGreaterThan(v.y + v.height - 1);
    expect(v.width).toBeGreaterThan(phone.width - 60);
    await page.screenshot({ path: '/tmp/webrep-reports-phone.png', fullPage: true });
    await page.context().close();
  });

  it('keeps the team’s time zone in the settings, and says when the server refuses one', async () => {
    const page = await open(desktop);
    await page.goto(`/${slug}/settings`);
    const zone = page.getByLabel('Time zone');
    await zone.waitFor();
    expect(await zone.inputValue()).toBe('UTC');
    await zone.selectOption('Europe/Berlin');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Settings saved.').waitFor();
    const s = await ok<{ time_zone: string }>(api.get(`/api/v1/teams/${slug}/settings`));
    expect(s.time_zone).toBe('Europe/Berlin');
    await page.reload();
    await page.getByLabel('Time zone').waitFor();
    expect(await page.getByLabel('Time zone').inputValue()).toBe('Europe/Berlin');

    // A zone the server does not know (an option added by hand) gets its message under the field.
    await page.getByLabel('Time zone').evaluate((el) => {
      const o = document.createElement('option');
      o.value = 'Mars/Olympus';
      o.textContent = 'Mars';
      el.append(o);
    });
    await page.getByLabel('Time zone').selectOption('Mars/Olympus');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('must be an IANA time zone name').waitFor();
    expect(await page.getByLabel('Time zone').getAttribute('aria-invalid')).toBe('true');
    await page.context().close();
  });
});

describe.skipIf(!ready)('reports on the demo data', () => {
  it('draws the demo team’s sprints (PAMA_E2E_SEED=demo), desktop and phone', async () => {
    const email = 'olivia.owner@example.com';
    const demo = await request.newContext({ baseURL });
    try {
      const before = (await mails(email)).length;
      if ((await demo.post('/api/v1/auth/code', { data: { email } })).status() !== 202) return;
      const res = await demo.post('/api/v1/auth/sign-in', { data: { email, code: await codeFor(email, before + 1) } });
      if (res.status() !== 200 || (await demo.get('/api/v1/teams/demo-team')).status() !== 200) return;
      const jar = (await demo.storageState()).cookies;
      for (const [name, viewport] of [
        ['desktop', desktop],
        ['phone', phone],
      ] as const) {
        const ctx = await newContext(browser, { viewport });
        await ctx.addCookies(jar);
        const page = await ctx.newPage();
        await page.goto('/demo-team/reports');
        const velocity = page.getByRole('figure', { name: 'Velocity' });
        await velocity.locator('svg[role="img"]').waitFor();
        // Three completed sprints, two bars each.
        expect(await velocity.locator('rect').count()).toBe(6);
        await page.getByRole('figure', { name: /^Sprint burndown/ }).locator('svg[role="img"]').waitFor();
        await page.getByRole('figure', { name: 'Cycle time' }).locator('svg[role="img"]').waitFor();
        expect(await overflowX(page)).toBe(0);
        await page.mouse.move(0, 0);
        await page.screenshot({ path: `/tmp/webrep-demo-${name}.png`, fullPage: true });
        await ctx.close();
      }
    } finally {
      await demo.dispose();
    }
  });
});
