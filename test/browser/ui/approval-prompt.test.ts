import { sendKeys, sendMouse } from '@web/test-runner-commands';
import type { ApprovalView } from '../../../src/node/approval-views';
import '../../../src/ui/approvals/approval-prompt';
import { KEY_GUARD_MS, type ApprovalPrompt } from '../../../src/ui/approvals/approval-prompt';
import type { DecisionArg } from '../../../src/node/approval-args';
import { deepActiveElement } from '../../../src/ui/approvals/focus';
import { T0, decidedView, pendingView } from './approval-fixtures';
import { equal, eventually, includes, ok } from './assert';
import { byTestId, queryAllDeep, queryDeep } from './dom';
import { ManualPromptClock } from './manual-clock';
import { afterEach, describe, it } from './mocha';
import { mountApp, unmountAll } from './mount';
import { openTestNode } from './test-node';

interface Mounted {
  readonly prompt: ApprovalPrompt;
  readonly clock: ManualPromptClock;
  readonly calls: { entityId: string; decision: DecisionArg }[];
  /** Gives the prompt the node's new view of the requests, as the feed does, and waits for the render. */
  show(views: readonly ApprovalView[]): Promise<void>;
  tick(ms: number): Promise<void>;
}

async function mount(
  views: readonly ApprovalView[],
  decide?: (entityId: string, decision: DecisionArg, requestId: string) => Promise<unknown>,
  now = T0 + 1_000,
): Promise<Mounted> {
  const clock = new ManualPromptClock(now);
  const calls: { entityId: string; decision: DecisionArg }[] = [];
  const prompt = document.createElement('lm-approval-prompt');
  prompt.clock = clock;
  prompt.decide = (entityId, decision, requestId) => {
    equal(
      requestId,
      views.concat(prompt.approvals).find((v) => v.entityId === entityId && v.state === 'pending')?.requestId,
    );
    calls.push({ entityId, decision });
    return decide ? decide(entityId, decision, requestId) : Promise.resolve();
  };
  prompt.approvals = views;
  document.body.append(prompt);
  await prompt.updateComplete;
  return {
    prompt,
    clock,
    calls,
    async show(next) {
      prompt.approvals = next;
      await prompt.updateComplete;
    },
    async tick(ms) {
      await clock.advance(ms);
      await prompt.updateComplete;
    },
  };
}

const cards = (root: Element) => queryAllDeep(root, byTestId('approval-card'));
const cardOf = (root: Element, entityId: string): HTMLElement => {
  const card = cards(root).find((c) => c.dataset.entity === entityId);
  ok(card !== undefined, `a card for ${entityId}`);
  return card;
};
const within = (el: HTMLElement, testId: string) => el.querySelector<HTMLElement>(byTestId(testId))!;
const live = (root: Element) => queryDeep(root, byTestId('approval-live')).textContent ?? '';

describe('<lm-approval-prompt>', () => {
  afterEach(() => {
    for (const el of document.querySelectorAll('lm-approval-prompt, input')) el.remove();
  });

  it('shows nothing but an empty live region while nothing is asked', async () => {
    const { prompt } = await mount([]);
    equal(queryAllDeep(prompt, byTestId('approval-prompt')).length, 0);
    equal(live(prompt).trim(), '');
  });

  it('queues several requests, the one due first on top, each with its track, reason and countdown', async () => {
    const late = pendingView('trk-late', { label: 'Bomber', requestedAt: T0 });
    const soon = pendingView('trk-soon', { requestedAt: T0 - 20_000, reason: 'SUSPICIOUS 0.70, inside 3 km' });
    const mid = pendingView('trk-mid', { label: 'Drone', requestedAt: T0 - 5_000 });
    const m = await mount([late, soon, mid, decidedView(pendingView('trk-old'), 'denied')]);
    const { prompt } = m;
    const shown = cards(prompt);
    equal(m.clock.pending, 1, 'one timer for three countdowns');
    equal(shown.map((c) => c.dataset.entity).join(), 'trk-soon,trk-mid,trk-late');
    equal(queryDeep(prompt, byTestId('pending-count')).textContent, '3 pending');
    const bomber = cardOf(prompt, 'trk-late');
    equal(bomber.getAttribute('role'), 'alertdialog');
    const name = (bomber.getAttribute('aria-labelledby') ?? '')
      .split(' ')
      .map((id) => bomber.querySelector(`#${id}`)?.textContent ?? '')
      .join(' ');
    includes(name, 'Intercept Bomber?');
    includes(name, 'trk-late', 'the accessible name carries the track id');
    includes(within(cardOf(prompt, 'trk-soon'), 'approval-reason').textContent, 'SUSPICIOUS 0.70, inside 3 km');
    // Now is T0 + 1 s: 29 s left on the late one, 9 s on the one raised 20 s earlier.
    equal(within(bomber, 'countdown').textContent, '0:29');
    equal(within(cardOf(prompt, 'trk-soon'), 'countdown').textContent, '0:09');
    for (const card of shown) {
      for (const id of ['approve', 'deny']) {
        const box = within(card, id).getBoundingClientRect();
        ok(box.height >= 44 && box.width >= 44, `${id} is a 44 px touch target (${box.width}×${box.height})`);
      }
    }
    const decided = queryAllDeep(prompt, byTestId('approval-decision'));
    equal(decided.length, 1);
    equal(decided[0]!.dataset.state, 'denied');
    await m.tick(1_000);
    equal(within(cardOf(prompt, 'trk-soon'), 'countdown').textContent, '0:08');
    equal(within(bomber, 'countdown').textContent, '0:28');
    equal(m.clock.pending, 1, 'still one timer after a tick');
  });

  it('counts down on the injected clock, turns urgent in the last 10 s, and closes at the deadline', async () => {
    const v = pendingView('trk-1', { label: 'Fighter' });
    const m = await mount([v]);
    const countdown = () => within(cardOf(m.prompt, 'trk-1'), 'countdown');
    equal(countdown().textContent, '0:29');
    equal(countdown().dataset.urgent, 'false');
    equal(m.clock.pending, 1, 'one timer for the prompt');
    await m.tick(1_000);
    equal(countdown().textContent, '0:28');
    await m.tick(17_999);
    equal(countdown().textContent, '0:11');
    equal(countdown().dataset.urgent, 'false');
    await m.tick(1);
    equal(countdown().textContent, '0:10');
    equal(countdown().dataset.urgent, 'true');
    includes(live(m.prompt), '10 seconds left to decide on Fighter (trk-1)');
    await m.tick(10_000);
    equal(countdown().textContent, '0:00');
    ok(within(cardOf(m.prompt, 'trk-1'), 'approve').hasAttribute('disabled'), 'no approval past the deadline');
    ok(within(cardOf(m.prompt, 'trk-1'), 'deny').hasAttribute('disabled'), 'nor a deny: the gate times it out');
    equal(m.clock.pending, 0, 'no timer once every countdown has run out');
  });

  it('approves by click through the injected decide, then shows who decided', async () => {
    const v = pendingView('trk-1', { label: 'Fighter' });
    const m = await mount([v]);
    within(cardOf(m.prompt, 'trk-1'), 'approve').click();
    await m.prompt.updateComplete;
    equal(JSON.stringify(m.calls), JSON.stringify([{ entityId: 'trk-1', decision: 'approve' }]));
    includes(within(cardOf(m.prompt, 'trk-1'), 'approve').textContent, 'Approving');
    ok(within(cardOf(m.prompt, 'trk-1'), 'deny').hasAttribute('disabled'), 'one answer per request');
    within(cardOf(m.prompt, 'trk-1'), 'deny').click();
    equal(m.calls.length, 1);
    await m.show([decidedView(v, 'approved')]);
    equal(cards(m.prompt).length, 0, 'the card closes once the node reports the decision');
    const row = queryDeep(m.prompt, byTestId('approval-decision'));
    equal(row.dataset.state, 'approved');
    includes(row.textContent, 'by alice on node k7Qm2xVf…');
    includes(row.textContent, 'at 09:30:12.000Z');
    includes(live(m.prompt), 'Fighter (trk-1): approved by alice');
  });

  it('takes A and D on the focused card, and Escape leaves the request pending', async () => {
    const input = document.createElement('input');
    document.body.append(input);
    const m = await mount([]);
    const first = pendingView('trk-1', { label: 'Fighter' });
    await m.show([first]);
    const card = cardOf(m.prompt, 'trk-1');
    equal(deepActiveElement(), card, 'focus moved to the new request');
    await sendKeys({ press: 'Escape' });
    equal(m.calls.length, 0, 'Escape never approves');
    equal(cards(m.prompt).length, 1);
    equal(deepActiveElement(), document.body, 'nothing had focus before the prompt took it');
    card.focus();
    await sendKeys({ press: 'a' });
    await m.prompt.updateComplete;
    equal(JSON.stringify(m.calls), JSON.stringify([{ entityId: 'trk-1', decision: 'approve' }]));

    const second = pendingView('trk-2', { requestedAt: T0 + 500 });
    await m.show([decidedView(first, 'approved'), second]);
    equal(deepActiveElement(), cardOf(m.prompt, 'trk-2'));
    // The new card took focus by itself: a D at once may have been meant for the one before.
    await sendKeys({ press: 'd' });
    await m.prompt.updateComplete;
    equal(m.calls.length, 1, 'no answer for a card focus has only just reached');
    includes(live(m.prompt), 'Key ignored: focus has just moved to trk-2');
    await m.tick(KEY_GUARD_MS);
    await sendKeys({ press: 'd' });
    equal(JSON.stringify(m.calls.at(-1)), JSON.stringify({ entityId: 'trk-2', decision: 'deny' }));
    // Tab reaches Show track, then the answers; Enter on Deny is a deny, as for any button.
    await m.show([decidedView(first, 'approved'), decidedView(second, 'denied')]);
    const third = pendingView('trk-3', { requestedAt: T0 + 800 });
    await m.show([third]);
    await sendKeys({ press: 'Tab' });
    equal(deepActiveElement()?.getAttribute('data-testid'), 'show-track');
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'Tab' });
    equal(deepActiveElement()?.getAttribute('data-testid'), 'deny');
    await sendKeys({ press: 'Enter' });
    equal(JSON.stringify(m.calls.at(-1)), JSON.stringify({ entityId: 'trk-3', decision: 'deny' }));
  });

  it('does not steal focus from a field being typed in, nor from a card awaiting an answer', async () => {
    const input = document.createElement('input');
    document.body.append(input);
    const m = await mount([]);
    input.focus();
    await sendKeys({ type: 'ab' });
    await m.show([pendingView('trk-1', { label: 'Fighter' })]);
    equal(deepActiveElement(), input, 'typing keeps focus');
    await sendKeys({ type: 'c' });
    equal(input.value, 'abc');
    equal(m.calls.length, 0, 'letters typed in a field are not answers');
    includes(live(m.prompt), 'Approval needed: intercept Fighter (trk-1)?');
    includes(live(m.prompt), '29 seconds to decide');

    cardOf(m.prompt, 'trk-1').focus();
    await m.show([pendingView('trk-1', { label: 'Fighter' }), pendingView('trk-2', { requestedAt: T0 + 300 })]);
    equal(deepActiveElement(), cardOf(m.prompt, 'trk-1'), 'focus stays on the request being read');
    includes(live(m.prompt), 'intercept trk-2?');

    // Answered and closed: focus goes on to the next request due, then back to the field.
    await sendKeys({ press: 'd' });
    await m.show([pendingView('trk-2', { requestedAt: T0 + 300 })]);
    await eventually(() => equal(deepActiveElement(), cardOf(m.prompt, 'trk-2')));
    input.focus();
    cardOf(m.prompt, 'trk-2').focus();
    await m.show([decidedView(pendingView('trk-2', { requestedAt: T0 + 300 }), 'timed_out')]);
    equal(deepActiveElement(), input, 'focus back where the prompt took it from');
  });

  it('holds A back for a moment on the card focus moves to when the focused card closes elsewhere', async () => {
    const one = pendingView('trk-1', { label: 'Fighter' });
    const two = pendingView('trk-2', { label: 'Bomber', requestedAt: T0 + 300 });
    const input = document.createElement('input');
    document.body.append(input);
    input.focus();
    const m = await mount([one, two]);
    equal(deepActiveElement(), input, 'typing: the prompt leaves focus where it is');
    // The operator turns to the card due first.
    cardOf(m.prompt, 'trk-1').focus();
    // Another device denies trk-1: its card closes under the operator's hands.
    await m.show([decidedView(one, 'denied', { decidedBy: 'bob' }), two]);
    await eventually(() => equal(deepActiveElement(), cardOf(m.prompt, 'trk-2')));
    const said = live(m.prompt);
    await sendKeys({ press: 'a' });
    await m.prompt.updateComplete;
    equal(m.calls.length, 0, 'an A meant for trk-1 does not approve trk-2');
    includes(said, 'Fighter (trk-1): denied by bob');
    includes(said, 'Now showing Bomber (trk-2).');
    includes(live(m.prompt), 'Key ignored: focus has just moved to Bomber (trk-2). Press again to answer.');
    await m.tick(KEY_GUARD_MS - 1);
    await sendKeys({ press: 'a' });
    equal(m.calls.length, 0, 'still held back 1 ms before the guard ends');
    await m.tick(1);
    await sendKeys({ press: 'a' });
    equal(JSON.stringify(m.calls), JSON.stringify([{ entityId: 'trk-2', decision: 'approve' }]));
  });

  it('does not hold back keys on a card the operator moved focus to', async () => {
    const two = pendingView('trk-2', { requestedAt: T0 + 300 });
    const three = pendingView('trk-3', { requestedAt: T0 + 600 });
    const m = await mount([pendingView('trk-1'), two, three]);
    cardOf(m.prompt, 'trk-1').focus();
    await m.show([decidedView(pendingView('trk-1'), 'timed_out'), two, three]);
    await eventually(() => equal(deepActiveElement(), cardOf(m.prompt, 'trk-2')));
    // The operator taps trk-3's card: a deliberate move from card to card, so its keys count at once.
    const reason = within(cardOf(m.prompt, 'trk-3'), 'approval-reason');
    reason.scrollIntoView({ block: 'center' });
    const box = reason.getBoundingClientRect();
    await sendMouse({ type: 'click', position: [Math.round(box.x + 4), Math.round(box.y + box.height / 2)] });
    equal(deepActiveElement(), cardOf(m.prompt, 'trk-3'));
    await sendKeys({ press: 'd' });
    equal(JSON.stringify(m.calls), JSON.stringify([{ entityId: 'trk-3', decision: 'deny' }]));
    // trk-3 closes: focus goes on to trk-2, not to the card the prompt last focused by itself.
    await m.show([decidedView(pendingView('trk-1'), 'timed_out'), two, decidedView(three, 'denied')]);
    await eventually(() => equal(deepActiveElement(), cardOf(m.prompt, 'trk-2')));
    includes(live(m.prompt), 'Now showing trk-2.');
  });

  it('selects the track when asked to show it, without answering', async () => {
    const m = await mount([pendingView('trk-1', { label: 'Fighter' })]);
    let selected: string | null | undefined;
    document.body.addEventListener('entity-select', (e) => (selected = e.detail.id), { once: true });
    within(cardOf(m.prompt, 'trk-1'), 'show-track').click();
    equal(selected, 'trk-1');
    equal(m.calls.length, 0);
  });

  it('shows a refused decision on its card and in the live region', async () => {
    const refuse = () => Promise.reject({ name: 'ValidationError', message: 'nothing pending for trk-1' });
    const m = await mount([pendingView('trk-1')], refuse);
    within(cardOf(m.prompt, 'trk-1'), 'approve').click();
    await eventually(() =>
      includes(within(cardOf(m.prompt, 'trk-1'), 'approval-error').textContent, 'nothing pending'),
    );
    includes(live(m.prompt), 'Could not approve trk-1');
    ok(!within(cardOf(m.prompt, 'trk-1'), 'approve').hasAttribute('disabled'), 'the operator may answer again');
  });

  it('marks a conflict (approve and deny at once) and names the gate for a time-out', async () => {
    const a = pendingView('trk-1', { label: 'Fighter' });
    const b = pendingView('trk-2');
    const m = await mount([a, b]);
    await m.show([
      decidedView(a, 'denied', { conflict: true, decidedBy: 'bob', decidedAt: T0 + 15_000 }),
      decidedView(b, 'timed_out', { decidedAt: T0 + 30_000 }),
    ]);
    const rows = queryAllDeep(m.prompt, byTestId('approval-decision'));
    equal(rows.map((r) => r.dataset.entity).join(), 'trk-2,trk-1', 'latest decision first');
    includes(rows[0]!.textContent, 'timed out');
    includes(rows[0]!.textContent, 'by the gate');
    ok(rows[1]!.querySelector(byTestId('decision-conflict')) !== null, 'the conflict is marked');
    includes(rows[1]!.textContent, 'by bob');
    includes(live(m.prompt), 'Fighter (trk-1): denied (conflicting decisions: the safer one stands)');
    includes(live(m.prompt), 'trk-2: timed out by the gate');
  });

  it("shows an approved request's task status", async () => {
    const a = pendingView('trk-1');
    const m = await mount([a]);
    m.prompt.tasks = [
      {
        entityId: 'trk-1',
        task: 'intercept',
        requestId: a.requestId,
        status: 'sent',
        assignedBy: 'k7Qm2xVfPz0aLrT9hYc4dWbE1uNsG8oJ',
        updatedAt: T0 + 13_000,
      },
    ];
    await m.show([decidedView(a, 'approved')]);
    equal(queryDeep(m.prompt, byTestId('decision-task')).textContent, 'intercept · sent');
    includes(live(m.prompt), 'trk-1: approved by alice', 'the task came with the decision');
    includes(live(m.prompt), 'Intercept task assigned.');
  });

  it('says the intercept task is assigned when it appears, not at the approval', async () => {
    const a = pendingView('trk-1', { label: 'Fighter' });
    const m = await mount([a]);
    await m.show([decidedView(a, 'approved')]);
    includes(live(m.prompt), 'Fighter (trk-1): approved by alice');
    includes(live(m.prompt), 'Waiting for the intercept task.');
    ok(!live(m.prompt).includes('assigned'), 'no task yet');
    m.prompt.tasks = [
      {
        entityId: 'trk-1',
        task: 'intercept',
        requestId: a.requestId,
        status: 'sent',
        assignedBy: 'k7Qm2xVfPz0aLrT9hYc4dWbE1uNsG8oJ',
        updatedAt: T0 + 13_000,
      },
    ];
    await m.prompt.updateComplete;
    equal(live(m.prompt).trim(), 'Intercept task assigned: Fighter (trk-1).');
  });
});

describe('the approval prompt in the app, on an in-page node', () => {
  afterEach(unmountAll);

  it('assigns the task on a real pointer tap on Approve', async () => {
    const client = await openTestNode();
    const { app } = await mountApp(client);
    await client.create({
      id: 'gunboat',
      components: {
        classification: { label: 'Gunboat', disposition: 'HOSTILE', environment: 'SURFACE', confidence: 0.9 },
        position: { lat: 51.47, lon: -0.46 },
        threat: { level: 'HIGH' },
      },
    });
    await eventually(() => equal(cards(app).length, 1, 'the prompt is on screen'), 5_000);
    const approve = within(cards(app)[0]!, 'approve');
    await eventually(() => ok(!approve.hasAttribute('disabled'), 'Approve is enabled'));
    const box = approve.getBoundingClientRect();
    ok(box.bottom <= window.innerHeight && box.right <= window.innerWidth, 'Approve is in the viewport');
    // A trusted pointer press and release at the button's centre (CDP input), as a finger or mouse.
    await sendMouse({
      type: 'click',
      position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)],
    });
    await sendMouse({ type: 'move', position: [0, 0] });
    let tasks = '';
    for (let i = 0; i < 100 && tasks === ''; i++) {
      await new Promise((r) => setTimeout(r, 50));
      tasks = (await client.tasks()).map((t) => `${t.entityId}:${t.task}`).join();
    }
    equal(tasks, 'gunboat:intercept', 'the task is assigned');
    equal((await client.approvals())[0]?.state, 'approved');
    await eventually(() => includes(live(app), 'Intercept task assigned'), 5_000);
  });
});
