// A retrospective in the browser against a real server: three members, each
// in a browser of their own (one a phone), signed in with the codes pama
// mails. They write notes that stay hidden until everyone is done, group two,
// cast three votes each, read the results and agree on a solution with a
// performer, which lands on the board's ceremonies lane in the next sprint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { apiHas, axeViolations, launch, overflowX, phone } from './helpers';
import { addMember, ok, person as signedIn } from './people';

const ready = await apiHas('post', '/api/v1/teams/{team}/rooms');

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const person = (name: string, viewport?: { width: number; height: number }) => signedIn(browser, name, viewport);

const shots: string[] = [];
/** shot saves the page: a desktop whole, a phone as its screen shows the step (the bars stay put). */
async function shot(page: Page, name: string): Promise<void> {
  const path = `/tmp/webretro-${name}.png`;
  const isPhone = (page.viewportSize()?.width ?? 1280) < 600;
  if (isPhone) await page.getByRole('navigation', { name: 'Steps of the retrospective' }).evaluate((el) => el.scrollIntoView());
  await page.screenshot({ path, fullPage: !isPhone });
  shots.push(path);
}

describe.skipIf(!ready)('retrospective', () => {
  it('writes hidden notes, groups, votes three times each, and agrees on a solution that lands on the board', async () => {
    const ana = await person('Ana');
    const li = await person('Li');
    const bo = await person('Bo', phone);
    const [a, l, b] = [ana, li, bo];

    // A team space with a product, its running sprint and the next one.
    const slug = `retro-${Date.now().toString(36)}`;
    await ok(ana.api.post('/api/v1/teams', { data: { name: 'Retro Team', slug, first_product: { name: 'Shop', key: 'RT' } } }), 201);
    await addMember(ana, slug, li);
    await addMember(ana, slug, bo);
    const s1 = await ok<{ id: string; version: number }>(ana.api.post(`/api/v1/teams/${slug}/products/RT/sprints`, { data: { name: 'Sprint 1' } }), 201);
    const day = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
    await ok(ana.api.post(`/api/v1/teams/${slug}/sprints/${s1.id}/start`, { data: { version: s1.version, start_date: day(-13), end_date: day(1) } }));
    await ok(ana.api.post(`/api/v1/teams/${slug}/products/RT/sprints`, { data: { name: 'Sprint 2' } }), 201);

    // Ana starts the retrospective (the full ten steps); the others join by its link.
    await a.page.goto(`/${slug}/ceremonies`);
    await a.page.getByRole('region', { name: 'Start a ceremony' }).getByRole('button', { name: 'Retrospective' }).click();
    const dialog = a.page.getByRole('dialog', { name: 'Start Retrospective' });
    await dialog.getByLabel('Title').fill('Sprint 1 retro');
    await dialog.getByRole('button', { name: 'Start' }).click();
    await a.page.getByRole('heading', { name: 'Sprint 1 retro', level: 1 }).waitFor();
    const roomPath = new URL(a.page.url()).pathname;
    const roomId = roomPath.split('/').pop()!;
    for (const x of [l, b]) {
      await x.page.goto(roomPath);
      await x.page.getByRole('group', { name: 'Room' }).getByRole('button', { name: 'Join' }).click();
      await x.page.getByRole('button', { name: 'Leave' }).waitFor();
    }
    await a.page.getByRole('region', { name: /^People/ }).getByText('(3)').waitFor();

    // 1. Tune in: everyone reads the prompt; only the facilitator moves on.
    const stepper = (p: Page) => p.getByRole('navigation', { name: 'Steps of the retrospective' });
    for (const x of [a, l, b]) await x.page.getByText('Think back over the sprint: what went well?').waitFor();
    await stepper(b.page).getByText('Step 1 of 10').waitFor();
    await expect(l.page.getByRole('button', { name: 'Next step' }).count()).resolves.toBe(0);
    await a.page.getByRole('button', { name: 'Next step' }).click();

    // 2. What went well: Ana writes; the facilitator moves on before the others are done.
    await stepper(l.page).getByText('Step 2 of 10').waitFor();
    await a.page.getByLabel('Your note in “What went well”').fill('Pairing on the checkout');
    await a.page.getByLabel('Your note in “What went well”').press('Enter');
    await a.page.getByRole('list', { name: 'Your note' }).getByText('Pairing on the checkout').waitFor();
    await a.page.getByRole('button', { name: 'Next step' }).click();
    // 3. Switch to problems.
    await stepper(b.page).getByText('Step 3 of 10').waitFor();
    await a.page.getByRole('button', { name: 'Next step' }).click();

    // 4. Problems: everyone writes; the others' notes are only counted until all are done.
    for (const x of [a, l, b]) await stepper(x.page).getByText('Step 4 of 10').waitFor();
    const field = (p: Page) => p.getByLabel('Your note in “What got in the way”');
    await field(a.page).fill('CI is slow');
    await a.page.getByRole('button', { name: 'Add', exact: true }).click();
    await field(l.page).fill('Builds take forever');
    await l.page.getByRole('button', { name: 'Add', exact: true }).click();
    await l.page.getByRole('list', { name: 'Your note' }).getByText('Builds take forever').waitFor();
    // Bo writes on the phone, fixes a typo and drops a note.
    await field(b.page).fill('Too many meetngs');
    await b.page.getByRole('button', { name: 'Add', exact: true }).click();
    await field(b.page).fill('Scratch that');
    await b.page.getByRole('button', { name: 'Add', exact: true }).click();
    await b.page.getByRole('list', { name: 'Your 2 notes' }).waitFor();
    await b.page.getByRole('button', { name: 'Edit “Too many meetngs”' }).click();
    await b.page.getByLabel('Edit the note').fill('Too many meetings');
    await b.page.getByRole('button', { name: 'Save' }).click();
    await b.page.getByRole('button', { name: 'Delete “Scratch that”' }).click();
    await b.page.getByRole('list', { name: 'Your note' }).getByText('Too many meetings').waitFor();

    // Bo sees that Li wrote one note, not what it says; Ana does not see Bo's.
    const others = (p: Page) => p.getByRole('region', { name: 'The others' });
    await others(b.page).getByRole('listitem').filter({ hasText: 'Li' }).getByText('1 note').waitFor();
    await others(b.page).getByRole('listitem').filter({ hasText: 'Ana' }).getByText('1 note').waitFor();
    await others(a.page).getByRole('listitem').filter({ hasText: 'Bo' }).getByText('1 note').waitFor();
    await expect(b.page.getByText('Builds take forever').count()).resolves.toBe(0);
    await expect(b.page.getByText('CI is slow').count()).resolves.toBe(0);
    await expect(a.page.getByText('Too many meetings').count()).resolves.toBe(0);
    await expect(a.page.getByText('Scratch that').count()).resolves.toBe(0);
    expect(await overflowX(b.page)).toBe(0);
    expect(await axeViolations(b.page)).toEqual([]);
    await shot(a.page, 'write-desktop');
    await shot(b.page, 'write-phone');

    await a.page.getByRole('button', { name: 'I’m done' }).click();
    await l.page.getByRole('button', { name: 'I’m done' }).click();
    await b.page.getByText('Done: Ana, Li').waitFor();
    await b.page.getByText('Still writing: Bo').waitFor();
    await expect(b.page.getByText('Builds take forever').count()).resolves.toBe(0);
    await b.page.getByRole('button', { name: 'I’m done' }).click();

    // 5. Everyone is done: the room moves to the combined list, and the notes show.
    for (const x of [a, l, b]) await stepper(x.page).getByText('Step 5 of 10').waitFor();
    await b.page.getByText('Builds take forever').waitFor();
    await b.page.getByText('CI is slow').waitFor();
    await a.page.getByText('Too many meetings').waitFor();
    await a.page.getByText('Pairing on the checkout').waitFor();
    // Ana groups the two alike.
    await a.page.getByRole('checkbox', { name: 'CI is slow' }).check();
    await a.page.getByRole('checkbox', { name: 'Builds take forever' }).check();
    await a.page.getByText('2 notes picked').waitFor();
    await a.page.getByLabel('Name of the group').fill('Slow builds');
    await a.page.getByRole('button', { name: 'Group', exact: true }).click();
    await b.page.getByText('Slow builds').waitFor();
    await l.page.getByRole('button', { name: 'Ungroup “Slow builds”' }).waitFor();
    await a.page.getByRole('button', { name: 'Next step' }).click();

    // 6. Vote: three votes each; nobody sees the others'.
    for (const x of [a, l, b]) await stepper(x.page).getByText('Step 6 of 10').waitFor();
    const vote = (p: Page, text: string) => p.getByRole('button', { name: `Vote for “${text}”` });
    await b.page.getByText('3 votes left').waitFor();
    await vote(a.page, 'Slow builds').click();
    await vote(a.page, 'Slow builds').click();
    await vote(a.page, 'Too many meetings').click();
    await a.page.getByText('0 votes left').waitFor();
    for (let i = 0; i < 3; i++) await vote(l.page, 'Slow builds').click();
    await l.page.getByText('0 votes left').waitFor();
    await vote(b.page, 'Too many meetings').click();
    await b.page.getByText('2 votes left').waitFor();
    // Taking a vote back gives it back.
    await b.page.getByRole('button', { name: 'Take a vote back from “Too many meetings”' }).click();
    await b.page.getByText('3 votes left').waitFor();
    await vote(b.page, 'Too many meetings').click();
    await vote(b.page, 'Too many meetings').click();
    await vote(b.page, 'Slow builds').click();
    await b.page.getByText('0 votes left').waitFor();
    // A fourth vote: every vote button is off, and the server refuses it anyway.
    for (const btn of await b.page.getByRole('button', { name: /^Vote for/ }).all()) expect(await btn.isDisabled()).toBe(true);
    const groupId = await (async () => {
      const v = await ok<{ retro: { groups: { id: string; title: string }[] } }>(bo.api.get(`/api/v1/teams/${slug}/rooms/${roomId}`));
      return v.retro.groups.find((g) => g.title === 'Slow builds')!.id;
    })();
    await ok(bo.api.post(`/api/v1/teams/${slug}/rooms/${roomId}/actions`, { data: { type: 'vote', target_id: groupId } }), 422);
    // Ana sees everyone's count, and only her own votes on Bo's favourite.
    await a.page.getByText('9 votes cast so far').waitFor();
    await a.page.getByRole('group', { name: 'Votes on “Too many meetings”' }).getByLabel('Your vote: 1').waitFor();
    await a.page.getByRole('group', { name: 'Votes on “Slow builds”' }).getByLabel('Your votes: 2').waitFor();
    expect(await overflowX(b.page)).toBe(0);
    expect(await axeViolations(b.page)).toEqual([]);
    await shot(a.page, 'vote-desktop');
    await shot(b.page, 'vote-phone');
    await a.page.getByRole('button', { name: 'Next step' }).click();

    // 7. Results: most votes first.
    for (const x of [a, l, b]) await stepper(x.page).getByText('Step 7 of 10').waitFor();
    const results = (p: Page) => p.getByRole('region', { name: 'Results' }).getByRole('listitem');
    await results(b.page).first().getByText('6 votes').waitFor();
    await expect(results(b.page).first().textContent()).resolves.toContain('Slow builds');
    await expect(results(b.page).nth(1).textContent()).resolves.toContain('Too many meetings');
    await expect(results(b.page).nth(1).textContent()).resolves.toContain('3 votes');
    expect(await overflowX(b.page)).toBe(0);
    await shot(a.page, 'results-desktop');
    await shot(b.page, 'results-phone');
    await a.page.getByRole('button', { name: 'Next step' }).click();

    // 8. Ana picks the problem; 9. Bo, on the phone, agrees on its solution with Li carrying it out.
    await stepper(a.page).getByText('Step 8 of 10').waitFor();
    await expect(b.page.getByRole('button', { name: /^Pick/ }).count()).resolves.toBe(0);
    await a.page.getByRole('button', { name: 'Pick “Slow builds”' }).click();
    await stepper(b.page).getByText('Step 9 of 10').waitFor();
    await b.page.getByRole('textbox', { name: 'What will be done' }).fill('Cache dependencies in CI');
    await b.page.getByLabel('Who carries it out').selectOption({ label: 'Li' });
    await b.page.getByRole('button', { name: 'Add the solution' }).click();
    const solution = (p: Page) => p.getByRole('region', { name: 'Agreed solutions' }).getByRole('listitem').filter({ hasText: 'Cache dependencies in CI' });
    await solution(a.page).getByText('Carried out by Li').waitFor();
    await solution(a.page).getByText('in the next sprint').waitFor();
    const key = (await solution(a.page).getByRole('link').textContent())!.trim();
    expect(key).toMatch(/^RT-\d+$/);
    await stepper(a.page).getByText('Step 8 of 10').waitFor();
    await results(l.page).first().getByText('Has a solution').waitFor();
    expect(await overflowX(b.page)).toBe(0);
    await a.page.getByRole('button', { name: 'Next step' }).click();

    // 10. Close: Ana finishes.
    await stepper(l.page).getByText('Step 10 of 10').waitFor();
    await a.page.getByRole('button', { name: 'Finish' }).click();
    await a.page.getByRole('dialog', { name: 'Finish Sprint 1 retro?' }).getByRole('button', { name: 'Finish' }).click();
    for (const x of [a, l, b]) await x.page.getByText(/This ceremony finished/).waitFor();

    // The solution is an item of the next sprint, in the board's ceremonies lane.
    await l.page.goto(`/${slug}/board`);
    await l.page.getByRole('combobox', { name: /^Sprint\b/ }).selectOption({ label: 'Sprint 2' });
    const lane = l.page.getByRole('list', { name: /born in ceremonies/ });
    await lane.getByText('Cache dependencies in CI').waitFor();
    await lane.getByText(key).waitFor();

    for (const x of [a, l, b]) await x.ctx.close();
  });

  it('an anonymous retrospective of several columns: a column picker on the phone, and no authors anywhere', async () => {
    const ana = await person('Ana');
    const bo = await person('Bo', phone);
    const slug = `anon-${Date.now().toString(36)}`;
    await ok(ana.api.post('/api/v1/teams', { data: { name: 'Anon Team', slug, first_product: { name: 'Shop', key: 'AN' } } }), 201);
    await addMember(ana, slug, bo);
    const room = await ok<{ id: string }>(
      ana.api.post(`/api/v1/teams/${slug}/rooms`, { data: { kind: 'retro', title: 'Quiet retro', template: 'start_stop_continue', anonymous: true } }),
      201,
    );
    for (const x of [ana, bo]) {
      await x.page.goto(`/${slug}/ceremonies/${room.id}`);
      if (x === bo) await x.page.getByRole('group', { name: 'Room' }).getByRole('button', { name: 'Join' }).click();
      await x.page.getByRole('button', { name: 'Leave' }).waitFor();
      await x.page.getByText('Anonymous: notes show no author, to anyone.').waitFor();
    }

    // On the phone one column shows at a time; Bo picks Stop and writes there.
    const picker = bo.page.getByRole('group', { name: 'Column' });
    await expect(picker.getByRole('button', { name: 'Start' }).getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(bo.page.getByLabel('Your note in “Stop”').isVisible()).resolves.toBe(false);
    await picker.getByRole('button', { name: 'Stop' }).click();
    await bo.page.getByLabel('Your note in “Stop”').fill('Stop late deploys');
    await bo.page.getByLabel('Your note in “Stop”').press('Enter');
    await picker.getByRole('button', { name: /^Stop.*Your note/ }).waitFor();
    expect(await overflowX(bo.page)).toBe(0);
    // On the desktop the columns stand side by side.
    await ana.page.getByLabel('Your note in “Continue”').fill('Keep pairing');
    await ana.page.getByLabel('Your note in “Continue”').press('Enter');
    await expect(ana.page.getByLabel('Your note in “Start”').isVisible()).resolves.toBe(true);

    // Ana learns only that a note is hidden, not whose; then both are done.
    await ana.page.getByText('1 hidden note by the others').waitFor();
    await expect(ana.page.getByText('Stop late deploys').count()).resolves.toBe(0);
    await ana.page.getByRole('button', { name: 'I’m done' }).click();
    await bo.page.getByRole('button', { name: 'I’m done' }).click();

    // The vote shows every column's notes with no author.
    await ana.page.getByRole('button', { name: 'Vote for “Stop late deploys”' }).waitFor();
    await bo.page.getByRole('button', { name: 'Vote for “Keep pairing”' }).waitFor();
    const entry = ana.page.getByRole('listitem').filter({ hasText: 'Stop late deploys' });
    await expect(entry.textContent()).resolves.not.toContain('Bo');
    await expect(bo.page.getByRole('listitem').filter({ hasText: 'Keep pairing' }).textContent()).resolves.not.toContain('Ana');
    expect(await axeViolations(bo.page)).toEqual([]);

    for (const x of [ana, bo]) await x.ctx.close();
  });
});
