/**
 * The node's side of the service seam (service.ts holds the contract): the registry of services
 * a node runs, what it advertises, who among the members runs what, and for each service its
 * {@link ServiceHost} — sends only to capable peers, a gossip queue spread among capable peers,
 * typed timers in the cluster layer's heap, anti-entropy rounds, events and member hooks.
 *
 * Gossip for services is a round of its own, not memberlist's piggy-back: memberlist picks its
 * gossip targets among all members, serf agents included, and a service frame must never reach
 * those. Every gossip interval while something is queued, the registry picks {@link GOSSIP_NODES}
 * random peers that run at least one service with queued messages and sends each one packet of
 * the messages it can understand (memberlist state.go gossip, restricted to capable peers). The
 * round idles while nothing is queued, so a node without service traffic sends nothing more.
 */
import type { MemberInfo } from '../swim/api.js';
import { TransmitLimitedQueue } from '../swim/broadcast-queue.js';
import { pushPullScaleMs } from '../swim/push-pull.js';
import { ConfigError, DecodeError, StateError, TooLargeError } from '../wire/errors.js';
import { decodeMetaExtension, type MetaExtension } from '../wire/node-meta.js';
import {
  SERVICE_NAME_PATTERN,
  decodeServiceFrame,
  encodeServiceFrame,
  type ServiceFrame,
} from '../wire/service-frame.js';
import { queueDepthLimit } from './broadcasts.js';
import type { ClusterContext } from './context.js';
import type { MemberEvent } from './events.js';
import type { Member } from './members.js';
import type { BroadcastOptions, Service, ServiceHost, ServicePeer } from './service.js';
import { SERVICE_GOSSIP_TIMER, type SerfTimer } from './timers.js';

/** Peers each service gossip round sends to (memberlist's GossipNodes on LAN and local). */
export const GOSSIP_NODES = 3;

/** Any service, whatever its timer keys and events (the registry only routes them). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyService = Service<any, any>;

/** One registered service. */
interface Entry {
  readonly service: AnyService;
  readonly host: ServiceHost<unknown, unknown>;
  readonly queue: TransmitLimitedQueue;
  /** Capable peers by name (members that advertise this service and are not gone). */
  readonly peers: Map<string, ServicePeer>;
}

/** See the module comment. */
export class ServiceRegistry {
  private readonly entries = new Map<string, Entry>();
  /** Our own advertisement. */
  readonly extension: MetaExtension;
  private stopped = false;

  /**
   * What a node running `services` advertises. Throws {@link ConfigError} for a bad or duplicate
   * name or version, listing every problem.
   */
  static advertisement(services: readonly AnyService[]): MetaExtension {
    const problems: string[] = [];
    const advertised = new Map<string, number>();
    for (const s of services) {
      if (typeof s.name !== 'string' || !SERVICE_NAME_PATTERN.test(s.name)) {
        problems.push(
          `service name "${String(s.name)}": must be 1…16 of a-z, 0-9, - (starting with a letter)`,
        );
      } else if (advertised.has(s.name)) {
        problems.push(`service "${s.name}": registered twice`);
      }
      if (!Number.isInteger(s.version) || s.version < 1 || s.version > 255)
        problems.push(`service "${String(s.name)}": version must be 1…255 (got ${String(s.version)})`);
      const sync = s.syncIntervalMs ?? 0;
      if (!Number.isInteger(sync) || sync < 0)
        problems.push(`service "${String(s.name)}": syncIntervalMs must be a non-negative integer`);
      advertised.set(s.name, s.version);
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return { services: advertised };
  }

  /** Throws {@link ConfigError} as {@link advertisement} does (nothing is registered). */
  constructor(
    private readonly c: ClusterContext,
    services: readonly AnyService[],
  ) {
    this.extension = ServiceRegistry.advertisement(services);
    for (const s of services) {
      const peers = new Map<string, ServicePeer>();
      const queue = new TransmitLimitedQueue({
        retransmitMult: c.cfg.retransmitMult,
        // memberlist's limit counts the nodes a message must reach: the capable peers and us.
        numNodes: () => peers.size + 1,
      });
      this.entries.set(s.name, { service: s, host: this.hostFor(s, queue, peers), queue, peers });
    }
  }

  /** Whether any service is registered. */
  get size(): number {
    return this.entries.size;
  }

  /** A registered service by name. */
  get(name: string): AnyService | undefined {
    return this.entries.get(name)?.service;
  }

  /** Attach every service (registration order) and arm their anti-entropy rounds. */
  attach(now: number): void {
    for (const e of this.entries.values()) {
      e.service.attach(e.host, now);
      const interval = e.service.syncIntervalMs ?? 0;
      // A random first round, so that nodes started together do not sync in lockstep (state.go).
      if (interval > 0) this.c.timers.set(syncTimer(e.service.name), now + this.c.random.int(interval));
    }
  }

  /** A service frame arrived (UDP or stream). Undecodable or unknown frames are counted and dropped. */
  onFrame(now: number, bytes: Uint8Array): void {
    if (this.stopped) return;
    let f: ServiceFrame;
    try {
      f = decodeServiceFrame(bytes);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.c.metrics.incr('gossip_peer_service_decode_error');
      this.c.log.debug({ err }, 'service: undecodable frame dropped');
      return;
    }
    const e = this.entries.get(f.service);
    if (e === undefined) {
      this.c.metrics.incr('gossip_peer_service_unknown');
      this.c.log.debug({ service: f.service, from: f.from }, 'service: frame for a service we do not run');
      return;
    }
    try {
      e.service.onMessage(now, f.from, f.type, f.body);
    } catch (err) {
      // Peer input must not break the core: whatever the service throws on it drops the message.
      this.c.metrics.incr('gossip_peer_service_message_error');
      this.c.log.debug({ err, service: f.service, from: f.from, type: f.type }, 'service: message dropped');
    }
  }

  /** A member event: keep the capable peers current, then tell every service. */
  onMemberEvent(now: number, ev: MemberEvent): void {
    const name = ev.member.name;
    if (name === this.c.cfg.nodeName) return;
    const gone = ev.type === 'member-leave' || ev.type === 'member-failed' || ev.type === 'member-reap';
    const advertised = gone ? undefined : this.advertisedBy(name);
    let armGossip = false;
    for (const e of this.entries.values()) {
      const before = e.peers.get(name);
      const version = advertised?.services.get(e.service.name);
      let peer: ServicePeer | undefined;
      if (version !== undefined) {
        peer = { name, addr: ev.member.addr, version };
        e.peers.set(name, peer);
        if (before === undefined && e.queue.numQueued() > 0) armGossip = true;
      } else {
        e.peers.delete(name);
        peer = gone ? before : undefined;
      }
      if (!this.stopped) e.service.onMember?.(now, ev, peer);
    }
    if (armGossip) this.armGossip(now);
  }

  /** A registry timer is due (service timers, gossip and sync rounds). */
  fire(now: number, t: SerfTimer): void {
    if (this.stopped) return;
    if (t.kind === 'service') this.entries.get(t.service)?.service.onTimer?.(now, t.key);
    else if (t.kind === 'service-gossip') this.gossip(now);
    else if (t.kind === 'service-sync') this.sync(now, t.service);
  }

  /** The periodic queue-depth check: prune every service queue above `max` (Serf's rule). */
  checkDepth(numMembers: number): void {
    const cfg = this.c.cfg;
    const max = queueDepthLimit(cfg.maxQueueDepth, cfg.minQueueDepth, numMembers);
    for (const e of this.entries.values()) {
      if (e.queue.numQueued() <= max) continue;
      e.queue.prune(max);
      this.c.log.warn(
        { service: e.service.name, max },
        'service: queue depth exceeds limit, dropping messages',
      );
    }
  }

  /** Whether any service has messages queued for gossip. */
  hasQueued(): boolean {
    for (const e of this.entries.values()) if (e.queue.numQueued() > 0) return true;
    return false;
  }

  /** The node stopped: queues are dropped, services told once; nothing is sent any more. */
  stop(now: number): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const e of this.entries.values()) {
      e.queue.reset();
      e.service.onStop?.(now);
    }
  }

  // ------------------------------------------------------------------ internals

  /** The services `name` advertises in its current meta. */
  private advertisedBy(name: string): MetaExtension | undefined {
    const info: MemberInfo | undefined = this.c.swim.member(name);
    return info === undefined ? undefined : decodeMetaExtension(info.meta);
  }

  private hostFor(
    s: AnyService,
    queue: TransmitLimitedQueue,
    peers: Map<string, ServicePeer>,
  ): ServiceHost<unknown, unknown> {
    const c = this.c;
    const name = s.name;
    /** The capable, alive peer `to` names, or undefined (then nothing may be sent to it). */
    const resolve = (to: ServicePeer | string): ServicePeer | undefined => {
      const peer = peers.get(typeof to === 'string' ? to : to.name);
      return peer !== undefined && this.isAlive(peer.name) && !this.stopped ? peer : undefined;
    };
    const frame = (type: number, body: Uint8Array): Uint8Array =>
      encodeServiceFrame({ service: name, type, from: c.cfg.nodeName, body });
    const timerId = (key: unknown): string => {
      if (s.timerId === undefined) throw new StateError(`service ${name} arms timers without a timerId`);
      return s.timerId(key);
    };
    return {
      nodeName: c.cfg.nodeName,
      random: c.random,
      logger: c.log,
      metrics: c.metrics,
      peers: () => [...peers.values()].filter((p) => this.isAlive(p.name)).sort(byName),
      peer: (n) => {
        const p = peers.get(n);
        return p !== undefined && this.isAlive(n) ? p : undefined;
      },
      members: (): readonly Member[] => c.table.all(),
      send: (now, to, type, body) => {
        const peer = resolve(to);
        if (peer === undefined) return false;
        c.swim.sendUserMessage(now, peer.addr, frame(type, body));
        return true;
      },
      sendReliable: (now, to, type, body) => {
        const peer = resolve(to);
        if (peer === undefined) return false;
        c.swim.sendUserStream(now, peer.addr, frame(type, body));
        return true;
      },
      broadcast: (now, type, body, opts?: BroadcastOptions) => {
        const msg = frame(type, body);
        const budget = c.swim.userPacketBudget();
        if (msg.length + budget.overheadBytes > budget.limitBytes) {
          throw new TooLargeError(
            `service message of ${msg.length} bytes does not fit a gossip packet (${budget.limitBytes - budget.overheadBytes})`,
          );
        }
        if (this.stopped) return;
        queue.queue(msg, opts?.key === undefined ? undefined : `${name}:${opts.key}`);
        if (peers.size > 0) this.armGossip(now);
      },
      queuedBroadcasts: () => queue.numQueued(),
      setTimer: (key, at) => {
        c.timers.set({ kind: 'service', service: name, id: timerId(key), key }, at);
      },
      clearTimer: (key) => c.timers.delete({ kind: 'service', service: name, id: timerId(key), key }),
      timerAt: (key) => c.timers.get({ kind: 'service', service: name, id: timerId(key), key }),
      emit: (event) => c.emit({ type: 'service', service: name, event }),
    };
  }

  private isAlive(name: string): boolean {
    return this.c.table.get(name)?.status === 'alive';
  }

  /** Start the gossip round at `now` unless it is running. */
  private armGossip(now: number): void {
    if (!this.c.timers.has(SERVICE_GOSSIP_TIMER)) this.c.timers.set(SERVICE_GOSSIP_TIMER, now);
  }

  /** One service gossip round (see the module comment). */
  private gossip(now: number): void {
    const c = this.c;
    const busy = [...this.entries.values()].filter((e) => e.queue.numQueued() > 0);
    if (busy.length === 0) return; // idle until something is queued
    const candidates = new Map<string, ServicePeer>();
    for (const e of busy)
      for (const p of e.peers.values()) if (this.isAlive(p.name)) candidates.set(p.name, p);
    if (candidates.size === 0) return; // resumes when a capable peer joins
    const pool = [...candidates.values()].sort(byName);
    const budget = c.swim.userPacketBudget();
    for (const target of pickRandom(pool, GOSSIP_NODES, c.random)) {
      const bodies: Uint8Array[] = [];
      let avail = budget.limitBytes;
      for (const e of busy) {
        if (!e.peers.has(target.name) || avail <= budget.overheadBytes) continue;
        for (const m of e.queue.getBroadcasts(budget.overheadBytes, avail)) {
          avail -= m.length + budget.overheadBytes;
          bodies.push(m);
        }
      }
      c.swim.sendUserPacket(now, target.addr, bodies);
    }
    if (this.hasQueued()) c.timers.set(SERVICE_GOSSIP_TIMER, now + c.cfg.gossipIntervalMs);
  }

  /** One anti-entropy round of `service` with a random capable peer; re-armed, scaled by peers. */
  private sync(now: number, service: string): void {
    const e = this.entries.get(service);
    const interval = e?.service.syncIntervalMs ?? 0;
    if (e === undefined || interval <= 0) return;
    const pool = [...e.peers.values()].filter((p) => this.isAlive(p.name)).sort(byName);
    const peer = pickRandom(pool, 1, this.c.random)[0];
    if (peer !== undefined) e.service.onSync?.(now, peer);
    this.c.timers.set(syncTimer(service), now + pushPullScaleMs(interval, pool.length + 1));
  }
}

function syncTimer(service: string): SerfTimer {
  return { kind: 'service-sync', service };
}

function byName(a: ServicePeer, b: ServicePeer): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Up to `k` distinct elements of `pool`, chosen with `random` (partial Fisher–Yates on a copy). */
function pickRandom<T>(pool: readonly T[], k: number, random: { int(n: number): number }): T[] {
  const a = [...pool];
  const n = Math.min(k, a.length);
  for (let i = 0; i < n; i++) {
    const j = i + random.int(a.length - i);
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a.slice(0, n);
}
