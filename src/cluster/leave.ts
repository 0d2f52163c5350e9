/**
 * The graceful leave (serf: serf/serf.go `Leave`) and Serf's own state. In order:
 *
 * 1. state `leaving`; our leave intent (member clock) is applied locally and broadcast;
 * 2. wait until the intent was fully transmitted, or BroadcastTimeout (serf returns an error
 *    then and stays `leaving`; we leave anyway — the dead message still tells everyone — and
 *    report it in `leave-done`);
 * 3. memberlist's leave (dead(self) broadcast), until Swim reports `leave-done`;
 * 4. LeavePropagateDelay, so that we keep answering probes while the news spreads; state `left`
 *    and a `leave-done` event.
 *
 * In a small cluster under the adaptive detector the intent also goes straight to every live
 * member (docs/failure-detection.md), well before the dead(self) that Swim then sends all-to-all.
 */
import { StateError } from '../wire/errors.js';
import type { SerfLeave } from '../wire/messages.js';
import * as codec from './codec.js';
import type { ClusterContext, SerfState } from './context.js';
import type { SerfMembership } from './membership.js';
import { LEAVE_INTENT_SENT_TIMER, LEAVE_INTENT_TIMER, LEAVE_PROPAGATE_TIMER } from './timers.js';

/** See the module comment. */
export class LeaveChoreography {
  private current: SerfState = 'alive';
  private intentTimedOut = false;

  constructor(
    private readonly c: ClusterContext,
    private readonly membership: SerfMembership,
  ) {}

  /** Serf's own state. */
  get state(): SerfState {
    return this.current;
  }

  /** Start the leave (see the module comment). Throws {@link StateError} while leaving or after shutdown. */
  leave(now: number): void {
    const c = this.c;
    if (this.current === 'left') return;
    if (this.current === 'leaving') throw new StateError('Leave already in progress');
    if (this.current === 'shutdown') throw new StateError('Leave called after Shutdown');
    this.current = 'leaving';
    c.snap?.leave();
    const clock = this.membership.clock;
    const msg: SerfLeave = { lTime: clock.time(), node: c.cfg.nodeName, prune: false };
    clock.increment();
    this.membership.handleLeaveIntent(now, msg);
    if (!c.table.hasAliveOthers(c.cfg.nodeName)) {
      this.swimLeave(now);
      return;
    }
    const intent = codec.encodeSerfMessage({ type: 'leave', body: msg });
    c.broadcasts.queue('intent', intent, () => {
      // Runs inside a getBroadcasts call: continue at the next tick.
      if (this.current === 'leaving' && c.timers.has(LEAVE_INTENT_TIMER))
        c.timers.set(LEAVE_INTENT_SENT_TIMER, c.now());
    });
    if (c.swim.dissemination?.() === 'all-to-all') {
      for (const m of c.swim.members()) {
        if (m.name !== c.cfg.nodeName && (m.state === 'alive' || m.state === 'suspect'))
          c.swim.sendUserMessage(now, m.addr, intent);
      }
    }
    c.timers.set(LEAVE_INTENT_TIMER, now + c.cfg.broadcastTimeoutMs);
  }

  /** Swim's leave finished: wait LeavePropagateDelay. */
  onSwimLeaveDone(now: number): void {
    if (this.current === 'leaving')
      this.c.timers.set(LEAVE_PROPAGATE_TIMER, now + this.c.cfg.leavePropagateDelayMs);
  }

  /** The leave intent was fully transmitted before the timeout: on to the memberlist leave. */
  onIntentSent(now: number): void {
    const timers = this.c.timers;
    if (this.current !== 'leaving' || !timers.has(LEAVE_INTENT_TIMER)) return;
    timers.delete(LEAVE_INTENT_TIMER);
    this.swimLeave(now);
  }

  /** BroadcastTimeout passed before the intent went out: leave anyway. */
  onIntentTimeout(now: number): void {
    this.c.timers.delete(LEAVE_INTENT_SENT_TIMER);
    this.intentTimedOut = true;
    if (this.current === 'leaving') this.swimLeave(now);
  }

  /** LeavePropagateDelay passed: we have left. */
  onPropagated(): void {
    this.current = 'left';
    this.c.emit({ type: 'leave-done', intentTimedOut: this.intentTimedOut });
  }

  /** Stop at once (no leave). */
  shutdown(): void {
    this.current = 'shutdown';
  }

  private swimLeave(now: number): void {
    this.c.swim.leave(now, this.c.cfg.broadcastTimeoutMs);
  }
}
