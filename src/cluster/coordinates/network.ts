/**
 * Network coordinates carried the way Serf carries them (serf: serf/ping_delegate.go, serf.go
 * `coordCache`): every ack we send to a ping holds our coordinate, and when one of our own direct
 * probes is acked we fold the measured round trip and the peer's coordinate into our estimate and
 * remember the peer's coordinate, so that any two known nodes have an estimated round trip.
 *
 * The ack payload is `01 | msgpack Coordinate` (Serf's PingVersion 1). An empty payload (a
 * memberlist node without the Serf layer, or a TCP-fallback ack) is ignored, as serf does; a
 * payload with another version, one that does not decode, or a coordinate the client rejects is
 * counted and logged at debug, never thrown.
 */
import type { Logger, Metrics } from '../../core/logger.js';
import type { Random } from '../../core/random.js';
import { GossipError } from '../../wire/errors.js';
import { decodeCoordinatePayload, encodeCoordinatePayload } from '../../wire/serf-codec.js';
import { VivaldiClient } from './client.js';
import { resolveVivaldiConfig, type VivaldiConfig } from './config.js';
import { distanceSeconds, isCompatible, type Coordinate } from './coordinate.js';

/** Dependencies of {@link NetworkCoordinates}. */
export interface NetworkCoordinatesOptions {
  /** Our node name: our own coordinate is cached under it, as serf does. */
  readonly selfName: string;
  readonly random: Random;
  readonly config?: Partial<VivaldiConfig>;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** See the module comment. */
export class NetworkCoordinates {
  private readonly client: VivaldiClient;
  private readonly cache = new Map<string, Coordinate>();
  private readonly selfName: string;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  /** Our coordinate encoded for acks; rebuilt only after it moves (every ping is answered). */
  private payload: Uint8Array | undefined;

  constructor(opts: NetworkCoordinatesOptions) {
    this.client = new VivaldiClient(resolveVivaldiConfig(opts.config), opts.random);
    this.selfName = opts.selfName;
    this.log = opts.logger;
    this.metrics = opts.metrics;
    this.cache.set(this.selfName, this.client.coordinate);
  }

  /** Our own coordinate. */
  self(): Coordinate {
    return this.client.coordinate;
  }

  /** The last coordinate learnt for `node` (ours under our own name), if any. */
  get(node: string): Coordinate | undefined {
    return this.cache.get(node);
  }

  /** Every cached coordinate by node name (ours included). */
  all(): ReadonlyMap<string, Coordinate> {
    return this.cache;
  }

  /** Times our coordinate was reset after becoming invalid (serf stats `coordinate_resets`). */
  get resets(): number {
    return this.client.resets;
  }

  /**
   * Estimated round trip in seconds between two nodes whose coordinates we know (serf `rtt`
   * computes it from the same cache), or undefined when either is unknown.
   */
  rttSeconds(a: string, b: string): number | undefined {
    const ca = this.cache.get(a);
    const cb = this.cache.get(b);
    if (ca === undefined || cb === undefined || !isCompatible(ca, cb)) return undefined;
    return distanceSeconds(ca, cb);
  }

  /** The payload for an ack we send (serf `AckPayload`). */
  ackPayload(): Uint8Array {
    if (this.payload === undefined) {
      const c = this.client.coordinate;
      this.payload = encodeCoordinatePayload({
        vec: [...c.vec],
        error: c.error,
        adjustment: c.adjustment,
        height: c.height,
      });
    }
    return this.payload;
  }

  /**
   * One of our direct probes of `node` was acked after `rttMs` with `payload` (serf
   * `NotifyPingComplete`).
   */
  onPingComplete(node: string, rttMs: number, payload: Uint8Array): void {
    if (payload.length === 0) return;
    let other: Coordinate;
    try {
      other = decodeCoordinatePayload(payload);
    } catch (err) {
      if (!(err instanceof GossipError)) throw err;
      this.metrics.incr('serf_coordinate_decode_failed');
      this.log.debug({ node, err: err.message }, 'failed to decode coordinate from ping');
      return;
    }
    const before = this.client.coordinate;
    const r = this.client.update(node, other, Math.round(rttMs * 1e6));
    if (!r.ok) {
      this.metrics.incr('serf_coordinate_rejected');
      this.log.trace({ node, reason: r.reason }, 'rejected coordinate');
      return;
    }
    this.payload = undefined;
    this.metrics.observe('serf_coordinate_adjustment_ms', distanceSeconds(before, r.coordinate) * 1e3);
    this.cache.set(node, other);
    this.cache.set(this.selfName, r.coordinate);
  }

  /** `node` was reaped: forget its samples and its coordinate (serf `eraseNode`). */
  forget(node: string): void {
    if (node === this.selfName) return;
    this.client.forget(node);
    this.cache.delete(node);
  }
}
