// Ceremonies in the browser against a real server: three members, each in a
// browser of their own (one a phone), signed in with the codes pama mails.
// They meet in a room — a live invitation, joining with one tap, who is
// connected, taking over, a step timer, finishing — ask for refinement from
// an item, and read the inbox. Team spaces and items are set up through the
// API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { apiHas, axeViolations, launch, overflowX, phone } from './helpers';
import { addMember, ok, person as signedIn, space as makeSpace, type Person } from './people';

const ready = await apiHas('post', '/api/v1/teams/{team}/rooms');

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const person = (name: string, viewport?: { width: number; height: number }) => signedIn(browser, name, viewport);
const space = (owner: Person, titles: string[]) => makeSpace(owner, 'Ceremony Team', 'CR', titles);

/** person's entry in a room's list of people. */
const inPeople = (page: Page, name: string) =>
  page.getByRole('region', { name: /^People/ }).getByRole('listitem').filter({ has: page.locator('.nm', { hasText: new RegExp(`^${name}\\b`) }) });

describe.skipIf(!ready)('ceremonies', () => {
  it('meets in a room: a live invitation, joining in one tap, who is connected, taking over, a timer, finishing', async () => {
    const ana = await person('Ana');
    const li = await person('Li');
    const bo = await person('Bo', phone);
    const { slug } = await space(ana, ['Checkout']);
    await addMember(ana, slug, li);
    await addMember(ana, slug, bo);
    const [a, l, b] = [ana, li, bo];

    // Li and Bo look at the ceremonies screen: nothing runs yet.
    for (const x of [l, b]) {
      await x.page.goto(`/${slug}/ceremonies`);
      await x.page.getByRole('heading', { name: 'Ceremonies', level: 1 }).waitFor();
      await x.page.getByText('No ceremony is running').waitFor();
    }
    expect(await axeViolations(b.page)).toEqual([]);
    expect(await overflowX(b.page)).toBe(0);

    // Ana starts a refinement; inviting the team is on by default.
    await a.page.goto(`/${slug}/ceremonies`);
    await a.page.getByRole('region', { name: 'Start a ceremony' }).getByRole('button', { name: 'Backlog refinement' }).click();
    const dialog = a.page.getByRole('dialog', { name: 'Start Backlog refinement' });
    await expect(dialog.getByRole('switch', { name: /Invite the team/ }).isChecked()).resolves.toBe(true);
    await dialog.getByLabel('Title').fill('Refine the checkout');
    await dialog.getByRole('button', { name: 'Start' }).click();
    await a.page.getByRole('heading', { name: 'Refine the checkout', level: 1 }).waitFor();
    const roomPath = new URL(a.page.url()).pathname;
    expect(roomPath).toMatch(new RegExp(`^/${slug}/ceremonies/[0-9a-f-]+$`));
    await inPeople(a.page, 'Ana').getByText('Facilitator').waitFor();

    // The room appears on the others' screens without a reload.
    await l.page.getByRole('link', { name: 'Join Refine the checkout' }).waitFor();
    await b.page.getByRole('link', { name: 'Join Refine the checkout' }).waitFor();

    // Inviting again reaches them live: "Ana is waiting for you in refinement — Join".
    await a.page.getByRole('button', { name: 'Invite the team' }).click();
    await a.page.getByText('Everyone not in the room has been invited.').waitFor();
    const banner = b.page.getByRole('region', { name: 'Invitations' }).getByText('Ana is waiting for you in refinement').first();
    await banner.waitFor();
    await l.page.getByRole('region', { name: 'Invitations' }).getByText('Ana is waiting for you in refinement').first().waitFor();

    // Bo, on the phone, joins with one tap on the banner.
    await b.page.getByRole('region', { name: 'Invitations' }).getByRole('link', { name: 'Join' }).first().click();
    await b.page.getByRole('heading', { name: 'Refine the checkout', level: 1 }).waitFor();
    await inPeople(b.page, 'Bo').getByText('connected').waitFor();
    await b.page.getByRole('button', { name: 'Leave' }).waitFor();
    await inPeople(a.page, 'Bo').getByText('connected', { exact: true }).waitFor();
    expect(await overflowX(b.page)).toBe(0);
    expect(await axeViolations(b.page)).toEqual([]);
    // The room's actions sit within thumb reach and within the screen.
    for (const name of ['Timer', 'Invite the team', 'Leave', 'Finish']) {
      const box = (await b.page.getByRole('group', { name: 'Room' }).getByLabel(name, { exact: true }).boundingBox())!;
      expect(box.x, name).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width, name).toBeLessThanOrEqual(phone.width);
      expect(box.y, name).toBeGreaterThan(phone.height / 2);
      expect(box.height, name).toBeGreaterThanOrEqual(44);
    }

    // Li joins from the ceremonies screen.
    await l.page.getByRole('link', { name: 'Join Refine the checkout' }).click();
    await l.page.getByRole('heading', { name: 'Refine the checkout', level: 1 }).waitFor();
    await inPeople(a.page, 'Li').getByText('connected', { exact: true }).waitFor();
    await a.page.getByRole('region', { name: /^People/ }).getByText('(3)').waitFor();

    // Li takes over facilitation (anyone may in this team); everyone sees it.
    await l.page.getByRole('button', { name: 'Take over facilitation' }).click();
    await inPeople(a.page, 'Li').getByText('Facilitator').waitFor();
    await inPeople(b.page, 'Li').getByText('Facilitator').waitFor();
    await expect(inPeople(a.page, 'Ana').getByText('Facilitator').count()).resolves.toBe(0);

    // A step timer counts down everywhere, and ends by itself.
    await ok(li.api.post(`/api/v1/teams/${slug}/rooms/${roomPath.split('/').pop()}/actions`, { data: { type: 'timer', seconds: 3 } }));
    await b.page.getByRole('timer').waitFor();
    await a.page.getByRole('timer').waitFor();
    await b.page.getByRole('timer').waitFor({ state: 'detached', timeout: 15_000 });
    await a.page.getByRole('timer').waitFor({ state: 'detached', timeout: 15_000 });

    // The facilitator starts a timer from the room's actions and stops it.
    await l.page.getByLabel('Timer').selectOption({ label: '5 minutes' });
    await a.page.getByRole('timer', { name: /Time left: [45]:\d\d/ }).waitFor();
    await l.page.getByLabel('Timer').selectOption({ label: 'Stop the timer' });
    await a.page.getByRole('timer').waitFor({ state: 'detached' });

    // Li leaves the page: the others see Li as not connected, still in the room.
    await l.page.goto(`/${slug}/ceremonies`);
    await inPeople(a.page, 'Li').getByText('not connected').waitFor();

    // The bell counts the invitations; the inbox lists them and opens the room.
    const bell = l.page.getByRole('link', { name: /^Notifications,? \d+ unread$/ });
    await bell.waitFor();
    await bell.click();
    await l.page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
    expect(await axeViolations(l.page)).toEqual([]);
    await l.page.getByRole('link', { name: /Ana invited you to Refine the checkout/ }).first().click();
    await l.page.getByRole('heading', { name: 'Refine the checkout', level: 1 }).waitFor();
    await inPeople(a.page, 'Li').getByText('connected', { exact: true }).waitFor();

    // Li, the facilitator, finishes; everyone sees it.
    await l.page.getByRole('button', { name: 'Finish' }).click();
    await l.page.getByRole('dialog', { name: 'Finish Refine the checkout?' }).getByRole('button', { name: 'Finish' }).click();
    for (const x of [a, l, b]) await x.page.getByText(/This ceremony finished/).waitFor();
    await expect(b.page.getByRole('button', { name: 'Leave' }).count()).resolves.toBe(0);

    // The ceremonies screen lists it among the finished ones.
    await a.page.goto(`/${slug}/ceremonies`);
    await a.page.getByRole('region', { name: 'Recently finished' }).getByRole('link', { name: 'Refine the checkout' }).waitFor();
    await a.page.getByText('No ceremony is running').waitFor();

    for (const x of [a, l, b]) await x.ctx.close();
  });

  it('asks the team to refine an item; the ceremonies screen shows it live', async () => {
    const ana = await person('Ana');
    const li = await person('Li', phone);
    const { slug, items } = await space(ana, ['Gift cards', 'Wish list']);
    await addMember(ana, slug, li);
    const [a, l] = [ana, li];

    await a.page.goto(`/${slug}/ceremonies`);
    await a.page.getByText('Nobody has asked for refinement.', { exact: false }).waitFor();

    await l.page.goto(`/${slug}/items/${items[1]!.key}`);
    await l.page.getByRole('button', { name: 'Ask for refinement' }).click();
    const dialog = l.page.getByRole('dialog', { name: `Ask the team to refine ${items[1]!.key}` });
    await dialog.getByLabel(/What should the team clear up/).fill('Who sees the list?');
    await dialog.getByRole('button', { name: 'Ask for refinement' }).click();
    await l.page.getByText('Waiting for refinement').first().waitFor();
    expect(await overflowX(l.page)).toBe(0);

    const requests = a.page.getByRole('region', { name: 'Waiting for refinement' });
    await requests.getByText('1 item waits for refinement').waitFor();
    await requests.getByRole('link', { name: items[1]!.key }).waitFor();
    await requests.getByText('Who sees the list?').waitFor();
    await requests.getByText('Asked by Li').waitFor();
    expect(await axeViolations(a.page)).toEqual([]);

    // The backlog marks the item.
    await a.page.goto(`/${slug}/backlog`);
    await a.page.getByRole('img', { name: 'Waiting for refinement' }).waitFor();
    await expect(a.page.getByRole('img', { name: 'Waiting for refinement' }).count()).resolves.toBe(1);

    // Withdrawn, it leaves the list.
    await a.page.goto(`/${slug}/ceremonies`);
    await requests.getByText('1 item waits for refinement').waitFor();
    await l.page.getByRole('button', { name: 'Withdraw' }).click();
    await l.page.getByRole('button', { name: 'Ask for refinement' }).waitFor();
    await a.page.getByText('Nobody has asked for refinement.', { exact: false }).waitFor();

    await a.ctx.close();
    await l.ctx.close();
  });
});
