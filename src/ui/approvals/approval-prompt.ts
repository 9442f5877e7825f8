import { LitElement, html, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { ApprovalView, TaskView } from '../../node/approval-views';
import { errorText } from '../error-text';
import { controls, palette } from '../theme';
import { ApprovalCard } from './approval-card';
import type { DecisionArg } from '../../node/approval-args';
import type { ApprovalDecideDetail } from './approval-events';
import './approval-history';
import { promptStyles } from './approval-prompt-styles';
import { diffQueue, newest, pendingQueue, recentDecisions, taskFor } from './approval-queue';
import { outcomeSentence, raisedSentence, taskSentence, trackName } from './approval-text';
import { isUrgent, msToNextChange, secondsLeft } from './countdown';
import { deepActiveElement, isTyping, isWithin } from './focus';
import { systemClock, type PromptClock } from './prompt-clock';

/**
 * How long A and D are ignored on a card the prompt itself moved focus to (its focused card closed,
 * or a new request took focus): a key pressed for the track that just left must not answer for the
 * one that took its place. A click, or focus the operator moved, is never held back.
 */
export const KEY_GUARD_MS = 1_000;

/** Where focus goes once this update is on screen: to a card, or back where the prompt took it from. */
type FocusPlan = { readonly card: string } | 'back';

/** How the prompt answers: the handle's `decide`, naming the request on screen. */
export type DecideFn = (entityId: string, decision: DecisionArg, requestId: string) => Promise<unknown>;

/**
 * The approval prompt: every pending request as a card, the one due first on top, then the recent
 * decisions; an overlay that leaves the map's centre clear (a side card on tablets, a bottom sheet
 * on phones). It renders what it is given (`approvals`, `tasks`) and answers through `decide`.
 *
 * Focus rule: when a request appears, focus moves to its card (the newest one if several appear
 * at once) unless the operator is typing in a field, or is on the card of another request still
 * waiting for their answer: a key pressed for one track must never land on another. The live
 * region announces the request either way. When the focused card closes (answered, timed out,
 * withdrawn), focus goes to the next card due (announced: "Now showing …"), or back to where it was
 * before the prompt took it. On a card the prompt moved focus to, A and D are ignored for
 * `KEY_GUARD_MS`: the key was meant for the card that was there. Escape leaves the request pending
 * and gives focus back the same way.
 *
 * Time comes from `clock`: one timer, armed for the next second any countdown shows.
 */
export class ApprovalPrompt extends LitElement {
  static override properties = {
    approvals: { attribute: false },
    tasks: { attribute: false },
    decide: { attribute: false },
    unavailable: { attribute: false },
    readOnly: { attribute: false },
    clock: { attribute: false },
    now: { state: true },
    busy: { state: true },
    errors: { state: true },
    announcement: { state: true },
    historyOpen: { state: true },
  };

  declare approvals: readonly ApprovalView[];
  declare tasks: readonly TaskView[];
  declare decide: DecideFn | undefined;
  /** Why the node's requests cannot be read: shown, since a request may be waiting unseen. */
  declare unavailable: string;
  /** Why this device cannot answer (removed from its lattice): handed to each card. */
  declare readOnly: string | undefined;
  declare clock: PromptClock;
  declare now: number;
  declare busy: ReadonlyMap<string, DecisionArg>;
  declare errors: ReadonlyMap<string, string>;
  declare announcement: string;
  declare historyOpen: boolean;

  /** The state each request was last seen in, to tell new requests and decisions apart from old news. */
  private readonly seen = new Map<string, ApprovalView['state']>();
  /** Requests whose last ten seconds have been announced. */
  private readonly warned = new Set<string>();
  /** Where focus goes after this update: planned before the render, carried out after it. */
  private focusPlan: FocusPlan | undefined;
  /** The card the prompt moved focus to itself, and until when (clock ms) it ignores A and D. */
  private keyGuard: { readonly requestId: string; readonly until: number } | undefined;
  /** Approved requests announced as waiting for their task: announced again once it appears. */
  private readonly awaitingTask = new Set<string>();
  /** The request whose card has focus, kept until focus leaves the prompt for another element. */
  private focusedRequest: string | undefined;
  /** The last element outside the prompt that had focus: where focus goes back to. */
  private returnFocus: HTMLElement | undefined;
  private cancelTimer: (() => void) | undefined;
  private readonly onFocusAnywhere = (e: FocusEvent): void => {
    const target = e.composedPath()[0];
    if (target instanceof HTMLElement && !isWithin(target, this)) this.returnFocus = target;
  };

  constructor() {
    super();
    this.approvals = [];
    this.tasks = [];
    this.unavailable = '';
    this.clock = systemClock;
    this.now = 0;
    this.busy = new Map();
    this.errors = new Map();
    this.announcement = '';
    this.historyOpen = false;
    this.addEventListener('approval-decide', (e) => this.onDecide(e.detail));
    this.addEventListener('approval-dismiss', () => this.giveFocusBack());
    this.addEventListener('focusout', (e) => {
      const to = e.relatedTarget;
      // A removed element loses focus without a target: that is the closing card, kept for the hand-off.
      if (to instanceof Element && !isWithin(to, this)) this.focusedRequest = undefined;
    });
  }

  static override styles = [palette, controls, promptStyles];

  /**
   * Focus moves are watched inside the shadow root: a move from one card to another never reaches
   * the host (its target and related target are both the host there), so a listener on the host
   * kept the card left behind as the focused one.
   */
  protected override createRenderRoot(): HTMLElement | DocumentFragment {
    const root = super.createRenderRoot();
    root.addEventListener('focusin', (e) => {
      const card = e.composedPath().find((t): t is ApprovalCard => t instanceof ApprovalCard);
      this.focusedRequest = card?.view?.requestId;
      // Focus the operator moved (Tab, a tap): their keys count at once. The prompt's own move
      // sets the guard again right after this (focusCard).
      this.keyGuard = undefined;
    });
    return root;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('focusin', this.onFocusAnywhere, true);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('focusin', this.onFocusAnywhere, true);
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // The timer sets `now` itself; any other update (new views, another clock, an answer sent)
    // reads the clock afresh. The first update counts `now` as changed, but brings the views too.
    if (changed.has('approvals') || changed.has('clock') || !changed.has('now')) this.now = this.clock.now();
    const said: string[] = [];
    if (changed.has('approvals')) {
      const { raised, decided } = diffQueue(this.seen, this.approvals);
      for (const v of raised) said.push(raisedSentence(v, secondsLeft(v.deadline, this.now)));
      for (const v of decided) {
        const assigned = taskFor(this.tasks, v) !== undefined;
        said.push(outcomeSentence(v, assigned));
        if (v.state === 'approved' && !assigned) this.awaitingTask.add(v.requestId);
      }
      if (decided.length > 0) this.historyOpen = true;
      const plan = this.planFocus(newest(raised)?.requestId);
      this.focusPlan = plan;
      // A new request was announced above; a hand-off to a card already waiting is said here.
      if (plan !== undefined && plan !== 'back' && raised.length === 0) {
        const next = this.approvals.find((v) => v.requestId === plan.card);
        if (next !== undefined) said.push(`Now showing ${trackName(next)}.`);
      }
      this.forgetClosed();
      for (const id of this.warned) if (!this.seen.has(id)) this.warned.delete(id);
    }
    if (changed.has('approvals') || changed.has('tasks')) {
      for (const id of this.awaitingTask) {
        const v = this.approvals.find((a) => a.requestId === id);
        if (v?.state !== 'approved') this.awaitingTask.delete(id);
        else if (taskFor(this.tasks, v) !== undefined) {
          this.awaitingTask.delete(id);
          said.push(taskSentence(v));
        }
      }
    }
    for (const v of pendingQueue(this.approvals)) {
      if (!this.warned.has(v.requestId) && isUrgent(v.deadline, this.now) && secondsLeft(v.deadline, this.now) > 0) {
        this.warned.add(v.requestId);
        // A request that appears already urgent was announced with its seconds just above.
        if (!said.some((s) => s.startsWith('Approval needed') && s.includes(trackName(v)))) {
          said.push(`${secondsLeft(v.deadline, this.now)} seconds left to decide on ${trackName(v)}.`);
        }
      }
    }
    if (said.length > 0) this.announcement = said.join(' ');
  }

  protected override render(): unknown {
    const pending = pendingQueue(this.approvals);
    const recent = recentDecisions(this.approvals);
    const live = html`<div class="sr-only" aria-live="assertive" aria-atomic="true" data-testid="approval-live">
      ${this.announcement}
    </div>`;
    if (pending.length === 0 && recent.length === 0 && this.unavailable === '') return live;
    return html`${live}
      <section
        class="sheet ${pending.length > 0 ? 'asking' : 'quiet'}"
        role="region"
        aria-labelledby="prompt-title"
        data-testid="approval-prompt"
      >
        <h2 id="prompt-title">
          ${pending.length > 0 ? 'Approval needed' : 'Approvals'}
          ${pending.length > 0 ? html`<span class="count" data-testid="pending-count">${pending.length} pending</span>` : null}
        </h2>
        ${
          this.unavailable
            ? html`<p class="unavailable" role="alert" data-testid="approvals-unavailable">
                Approval requests cannot be read: ${this.unavailable}
              </p>`
            : null
        }
        ${
          pending.length > 0
            ? html`<ol class="queue" aria-label="Pending requests, due first on top">
                ${repeat(
                  pending,
                  (v) => v.requestId,
                  (v) =>
                    html`<li>
                      <lm-approval-card
                        .view=${v}
                        .now=${this.now}
                        .busy=${this.busy.get(v.requestId)}
                        .error=${this.errors.get(v.requestId) ?? ''}
                        .readOnly=${this.readOnly}
                      ></lm-approval-card>
                    </li>`,
                )}
              </ol>`
            : null
        }
        ${
          recent.length > 0
            ? html`<details
                ?open=${this.historyOpen}
                @toggle=${(e: Event) => (this.historyOpen = (e.target as HTMLDetailsElement).open)}
              >
                <summary data-testid="history-toggle">Recent decisions (${recent.length})</summary>
                <lm-approval-history .decisions=${recent} .tasks=${this.tasks}></lm-approval-history>
              </details>`
            : null
        }
      </section>`;
  }

  protected override updated(): void {
    const plan = this.focusPlan;
    this.focusPlan = undefined;
    if (plan === 'back') this.giveFocusBack();
    else if (plan !== undefined) this.focusCard(plan.card);
    this.arm();
  }

  private cardFor(requestId: string): ApprovalCard | undefined {
    for (const card of this.renderRoot.querySelectorAll('lm-approval-card')) {
      if (card.view?.requestId === requestId) return card;
    }
    return undefined;
  }

  /**
   * Where focus goes once the new views are on screen (`target`: the request just raised, if any).
   * Planned before the render, while the card about to close still holds focus.
   */
  private planFocus(target: string | undefined): FocusPlan | undefined {
    const pending = pendingQueue(this.approvals);
    const isPending = (id: string | undefined) => id !== undefined && pending.some((v) => v.requestId === id);
    const active = deepActiveElement();
    const inside = active !== null && isWithin(active, this);
    if (target !== undefined) {
      const waiting =
        inside &&
        isPending(this.focusedRequest) &&
        !this.busy.has(this.focusedRequest ?? '') &&
        this.focusedRequest !== target;
      if (!isTyping(active) && !waiting) return { card: target };
      return undefined;
    }
    // The focused card closed: hand focus on, unless the operator has already moved it elsewhere.
    if (this.focusedRequest !== undefined && !isPending(this.focusedRequest)) {
      this.focusedRequest = undefined;
      if (active === null || active === document.body || inside) {
        const next = pending[0];
        return next === undefined ? 'back' : { card: next.requestId };
      }
    }
    return undefined;
  }

  /** Moves focus to a card by the prompt's own doing: its A and D wait `KEY_GUARD_MS`. */
  private focusCard(requestId: string): void {
    const card = this.cardFor(requestId);
    if (card === undefined) return;
    void card.focusCard().then((landed) => {
      if (landed) this.keyGuard = { requestId, until: this.clock.now() + KEY_GUARD_MS };
    });
  }

  /** Settles with the cards too, so focus and countdowns are on screen when it resolves. */
  protected override async getUpdateComplete(): Promise<boolean> {
    const done = await super.getUpdateComplete();
    await Promise.all([...this.renderRoot.querySelectorAll('lm-approval-card')].map((c) => c.updateComplete));
    return done;
  }

  private giveFocusBack(): void {
    const back = this.returnFocus;
    this.focusedRequest = undefined;
    if (back !== undefined && back.isConnected && back !== document.body) back.focus();
    else {
      const active = deepActiveElement();
      if (active instanceof HTMLElement && isWithin(active, this)) active.blur();
    }
  }

  /** One timer for the whole prompt, due when the next countdown changes its second. */
  private arm(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    let wait: number | undefined;
    for (const v of pendingQueue(this.approvals)) {
      const ms = msToNextChange(v.deadline, this.now);
      if (ms !== undefined && (wait === undefined || ms < wait)) wait = ms;
    }
    if (wait === undefined || !this.isConnected) return;
    this.cancelTimer = this.clock.after(wait, () => {
      this.cancelTimer = undefined;
      this.now = this.clock.now();
    });
  }

  private onDecide(d: ApprovalDecideDetail): void {
    const v = pendingQueue(this.approvals).find((p) => p.requestId === d.requestId);
    const decide = this.decide;
    if (v === undefined || decide === undefined || this.busy.has(d.requestId)) return;
    const guard = this.keyGuard;
    if (d.byKey === true && guard?.requestId === d.requestId && this.clock.now() < guard.until) {
      this.announcement = `Key ignored: focus has just moved to ${trackName(v)}. Press again to answer.`;
      return;
    }
    this.busy = new Map(this.busy).set(d.requestId, d.decision);
    this.errors = without(this.errors, d.requestId);
    decide(d.entityId, d.decision, d.requestId).then(
      // The card stays busy until the node's view of the request changes (forgetClosed).
      () => undefined,
      (err: unknown) => {
        this.busy = without(this.busy, d.requestId);
        const text = errorText(err);
        this.errors = new Map(this.errors).set(d.requestId, text);
        this.announcement = `Could not ${d.decision} ${trackName(v)}: ${text}`;
      },
    );
  }

  /** Drops the busy and error marks of requests no longer pending. */
  private forgetClosed(): void {
    const pending = new Set(pendingQueue(this.approvals).map((v) => v.requestId));
    const keep = <T>(m: ReadonlyMap<string, T>) => new Map([...m].filter(([id]) => pending.has(id)));
    if ([...this.busy.keys()].some((id) => !pending.has(id))) this.busy = keep(this.busy);
    if ([...this.errors.keys()].some((id) => !pending.has(id))) this.errors = keep(this.errors);
  }
}

function without<T>(m: ReadonlyMap<string, T>, key: string): ReadonlyMap<string, T> {
  if (!m.has(key)) return m;
  const next = new Map(m);
  next.delete(key);
  return next;
}

if (!customElements.get('lm-approval-prompt')) customElements.define('lm-approval-prompt', ApprovalPrompt);

declare global {
  interface HTMLElementTagNameMap {
    'lm-approval-prompt': ApprovalPrompt;
  }
}
