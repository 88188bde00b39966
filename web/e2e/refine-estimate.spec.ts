// Refinement and estimation in the browser against a real server: three
// members, each in a browser of their own (one a phone), signed in with the
// codes pama mails. They refine an item together — each sees the others
// typing in it, on the item's page and right in the room, and a subtask made
// in the form that opens on everyone's screen appears for all — then estimate it: nobody sees another's card before the
// reveal, everyone sees the same cards after it, and the accepted value lands
// on the item. An estimation room is played too: the facilitator picks the
// item from the backlog and reveals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type Browser, type Page } from 'playwright-core';
import { apiHas, axeViolations, launch, overflowX, phone, waitFor } from './helpers';
import { addMember, ok, person as signedIn, space as makeSpace, type Item, type Person } from './people';

const ready = await apiHas('post', '/api/v1/teams/{team}/rooms');

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const person = (name: string, viewport?: { width: number; height: number }) => signedIn(browser, name, viewport);
const space = (owner: Person, titles: string[]) => makeSpace(owner, 'Refining Team', 'RE', titles);

interface Round {
  voted: string[];
  my_vote?: string;
  votes?: { account_id: string; card: string }[];
  revealed: boolean;
}

/** One voter's tile in the round, found by name. */
const tile = (page: Page, name: string) => page.locator('.voters li').filter({ has: page.locator('.who-name', { hasText: new RegExp(`^${name}$`) }) });

/** The cards shown face up on page, by voter name. */
async function shownCards(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => {
    const out: Record<string, string> = {};
    for (const li of document.querySelectorAll('.voters li')) {
      const who = (li.querySelector('.who-name')?.textContent ?? '').trim();
      out[who] = (li.querySelector('.face-card')?.textContent ?? '').trim();
    }
    return out;
  });
}

/** enter opens a room and joins it. */
async function enter(page: Page, roomPath: string): Promise<void> {
  await page.goto(roomPath);
  await page.getByRole('group', { name: 'Room' }).getByRole('button', { name: 'Join', exact: true }).click();
  await page.getByRole('button', { name: 'Leave' }).waitFor();
}

/** vote picks a card; the last voter's card reveals the round, so there is no card left to look at. */
async function vote(page: Page, card: string, last = false): Promise<void> {
  const button = page.getByRole('group', { name: 'Cards to vote with' }).getByRole('button', { name: `Vote ${card}`, exact: true });
  await button.click();
  if (last) return page.getByRole('heading', { name: 'The votes' }).waitFor();
  await waitFor(async () => ((await button.getAttribute('aria-pressed')) === 'true' ? true : undefined), `${card} chosen`);
}

async function roomRound(p: Person, slug: string, room: string, kind: 'refinement' | 'poker'): Promise<Round> {
  const v = await ok<{ refinement?: { estimation: { round: Round } }; poker?: { round: Round } }>(p.api.get(`/api/v1/teams/${slug}/rooms/${room}`));
  return kind === 'refinement' ? v.refinement!.estimation.round : v.poker!.round;
}

describe.skipIf(!ready)('refinement and estimation', () => {
  it('refines an item together, makes a subtask for all, estimates it with hidden cards and accepts the value', async () => {
    const [a, l, b] = [await person('Ana'), await person('Li'), await person('Bo', phone)];
    const { slug, items } = await space(a, ['Checkout with a card', 'Gift cards']);
    await addMember(a, slug, l);
    await addMember(a, slug, b);
    const [first, second] = [items[0]!, items[1]!];

    // Li asks for refinement of the first item from its page; Bo asks for the second.
    await l.page.goto(`/${slug}/items/${first.key}`);
    await l.page.getByRole('button', { name: 'Ask for refinement' }).click();
    const ask = l.page.getByRole('dialog', { name: `Ask the team to refine ${first.key}` });
    await ask.getByLabel(/What should the team clear up/).fill('Which cards do we take?');
    await ask.getByRole('button', { name: 'Ask for refinement' }).click();
    await l.page.getByText('Waiting for refinement').first().waitFor();
    await ok(b.api.put(`/api/v1/teams/${slug}/items/${second.key}/refinement-request`, { data: {} }));

    // Ana starts a refinement room with the team; Li and Bo join.
    await a.page.goto(`/${slug}/ceremonies`);
    await a.page.getByRole('region', { name: 'Start a ceremony' }).getByRole('button', { name: 'Backlog refinement' }).click();
    const dialog = a.page.getByRole('dialog', { name: 'Start Backlog refinement' });
    await dialog.getByLabel('Title').fill('Refine the shop');
    await dialog.getByRole('button', { name: 'Start' }).click();
    await a.page.getByRole('heading', { name: 'Refine the shop', level: 1 }).waitFor();
    const roomPath = new URL(a.page.url()).pathname;
    const room = roomPath.split('/').pop()!;
    for (const x of [l, b]) await enter(x.page, roomPath);
    await a.page.getByRole('region', { name: /^People/ }).getByText('(3)').waitFor();

    // Everyone has the oldest request up, with its note, and the queue.
    for (const x of [a, l, b]) {
      const current = x.page.getByRole('region', { name: new RegExp(`${first.key}`) });
      await current.getByText(first.title).waitFor();
      await current.getByText('Which cards do we take?').waitFor();
      await x.page.getByRole('region', { name: /^Waiting for refinement/ }).getByRole('link', { name: second.key }).waitFor();
    }
    expect(await overflowX(b.page)).toBe(0);

    // Co-editing: Ana types in the item's description on its page; Li and
    // Bo see it being typed in the room, then saved.
    const ana2 = await a.ctx.newPage();
    await ana2.goto(`/${slug}/items/${first.key}`);
    await ana2.getByRole('button', { name: 'Edit' }).click();
    await ana2.getByRole('textbox', { name: 'Description' }).pressSequentially('Visa and Mastercard');
    for (const x of [l, b]) {
      await x.page.getByText('Ana is editing the description').waitFor();
      await x.page.getByLabel('Description as it is being typed').getByText('Visa and Mastercard').waitFor();
    }
    await ana2.getByRole('button', { name: 'Save' }).click();
    for (const x of [l, b]) {
      await x.page.locator('.prose').getByText('Visa and Mastercard').waitFor();
      await x.page.getByText('Ana is editing the description').waitFor({ state: 'detached' });
    }

    // Bo, on the phone, edits the description right in the room; Ana and Li see it typed.
    const bosItem = b.page.getByRole('region', { name: new RegExp(`${first.key}`) });
    await bosItem.getByRole('button', { name: 'Edit' }).click();
    const bosBox = bosItem.getByRole('textbox', { name: 'Description' });
    await bosBox.press('End');
    await bosBox.pressSequentially(' and gift cards');
    for (const x of [a, l]) {
      await x.page.getByText('Bo is editing the description').waitFor();
      await x.page.getByLabel('Description as it is being typed').getByText('and gift cards', { exact: false }).waitFor();
    }
    // ...and Ana, on the item's page, sees Bo typing there too.
    await ana2.getByText('Bo is editing the description').waitFor();
    expect(await overflowX(b.page)).toBe(0);
    await b.page.screenshot({ path: '/tmp/webpoker-refine-edit-phone.png' });
    await bosItem.getByRole('button', { name: 'Save' }).click();
    for (const x of [l, b]) await x.page.locator('.prose').getByText('and gift cards', { exact: false }).waitFor();
    await ana2.locator('.prose').getByText('and gift cards', { exact: false }).waitFor();
    await ana2.close();

    // The shared form: Li opens it, it opens on everyone's screen; Bo adds the subtask.
    await l.page.getByRole('button', { name: 'New subtask for everyone' }).click();
    for (const x of [a, b]) await x.page.getByText('Li opened the form for everyone').waitFor();
    await b.page.getByLabel('Subtask title').scrollIntoViewIfNeeded();
    await b.page.screenshot({ path: '/tmp/webpoker-refine-form-phone.png' });
    await a.page.screenshot({ path: '/tmp/webpoker-refine-form-desktop.png', fullPage: true });
    await b.page.getByLabel('Subtask title').fill('Validate the card number');
    await b.page.getByRole('button', { name: 'Add the subtask' }).click();
    for (const x of [a, l, b]) {
      await x.page.getByRole('region', { name: /^Subtasks/ }).getByText('Validate the card number').waitFor();
      await x.page.getByText('Li opened the form for everyone').waitFor({ state: 'detached' });
    }
    const kids = await ok<{ items: { title: string; kind: string }[] }>(a.api.get(`/api/v1/teams/${slug}/products/RE/items`, { params: { parent: first.id } }));
    expect(kids.items.map((k) => [k.kind, k.title])).toEqual([['subtask', 'Validate the card number']]);

    // Estimation: Ana (the facilitator) starts it; the cards open for everyone.
    await a.page.getByRole('button', { name: 'Estimate it now' }).click();
    for (const x of [a, l, b]) await x.page.getByRole('group', { name: 'Cards to vote with' }).waitFor();
    await vote(a.page, '5');
    // Li changes their mind before the reveal, withdraws, and votes again.
    await vote(l.page, 'Not sure');
    await vote(l.page, '8');
    await l.page.getByRole('button', { name: 'Withdraw my vote' }).click();
    await l.page.getByText('Pick a card. Nobody sees it until the reveal.').waitFor();
    for (const x of [a, b]) await x.page.getByText('1 of 3 voted').waitFor();
    await vote(l.page, '13');

    // Two of three voted: each sees only their own card, and who voted.
    for (const x of [a, l, b]) await x.page.getByText('2 of 3 voted').waitFor();
    const own: Record<string, string> = { Ana: '5', Li: '13', Bo: '' };
    for (const x of [a, l, b]) {
      const shown = await shownCards(x.page);
      for (const [who, card] of Object.entries(shown)) expect(card, `${x.name} sees ${who}'s card`).toBe(who === x.name ? own[who] : '');
      await tile(x.page, 'Bo').getByText('waiting').waitFor();
    }
    await tile(b.page, 'Ana').getByText('voted').waitFor();
    // Nor does the server tell anyone another's card.
    const early = await roomRound(b, slug, room, 'refinement');
    expect(early.votes).toBeUndefined();
    expect(early.my_vote).toBeUndefined();
    expect(early.voted.length).toBe(2);
    expect(JSON.stringify(await roomRound(a, slug, room, 'refinement'))).not.toContain('"13"');

    // Screenshots of the refinement room while voting.
    await a.page.screenshot({ path: '/tmp/webpoker-refine-voting-desktop.png', fullPage: true });
    await b.page.screenshot({ path: '/tmp/webpoker-refine-voting-phone.png', fullPage: true });
    expect(await overflowX(b.page)).toBe(0);
    expect(await axeViolations(b.page)).toEqual([]);
    // The cards are big enough for thumbs.
    const cardBox = (await b.page.getByRole('button', { name: 'Vote 5', exact: true }).boundingBox())!;
    expect(cardBox.height).toBeGreaterThanOrEqual(44);
    expect(cardBox.width).toBeGreaterThanOrEqual(44);

    // Bo votes last: the cards turn for everyone, the same cards everywhere.
    await vote(b.page, '5', true);
    const want = { Ana: '5', Li: '13', Bo: '5' };
    for (const x of [a, l, b]) {
      await x.page.getByRole('heading', { name: 'The votes' }).waitFor();
      expect(await shownCards(x.page)).toEqual(want);
      await tile(x.page, 'Li').getByText('far from the median').waitFor();
      await x.page.getByText('No consensus').waitFor();
    }
    expect(await axeViolations(a.page)).toEqual([]);
    await a.page.screenshot({ path: '/tmp/webpoker-refine-revealed-desktop.png', fullPage: true });
    await b.page.screenshot({ path: '/tmp/webpoker-refine-revealed-phone.png', fullPage: true });

    // Bo accepts the suggested 5; everyone sees it and the item has 5 points.
    await b.page.getByRole('button', { name: 'Accept 5' }).click();
    for (const x of [a, l, b]) await x.page.getByText('Accepted: 5').waitFor();
    const after = await ok<Item>(a.api.get(`/api/v1/teams/${slug}/items/${first.key}`));
    expect(after.points).toBe(5);
    await l.page.getByRole('region', { name: new RegExp(first.key) }).getByText('5 points', { exact: true }).waitFor();

    // Done: the next request comes up for everyone.
    await a.page.getByRole('button', { name: 'Done, next item' }).click();
    for (const x of [a, l, b]) {
      await x.page.getByRole('region', { name: new RegExp(second.key) }).getByText(second.title).waitFor();
      await x.page.getByRole('region', { name: /^Refined in this room/ }).getByRole('link', { name: first.key }).waitFor();
    }
    await a.page.screenshot({ path: '/tmp/webpoker-refine-next-desktop.png', fullPage: true });

    // The item's page shows the estimate.
    await l.page.goto(`/${slug}/items/${first.key}`);
    await waitFor(async () => ((await l.page.getByLabel('Points').inputValue()) === '5' ? true : undefined), 'the points on the item page');

    for (const x of [a, l, b]) await x.ctx.close();
  });

  it('estimates an item picked from the backlog: hidden cards, the facilitator reveals, statistics, re-vote and history', async () => {
    const [a, l, b] = [await person('Ana'), await person('Li'), await person('Bo', phone)];
    const { slug, items } = await space(a, ['Search by colour', 'Wish list']);
    await addMember(a, slug, l);
    await addMember(a, slug, b);
    const item = items[1]!;

    await a.page.goto(`/${slug}/ceremonies`);
    await a.page.getByRole('region', { name: 'Start a ceremony' }).getByRole('button', { name: 'Estimation' }).click();
    const dialog = a.page.getByRole('dialog', { name: 'Start Estimation' });
    await dialog.getByLabel('Title').fill('Poker');
    await dialog.getByRole('button', { name: 'Start' }).click();
    await a.page.getByRole('heading', { name: 'Poker', level: 1 }).waitFor();
    const roomPath = new URL(a.page.url()).pathname;
    const room = roomPath.split('/').pop()!;
    await a.page.getByRole('heading', { name: 'Free round' }).waitFor();

    // Ana picks the item from the backlog.
    await a.page.getByRole('button', { name: 'Estimate another item' }).click();
    const pick = a.page.getByRole('dialog', { name: 'Estimate another item' });
    await pick.getByPlaceholder('Find an item by words or key').fill('wish');
    await pick.getByRole('button', { name: `Estimate ${item.key}: ${item.title}` }).click();
    await a.page.getByRole('heading', { name: new RegExp(`${item.key}\\s*${item.title}`) }).waitFor();

    for (const x of [l, b]) {
      await enter(x.page, roomPath);
      await x.page.getByRole('heading', { name: new RegExp(`${item.key}\\s*${item.title}`) }).waitFor();
    }
    await vote(a.page, '3');
    await vote(b.page, '8');
    for (const x of [a, l, b]) await x.page.getByText('2 of 3 voted').waitFor();
    expect((await shownCards(l.page)).Ana).toBe('');
    expect((await shownCards(l.page)).Bo).toBe('');
    expect((await roomRound(l, slug, room, 'poker')).votes).toBeUndefined();
    await a.page.screenshot({ path: '/tmp/webpoker-poker-voting-desktop.png', fullPage: true });
    await b.page.screenshot({ path: '/tmp/webpoker-poker-voting-phone.png', fullPage: true });
    expect(await overflowX(b.page)).toBe(0);

    // Ana reveals before Li votes.
    await a.page.getByRole('button', { name: 'Reveal the cards' }).click();
    for (const x of [a, l, b]) {
      await x.page.getByRole('heading', { name: 'Statistics' }).waitFor();
      expect(await shownCards(x.page)).toEqual({ Ana: '3', Bo: '8' });
    }
    await a.page.screenshot({ path: '/tmp/webpoker-poker-revealed-desktop.png', fullPage: true });
    await b.page.screenshot({ path: '/tmp/webpoker-poker-revealed-phone.png', fullPage: true });
    expect(await axeViolations(b.page)).toEqual([]);

    // A re-vote keeps the first round in the history.
    await a.page.getByRole('button', { name: 'Vote again' }).click();
    for (const x of [a, l, b]) {
      await x.page.getByText('Attempt 2').waitFor();
      await x.page.getByText('1 earlier round').waitFor();
    }
    await vote(a.page, '5');
    await vote(l.page, '5');
    await vote(b.page, '5', true);
    for (const x of [a, l, b]) await x.page.getByText('Consensus', { exact: true }).waitFor();
    await l.page.getByRole('button', { name: 'Accept 5' }).click();
    for (const x of [a, l, b]) await x.page.getByText('Accepted: 5').waitFor();
    expect((await ok<Item>(a.api.get(`/api/v1/teams/${slug}/items/${item.key}`))).points).toBe(5);
    await b.page.getByText('1 earlier round').click();
    await b.page.screenshot({ path: '/tmp/webpoker-poker-accepted-phone.png', fullPage: true });

    for (const x of [a, l, b]) await x.ctx.close();
  });
});
