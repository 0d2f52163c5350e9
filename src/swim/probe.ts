/**
 * Failure detection (memberlist state.go probe / probeNode, net.go handlePing /
 * handleIndirectPing / handleAck / handleNack), with Lifeguard's local health.
 *
 * One probe at a time, as memberlist's probe ticker does:
 *
 *   t0            ping (or ping + suspect if the target is suspect), awareness −1 if it succeeds
 *   t0 + timeout  no ack: indirect pings through k random alive members (asking for a nack when
 *                 they speak protocol ≥ 4) and, for targets with PMax ≥ 3, the same ping over TCP
 *   t0 + P        P = probeInterval × (health score + 1). Any ack before this → success. Else a
 *                 TCP-fallback ack → success ("network may be misconfigured"). Else failure:
 *                 awareness + (expected − received nacks) or +1, and we suspect the target.
 *
 * The next probe starts one probe interval after the previous one started, or at once if the
 * previous one took longer (Go's ticker keeps one pending tick).
 */
import type { Address } from '../core/io.js';
import type { SwimDelegate } from './api.js';
import type { Ack, IndirectPing, Message, Nack, Ping } from '../wire/messages.js';
import type { Writer } from '../wire/msgpack.js';
import { encodeMessage } from '../wire/memberlist-codec.js';
import { ipFromBytes } from '../wire/ip.js';
import type { SwimConfig } from './config.js';
import type { Awareness } from './awareness.js';
import type { Membership } from './membership.js';
import { ALIVE, DEAD, LEFT } from './members.js';
import type { Logger, Metrics } from '../core/logger.js';
import type { Random } from '../core/random.js';
import type { AdaptiveDetector } from './detector.js';
import { PROBE_STEP_TIMER, PROBE_TIMER, relayTimer, type SwimDeadlines, type SwimTimer } from './timers.js';

/** What the prober needs from the network side of the core. */
export interface ProbeNet {
  /** Send one message to an address, piggy-backing queued broadcasts (net.go sendMsg). No CRC. */
  sendMsg(to: Address, msg: Uint8Array): void;
  /** Send these parts as one packet to a known member (CRC if it speaks protocol ≥ 5). */
  sendToMember(id: number, parts: Uint8Array[]): void;
  /**
   * Open the TCP fallback ping; its outcome comes back through {@link Prober.fallbackResult}.
   * Returns false when the ping could not be encoded (nothing was opened).
   */
  openFallbackStream(to: Address, ping: Message, deadline: number, seqNo: number): boolean;
  /** Forget a pending fallback stream whose outcome no longer matters. */
  abandonFallbackStream(seqNo: number): void;
}

/** Everything the prober shares with the rest of the core. */
export interface ProbeDeps {
  readonly config: SwimConfig;
  readonly heap: SwimDeadlines;
  readonly awareness: Awareness;
  readonly membership: Membership;
  readonly random: Random;
  readonly delegate: SwimDelegate | undefined;
  readonly net: ProbeNet;
  readonly selfAddr: { readonly ip: Uint8Array; readonly port: number };
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly writer: Writer;
  /**
   * Adaptive mode's measurements (undefined in `memberlist` mode): the direct-ack timeout comes
   * from round trips, every probe outcome of a live member feeds the loss estimate, and a refused
   * TCP probe fails the probe at once with a short suspicion (see detector.ts).
   */
  readonly detector?: AdaptiveDetector;
}

/** The probe in flight. */
interface Probe {
  readonly seqNo: number;
  readonly target: number;
  readonly targetName: string;
  /** Target's incarnation when the probe started: a failure suspects exactly this one. */
  readonly incarnation: number;
  readonly startMs: number;
  /** Awareness-scaled probe interval P. */
  readonly intervalMs: number;
  phase: 'direct' | 'indirect' | 'await-fallback';
  expectedNacks: number;
  nacks: number;
  /** TCP fallback: undefined = not tried or pending; true = acked; false = failed. */
  fallbackOk: boolean | undefined;
  fallbackPending: boolean;
  /** How long the direct ack was waited for (the `await-fallback` guard reuses it). */
  readonly directTimeoutMs: number;
}

/** An indirect probe we run on behalf of a requester (net.go handleIndirectPing). */
interface Relay {
  readonly requesterSeqNo: number;
  readonly requester: Address;
  readonly nack: boolean;
}

/** Deadline keys. */
const PROBE = PROBE_TIMER;
/** The in-flight probe's next step: the direct-ack timeout, then the end of its window. */
const PROBE_STEP = PROBE_STEP_TIMER;

/** See the module comment. */
export class Prober {
  private readonly d: ProbeDeps;
  private probeIndex = 0;
  private seq = 0;
  private current: Probe | undefined;
  private readonly relays = new Map<number, Relay>();

  constructor(deps: ProbeDeps) {
    this.d = deps;
  }

  /** Schedule the first probe after a random stagger (state.go triggerFunc). */
  start(now: number): void {
    this.d.heap.set(PROBE, now + this.d.random.int(this.d.config.probeIntervalMs));
  }

  /** A fresh sequence number (uint32, first one is 1). */
  nextSeqNo(): number {
    this.seq = (this.seq + 1) >>> 0;
    return this.seq;
  }

  /** Run a due deadline if it is ours; returns false for keys owned by others. */
  onDeadline(now: number, key: SwimTimer): boolean {
    if (key.kind === 'probe') this.probe(now);
    else if (key.kind === 'probe-step') this.probeStep(now);
    else if (key.kind === 'relay') this.relayTimeout(key.seqNo);
    else return false;
    return true;
  }

  // ------------------------------------------------------------------ our probes

  /** state.go probe: pick the next probe-able member of the shuffled list, wrapping around. */
  private probe(now: number): void {
    const m = this.d.membership;
    const t = m.table;
    let numCheck = 0;
    for (;;) {
      if (numCheck >= t.count) break;
      if (this.probeIndex >= t.count) {
        m.resetNodes(now);
        this.probeIndex = 0;
        numCheck++;
        continue;
      }
      const id = t.order[this.probeIndex] as number;
      this.probeIndex++;
      const st = t.state[id];
      if (id === m.selfId || st === DEAD || st === LEFT) {
        numCheck++;
        continue;
      }
      this.probeNode(now, id);
      return;
    }
    // Nobody to probe this round.
    this.d.heap.set(PROBE, now + this.d.config.probeIntervalMs);
  }

  private probeNode(now: number, id: number): void {
    const d = this.d;
    const m = d.membership;
    const interval = d.awareness.scale(d.config.probeIntervalMs);
    if (interval > d.config.probeIntervalMs) d.metrics.incr('memberlist_degraded_probe');
    const name = m.nameOf(id);
    const directTimeoutMs = d.detector?.directTimeoutMs(id) ?? d.config.probeTimeoutMs;
    const p: Probe = {
      seqNo: this.nextSeqNo(),
      target: id,
      targetName: name,
      incarnation: m.table.incarnation[id] as number,
      startMs: now,
      intervalMs: interval,
      phase: 'direct',
      expectedNacks: 0,
      nacks: 0,
      fallbackOk: undefined,
      fallbackPending: false,
      directTimeoutMs,
    };
    this.current = p;
    const ping = this.ping(p.seqNo, name);
    if (m.table.state[id] === ALIVE) {
      d.net.sendMsg(m.addressOf(id), encodeMessage(ping, d.writer));
    } else {
      // A suspect target also gets the accusation, so it can refute at once (state.go probeNode).
      const suspect: Message = {
        type: 'suspect',
        body: { incarnation: p.incarnation, node: name, from: m.selfName },
      };
      d.net.sendToMember(id, [encodeMessage(ping, d.writer), encodeMessage(suspect, d.writer)]);
    }
    d.heap.set(PROBE_STEP, now + directTimeoutMs);
  }

  /** The probe's deadline: first the direct-ack timeout, then the end of the window. */
  private probeStep(now: number): void {
    const p = this.current;
    if (p === undefined) return;
    if (p.phase === 'direct') {
      this.directTimeout(now);
      // probeTimeoutMs < probeIntervalMs (enforced by the config), so this lies ahead.
      this.d.heap.set(PROBE_STEP, p.startMs + p.intervalMs);
      return;
    }
    this.probeEnd(now);
  }

  /** No direct ack within probeTimeout: indirect probes and the TCP fallback. */
  private directTimeout(_now: number): void {
    const p = this.current;
    if (p === undefined || p.phase !== 'direct') return;
    const d = this.d;
    const m = d.membership;
    p.phase = 'indirect';
    d.logger.debug({ node: p.targetName }, 'failed ping (timeout reached)');
    const peers = m.kRandomMembers(
      d.config.indirectChecks,
      (id) => id === m.selfId || id === p.target || m.table.state[id] !== ALIVE,
    );
    const target = m.wireAddressOf(p.target);
    for (const peer of peers) {
      // Only members speaking protocol ≥ 4 know to send a nack.
      const nack = m.table.vsnAt(peer, 1) >= 4;
      if (nack) p.expectedNacks++;
      const ind: IndirectPing = {
        seqNo: p.seqNo,
        target: target.ip,
        port: target.port,
        node: p.targetName,
        nack,
        sourceAddr: d.selfAddr.ip,
        sourcePort: d.selfAddr.port,
        sourceNode: m.selfName,
      };
      d.net.sendMsg(m.addressOf(peer), encodeMessage({ type: 'indirectPing', body: ind }, d.writer));
    }
    // TCP fallback to any target that understands protocol 3, whatever version we speak.
    if (!d.config.disableTcpPings && m.table.vsnAt(p.target, 1) >= 3) {
      p.fallbackPending = d.net.openFallbackStream(
        m.addressOf(p.target),
        this.ping(p.seqNo, p.targetName),
        p.startMs + p.intervalMs,
        p.seqNo,
      );
    }
  }

  /** The probe window closed without a UDP ack. */
  private probeEnd(now: number): void {
    const p = this.current;
    if (p === undefined) return;
    if (p.fallbackPending && p.phase !== 'await-fallback') {
      // Wait for the fallback's own deadline report (the driver sends it at the same instant);
      // a guard one probe timeout later makes sure the probe always ends.
      p.phase = 'await-fallback';
      this.d.heap.set(PROBE_STEP, now + Math.max(p.directTimeoutMs, this.d.config.probeTimeoutMs));
      return;
    }
    if (p.fallbackOk === true) {
      this.d.logger.debug(
        { node: p.targetName },
        'was able to connect but other probes failed, network may be misconfigured',
      );
      this.d.detector?.observeProbe('missed');
      this.endProbe(now, p, -1);
      return;
    }
    this.fail(now, p);
  }

  /**
   * Outcome of the TCP fallback ping with `seqNo`; `refused`: the target's port refused the
   * connection (nothing listens there).
   */
  fallbackResult(now: number, seqNo: number, ok: boolean, refused = false): void {
    const p = this.current;
    if (p === undefined || p.seqNo !== seqNo || !p.fallbackPending) return;
    p.fallbackPending = false;
    // Go's connection deadline is the end of the probe window: a later ack does not count.
    p.fallbackOk = ok && now <= p.startMs + p.intervalMs;
    if (refused && this.d.detector !== undefined) {
      // Adaptive: a refused connection is the kernel saying the process is gone (a crash or an
      // exit without leave). No point waiting out the window: suspect now, with the short
      // `refusedSuspicionMs`; the final check still pings it before it is declared dead. The
      // failure is the target's, so our local health is not charged.
      this.fail(now, p, true);
      return;
    }
    if (p.phase === 'await-fallback') this.probeEnd(now);
  }

  private fail(now: number, p: Probe, refused = false): void {
    const d = this.d;
    // Lifeguard: with nack-capable helpers, missing nacks (not the missing ack) say we are the
    // slow one; without them any failed probe counts against us.
    const delta = refused ? 0 : p.expectedNacks > 0 ? Math.max(0, p.expectedNacks - p.nacks) : 1;
    this.endProbe(now, p, delta);
    d.logger.debug({ node: p.targetName }, 'suspect has failed, no acks received');
    d.membership.suspectNode(
      now,
      { incarnation: p.incarnation, node: p.targetName, from: d.membership.selfName },
      refused,
    );
  }

  private endProbe(now: number, p: Probe, awarenessDelta: number): void {
    const d = this.d;
    if (p.fallbackPending) d.net.abandonFallbackStream(p.seqNo);
    this.current = undefined;
    d.heap.delete(PROBE_STEP);
    if (d.awareness.applyDelta(awarenessDelta)) d.metrics.gauge('memberlist_health_score', d.awareness.score);
    d.heap.set(PROBE, Math.max(now, p.startMs + d.config.probeIntervalMs));
  }

  /**
   * Adaptive: this node was stalled. A probe in flight has no verdict (its ack may be sitting
   * unread in our socket buffer, its window ran out while we could not listen): drop it without
   * suspecting anyone or charging our health, and probe again now.
   */
  restartAfterStall(now: number): void {
    const p = this.current;
    if (p === undefined) return;
    const d = this.d;
    if (p.fallbackPending) d.net.abandonFallbackStream(p.seqNo);
    this.current = undefined;
    d.heap.delete(PROBE_STEP);
    d.heap.set(PROBE, now);
  }

  // ------------------------------------------------------------------ acks and nacks

  /** An ack arrived (UDP). */
  onAck(now: number, ack: Ack): void {
    const p = this.current;
    if (p !== undefined && p.seqNo === ack.seqNo && p.phase !== 'await-fallback') {
      const direct = p.phase === 'direct';
      this.endProbe(now, p, -1);
      const d = this.d;
      if (d.detector !== undefined) {
        if (direct) d.detector.observeRtt(p.target, now - p.startMs);
        d.detector.observeProbe(direct ? 'direct' : 'missed');
      }
      // Only a direct ack measures a round trip (state.go probeNode).
      if (direct && d.delegate?.notifyPingComplete !== undefined && d.membership.table.has(p.target)) {
        d.delegate.notifyPingComplete(
          now,
          d.membership.snapshot(p.target),
          now - p.startMs,
          ack.payload ?? new Uint8Array(0),
        );
      }
      return;
    }
    const relay = this.relays.get(ack.seqNo);
    if (relay !== undefined) {
      this.relays.delete(ack.seqNo);
      this.d.heap.delete(relayTimer(ack.seqNo));
      const fwd: Message = { type: 'ack', body: { seqNo: relay.requesterSeqNo, payload: null } };
      this.d.net.sendMsg(relay.requester, encodeMessage(fwd, this.d.writer));
    }
  }

  /** A nack arrived: one helper could not reach our target either. */
  onNack(_now: number, nack: Nack): void {
    const p = this.current;
    if (p !== undefined && p.seqNo === nack.seqNo && p.phase === 'indirect') p.nacks++;
  }

  // ------------------------------------------------------------------ answering others

  /** Answer a ping addressed to us (or to anyone) with an ack, at its source address if given. */
  onPing(_now: number, from: Address, ping: Ping): void {
    const d = this.d;
    if (ping.node !== '' && ping.node !== d.membership.selfName) {
      d.metrics.incr('memberlist_ping_unexpected_node');
      return;
    }
    const to = replyAddress(from, ping.sourceAddr, ping.sourcePort);
    if (to === undefined) return;
    const ack: Message = {
      type: 'ack',
      body: { seqNo: ping.seqNo, payload: d.delegate?.ackPayload() ?? null },
    };
    d.net.sendMsg(to, encodeMessage(ack, d.writer));
  }

  /** Probe `target` for a requester: our own ping, the ack relayed, or a nack after probeTimeout. */
  onIndirectPing(now: number, from: Address, ind: IndirectPing): void {
    const d = this.d;
    const requester = replyAddress(from, ind.sourceAddr, ind.sourcePort);
    if (requester === undefined) return;
    let targetIp: string;
    try {
      targetIp = ipFromBytes(ind.target);
    } catch {
      d.metrics.incr('memberlist_indirect_ping_bad_target');
      return;
    }
    // Port 0 means "same port as yours" (protocol < 2 compatibility, net.go handleIndirectPing).
    const port = ind.port === 0 ? d.selfAddr.port : ind.port;
    const seqNo = this.nextSeqNo();
    this.relays.set(seqNo, { requesterSeqNo: ind.seqNo, requester, nack: ind.nack });
    d.heap.set(relayTimer(seqNo), now + d.config.probeTimeoutMs);
    d.net.sendMsg({ ip: targetIp, port }, encodeMessage(this.ping(seqNo, ind.node), d.writer));
  }

  private relayTimeout(seqNo: number): void {
    const relay = this.relays.get(seqNo);
    if (relay === undefined) return;
    this.relays.delete(seqNo);
    if (relay.nack) {
      const nack: Message = { type: 'nack', body: { seqNo: relay.requesterSeqNo } };
      this.d.net.sendMsg(relay.requester, encodeMessage(nack, this.d.writer));
    }
  }

  /** Answer a TCP ping (net.go handleConn): an ack with the same sequence number, or nothing. */
  streamPingReply(ping: Ping): Message | undefined {
    if (ping.node !== '' && ping.node !== this.d.membership.selfName) return undefined;
    return { type: 'ack', body: { seqNo: ping.seqNo, payload: null } };
  }

  /**
   * After a step threw half-way (a bug, see Swim's entry points): make sure the probe schedule
   * and every relay deadline are armed again, so one failure never switches probing off.
   */
  restoreSchedule(now: number): void {
    const h = this.d.heap;
    if (this.current === undefined) {
      h.delete(PROBE_STEP);
      if (!h.has(PROBE)) h.set(PROBE, now);
    } else {
      h.delete(PROBE);
      if (!h.has(PROBE_STEP)) h.set(PROBE_STEP, now);
    }
    for (const seq of this.relays.keys()) if (!h.has(relayTimer(seq))) h.set(relayTimer(seq), now);
  }

  /** Invariants: one probe at most, its deadlines armed, relays each with a deadline. */
  assertInvariants(): void {
    const h = this.d.heap;
    const p = this.current;
    if (p === undefined) {
      check(h.has(PROBE), 'no probe in flight and none scheduled');
      check(!h.has(PROBE_STEP), 'probe-step armed without a probe');
    } else {
      check(!h.has(PROBE), 'a probe is scheduled while one is in flight');
      check(h.has(PROBE_STEP), 'probe in flight without its deadline');
    }
    for (const seq of this.relays.keys()) check(h.has(relayTimer(seq)), `relay ${seq} without deadline`);
  }

  private ping(seqNo: number, node: string): Message {
    const d = this.d;
    return {
      type: 'ping',
      body: {
        seqNo,
        node,
        sourceAddr: d.selfAddr.ip,
        sourcePort: d.selfAddr.port,
        sourceNode: d.membership.selfName,
      },
    };
  }
}

/** Where to answer: the message's own source address when it carries one, else the packet source. */
function replyAddress(
  from: Address,
  ip: Uint8Array | undefined,
  port: number | undefined,
): Address | undefined {
  if (ip !== undefined && ip.length > 0 && port !== undefined && port > 0) {
    try {
      return { ip: ipFromBytes(ip), port };
    } catch {
      return undefined;
    }
  }
  return from;
}

function check(cond: boolean, msg: string): void {
  if (!cond) throw new Error(`swim invariant violated: ${msg}`);
}
