// A sprint's ceremonies in the browser against a real server: three members,
// each in a browser of their own (Bo on a phone), signed in with the codes
// pama mails. They plan a sprint (pulling items past the forecast and
// capacity, a goal, the start), hold a daily (everyone called once, a
// blocker made an item) and review it (one item accepted, one sent back,
// the sprint closed) and land in the retrospective. History, items and
// capacity are set up through the API.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { apiHas, axeViolations, launch, overflowX, phone, waitFor } from './helpers';
import { addMember, ok, person as signedIn, type Item } from './people';

const ready = await apiHas('post', '/api/v1/teams/{team}/rooms');

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const person = (name: string, viewport?: { width: number; height: number }) => signedIn(browser, name, viewport);

const shot = (p: Page, name: string) => p.screenshot({ path: `/tmp/webdaily-${name}.png`, fullPage: true });

describe.skipIf(!ready)('daily, sprint planning and sprint review', () => {
  it('plans a sprint, holds its daily and reviews it into the retrospective', async () => {
    const ana = await person('Ana');
    const li = await person('Li');
    const bo = await person('Bo', phone);
    const slug = `spr-${Date.now().toString(36)}`;
    await ok(ana.api.post('/api/v1/teams', { data: { name: 'Sprint Team', slug, first_product: { name: 'Shop', key: 'SP' } } }), 201);
    await addMember(ana, slug, li);
    await addMember(ana, slug, bo);
    const api = ana.api;
    const statuses = (await ok<{ statuses: { id: string; category: string }[] }>(api.get(`/api/v1/teams/${slug}/statuses`))).statuses;
    const done = statuses.find((s) => s.category === 'done')!.id;
    const newItem = (data: object) => ok<Item>(api.post(`/api/v1/teams/${slug}/products/SP/items`, { data }), 201);

    // Two completed sprints, of 8 and 13 points: the forecast's history.
    for (const [n, points] of [[1, 8], [2, 13]] as const) {
      const sp = await ok<{ id: string; version: number }>(api.post(`/api/v1/teams/${slug}/products/SP/sprints`, { data: { name: `Sprint ${n}` } }), 201);
      await newItem({ kind: 'story', title: `Old work ${n}`, points, sprint_id: sp.id, status_id: done });
      const day = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
      const dates = { start_date: day(-30 + n * 14), end_date: day(-17 + n * 14) };
      const started = await ok<{ version: number }>(api.post(`/api/v1/teams/${slug}/sprints/${sp.id}/start`, { data: { version: sp.version, ...dates } }));
      await ok(api.post(`/api/v1/teams/${slug}/sprints/${sp.id}/complete`, { data: { version: started.version, carry_over: 'backlog' } }));
    }
    // The sprint to plan, with the members' capacity (12 points), and the backlog.
    const next = await ok<{ id: string }>(api.post(`/api/v1/teams/${slug}/products/SP/sprints`, { data: { name: 'Sprint 3' } }), 201);
    await ok(
      api.put(`/api/v1/teams/${slug}/sprints/${next.id}/capacity`, {
        data: { capacity: [{ account_id: ana.id, days: 5, points: 4 }, { account_id: li.id, days: 5, points: 5 }, { account_id: bo.id, days: 3, points: 3 }] },
      }),
    );
    const checkout = await newItem({ kind: 'story', title: 'Checkout', points: 5, assignees: [li.id] });
    const gifts = await newItem({ kind: 'story', title: 'Gift cards', points: 8, assignees: [bo.id] });
    const wish = await newItem({ kind: 'story', title: 'Wish list', points: 3, assignees: [ana.id] });
    await newItem({ kind: 'story', title: 'Search' });
    await newItem({ kind: 'subtask', title: 'Card form', parent_id: checkout.id, assignees: [li.id] });
    await newItem({ kind: 'subtask', title: 'Receipt mail', parent_id: checkout.id, assignees: [li.id] });

    const everyone = [ana, li, bo];
    // What each of them saw when something went wrong.
    onTestFailed(async () => {
      for (const x of everyone) await shot(x.page, `failed-${x.name}`).catch(() => undefined);
    });
    /** open starts a room through the API and has everyone join it in their browser. */
    async function open(body: object, heading: string): Promise<string> {
      const room = await ok<{ id: string }>(api.post(`/api/v1/teams/${slug}/rooms`, { data: { ...body, product_id: 'SP' } }), 201);
      for (const x of everyone) {
        await x.page.goto(`/${slug}/ceremonies/${room.id}`);
        await x.page.getByRole('heading', { name: heading, level: 1 }).waitFor();
        const bar = x.page.getByRole('group', { name: 'Room' });
        await bar.getByRole('button', { name: /^(Join|Leave)$/ }).first().waitFor();
        if (await bar.getByRole('button', { name: 'Join', exact: true }).isVisible()) await bar.getByRole('button', { name: 'Join', exact: true }).click();
        await bar.getByRole('button', { name: 'Leave' }).waitFor();
      }
      await ana.page.getByRole('region', { name: /^People/ }).getByText('(3)').waitFor();
      return room.id;
    }

    // ---- Sprint planning ----
    await open({ kind: 'planning', title: 'Plan Sprint 3' }, 'Plan Sprint 3');
    const a = ana.page;
    const b = bo.page;
    await a.getByText('8–13 points').waitFor();
    await a.getByText('mean 10.5').waitFor();
    await a.getByText('from the last 2 completed sprints').waitFor();
    await a.getByRole('button', { name: `Pull ${checkout.key} into the sprint` }).click();
    await a.getByRole('button', { name: `Pull ${gifts.key} into the sprint` }).click();
    // Bo, on the phone, sees the backlog first and pulls from it.
    await b.getByRole('tab', { name: /^Backlog/ }).waitFor();
    expect(await b.getByRole('tab', { name: /^Backlog/ }).getAttribute('aria-selected')).toBe('true');
    await b.getByRole('button', { name: `Pull ${wish.key} into the sprint` }).click();
    // 16 points: over the forecast (13) and the capacity (12), everywhere.
    for (const x of everyone) {
      await x.page.getByText('Over the forecast: 16 points committed, the team usually completes up to 13.').waitFor();
      await x.page.getByText('Over capacity: 16 points committed, the members planned 12.').waitFor();
    }
    await b.getByRole('tab', { name: /^Sprint \(3\)/ }).click();
    await b.getByRole('button', { name: `Drop ${wish.key} back to the backlog` }).waitFor();
    expect(await overflowX(b)).toBe(0);
    // The goal, from Ana.
    await a.getByRole('button', { name: 'Edit goal' }).click();
    await a.getByLabel('Sprint goal').fill('Customers can pay');
    await a.getByRole('button', { name: 'Save goal' }).click();
    await a.getByText('Sprint goal saved.').waitFor();
    await b.getByText('Customers can pay').waitFor();
    await li.page.getByText('Customers can pay').waitFor();
    expect(await axeViolations(a)).toEqual([]);
    expect(await axeViolations(b)).toEqual([]);
    await shot(a, 'planning-desktop');
    await shot(b, 'planning-phone');
    // Start the sprint: the commitment and its warnings, then the room ends.
    await a.getByRole('button', { name: 'Start sprint' }).click();
    const startDialog = a.getByRole('dialog', { name: 'Start Sprint 3?' });
    await startDialog.getByText('The sprint starts with 3 items and 16 points; the planning ends.').waitFor();
    await startDialog.getByRole('button', { name: 'Start sprint' }).click();
    for (const x of everyone) await x.page.getByText(/This ceremony finished/).waitFor();
    const sprint = await ok<{ state: string; goal: string }>(api.get(`/api/v1/teams/${slug}/sprints/${next.id}`));
    expect(sprint).toMatchObject({ state: 'active', goal: 'Customers can pay' });

    // ---- Daily ----
    await open({ kind: 'daily', title: 'Daily', timebox_seconds: 120 }, 'Daily');
    await a.getByText('Customers can pay').waitFor();
    await a.getByRole('progressbar', { name: 'Sprint progress: 0% done' }).waitFor();
    await a.getByText('0 of 3 have had their turn').waitFor();
    await a.getByRole('button', { name: 'Call the first speaker' }).click();
    const spoke: string[] = [];
    for (let turn = 1; turn <= 3; turn++) {
      // Whoever Pama called sees their own "done" button; the others see who speaks.
      const speaker = await waitFor(async () => {
        for (const x of everyone) {
          if (spoke.includes(x.name)) continue;
          if (await x.page.getByRole('button', { name: 'I’m done — next' }).isVisible()) return x;
        }
        return undefined;
      }, `speaker ${turn}`);
      for (const x of everyone) {
        await x.page.getByRole('region', { name: 'Speaking now' }).locator('.big', { hasText: new RegExp(`^${speaker.name}\\b`) }).waitFor();
      }
      await speaker.page.getByText('of 2:00').waitFor();
      if (speaker === li) await b.getByRole('list', { name: `Subtasks of ${checkout.key}` }).getByText('Receipt mail').waitFor();
      if (turn === 2) {
        // Bo raises a blocker from the phone; Li makes an item of it.
        await b.getByLabel('What blocks the work?').fill('Payment sandbox is down');
        await b.getByRole('button', { name: 'Add blocker' }).click();
        await li.page.getByRole('button', { name: 'Make an item of the blocker “Payment sandbox is down”' }).click();
        const link = a.getByRole('link', { name: /^Item SP-\d+$/ });
        await link.waitFor();
        const key = (await link.textContent())!.trim().replace(/^Item /, '');
        const made = await ok<{ title: string; priority: string }>(api.get(`/api/v1/teams/${slug}/items/${key}`));
        expect(made).toMatchObject({ title: 'Blocker: Payment sandbox is down', priority: 'high' });
        expect(await overflowX(b)).toBe(0);
        expect(await axeViolations(a)).toEqual([]);
        expect(await axeViolations(b)).toEqual([]);
        await shot(a, 'daily-desktop');
        await shot(b, 'daily-phone');
      }
      spoke.push(speaker.name);
      await speaker.page.getByRole('button', { name: 'I’m done — next' }).click();
    }
    expect([...spoke].sort()).toEqual(['Ana', 'Bo', 'Li']);
    for (const x of everyone) await x.page.getByRole('heading', { name: 'Everyone has spoken' }).waitFor();
    await a.getByText('3 spoke: ' + spoke.join(', ')).waitFor();
    await b.getByRole('heading', { name: 'Items made from blockers' }).waitFor();
    await shot(b, 'daily-summary-phone');
    await a.getByRole('button', { name: 'Finish' }).click();
    await a.getByRole('dialog', { name: 'Finish Daily?' }).getByRole('button', { name: 'Finish' }).click();

    // Two items get done.
    for (const it of [checkout, gifts]) {
      const cur = await ok<Item>(api.get(`/api/v1/teams/${slug}/items/${it.id}`));
      await ok(api.patch(`/api/v1/teams/${slug}/items/${it.id}`, { data: { version: cur.version, status_id: done } }));
    }

    // ---- Sprint review ----
    const review = await open({ kind: 'review', title: 'Review Sprint 3' }, 'Review Sprint 3');
    await a.getByRole('button', { name: 'Show the first item' }).click();
    const current = (p: Page) => p.getByRole('region', { name: 'On screen' });
    const accept = current(li.page).getByRole('button', { name: /^Accept SP-\d+$/ });
    const acceptedKey = /SP-\d+/.exec((await accept.getAttribute('aria-label'))!)![0];
    await accept.click();
    await current(a).getByText('accepted', { exact: true }).waitFor();
    await a.getByRole('button', { name: 'Show next' }).click();
    // Everyone's screen follows the facilitator to the next item; Bo sends that one back.
    const backKey = [checkout.key, gifts.key].find((k) => k !== acceptedKey)!;
    await current(a).getByRole('link', { name: backKey }).waitFor();
    const sendBack = current(b).getByRole('button', { name: `Send ${backKey} back` });
    await sendBack.click();
    const dialog = b.getByRole('dialog', { name: `Send ${backKey} back` });
    await dialog.getByLabel('Why does it go back?').fill('The gift card balance is wrong');
    await dialog.getByRole('button', { name: 'Send back' }).click();
    for (const x of everyone) {
      const counts = x.page.getByRole('region', { name: 'Verdicts' });
      await counts.getByText(/^1\s*Accepted$/).waitFor();
      await counts.getByText(/^1\s*Sent back$/).waitFor();
      await counts.getByText(/^0\s*Pending$/).waitFor();
    }
    await a.getByRole('region', { name: 'Unfinished: carries over' }).getByText('The gift card balance is wrong').waitFor();
    expect(await overflowX(b)).toBe(0);
    expect(await axeViolations(a)).toEqual([]);
    expect(await axeViolations(b)).toEqual([]);
    await shot(a, 'review-desktop');
    await shot(b, 'review-phone');

    // Close the sprint, unfinished items to the backlog: everyone goes on to the retrospective.
    await a.getByRole('button', { name: 'Close sprint' }).click();
    const close = a.getByRole('dialog', { name: 'Close Sprint 3' });
    await close.getByLabel('The product backlog').check();
    await close.getByRole('button', { name: 'Close and go to the retrospective' }).click();
    const closed = await waitFor(async () => {
      const v = await ok<{ review: { next_room_id?: string; carried_to?: string } }>(api.get(`/api/v1/teams/${slug}/rooms/${review}`));
      return v.review.next_room_id ? v.review : undefined;
    }, 'the retrospective');
    expect(closed.carried_to).toBe('backlog');
    for (const x of everyone) {
      await x.page.waitForURL(new RegExp(`/${slug}/ceremonies/${closed.next_room_id}$`));
      await x.page.getByRole('navigation', { name: 'Where this item is' }).getByText('Retrospective').waitFor();
    }
    await shot(b, 'retro-after-review-phone');
    for (const x of everyone) await x.ctx.close();
  });
});
