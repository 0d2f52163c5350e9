/**
 * Every deadline the cluster layer arms, as typed data in its one {@link DeadlineHeap} (Swim keeps
 * its own heap below; `Serf.nextDeadline` is the earlier of the two). `popDue` hands the key back
 * as armed and `Serf.tick` dispatches on `kind`: no key is a string parsed back by prefix.
 */
import { DeadlineHeap } from '../core/deadlines.js';

/** A cluster-layer deadline. */
export type SerfTimer =
  /** Reap failed/left members and stale intents (serf: handleReap, every ReapInterval). */
  | { readonly kind: 'reap' }
  /** Try to rejoin a failed member (serf: handleReconnect, every ReconnectInterval). */
  | { readonly kind: 'reconnect' }
  /** Prune broadcast queues above their limit (serf: checkQueueDepth, every QueueCheckInterval). */
  | { readonly kind: 'queue-check' }
  /** A graceful leave: BroadcastTimeout for the leave intent. */
  | { readonly kind: 'leave-intent' }
  /** A graceful leave: the leave intent was fully transmitted (armed from inside a broadcast hand-out). */
  | { readonly kind: 'leave-intent-sent' }
  /** A graceful leave: LeavePropagateDelay after the memberlist leave. */
  | { readonly kind: 'leave-propagate' }
  /** Deliver the Serf messages we addressed to ourselves (as if they came back over UDP). */
  | { readonly kind: 'self-delivery' }
  /** Erase a member force-left with `prune` once the intent had time to spread. */
  | { readonly kind: 'prune'; readonly node: string }
  /** A service's own timer (service.ts); `id` is the service's identity for `key`. */
  | { readonly kind: 'service'; readonly service: string; readonly id: string; readonly key: unknown }
  /** The services' gossip round: queued service messages to a few capable peers. */
  | { readonly kind: 'service-gossip' }
  /** One service's anti-entropy round with a random capable peer. */
  | { readonly kind: 'service-sync'; readonly service: string };

/** The fixed timers, one frozen value each. */
export const REAP_TIMER: SerfTimer = Object.freeze({ kind: 'reap' });
export const RECONNECT_TIMER: SerfTimer = Object.freeze({ kind: 'reconnect' });
export const QUEUE_CHECK_TIMER: SerfTimer = Object.freeze({ kind: 'queue-check' });
export const LEAVE_INTENT_TIMER: SerfTimer = Object.freeze({ kind: 'leave-intent' });
export const LEAVE_INTENT_SENT_TIMER: SerfTimer = Object.freeze({ kind: 'leave-intent-sent' });
export const LEAVE_PROPAGATE_TIMER: SerfTimer = Object.freeze({ kind: 'leave-propagate' });
export const SELF_DELIVERY_TIMER: SerfTimer = Object.freeze({ kind: 'self-delivery' });
export const SERVICE_GOSSIP_TIMER: SerfTimer = Object.freeze({ kind: 'service-gossip' });

/** The prune timer of `node`. */
export function pruneTimer(node: string): SerfTimer {
  return { kind: 'prune', node };
}

function identify(t: SerfTimer): string {
  switch (t.kind) {
    case 'prune':
      return `prune:${t.node}`;
    // Service names cannot hold `:` (wire/service-frame.ts), so these never collide.
    case 'service':
      return `service:${t.service}:${t.id}`;
    case 'service-sync':
      return `service-sync:${t.service}`;
    default:
      return t.kind;
  }
}

/** The cluster layer's deadline heap. */
export type SerfDeadlines = DeadlineHeap<SerfTimer>;

/** A new, empty cluster-layer deadline heap. */
export function createSerfDeadlines(): SerfDeadlines {
  return new DeadlineHeap<SerfTimer>(identify);
}
