/**
 * Loads the captured serf packets of test/vectors/ and converts their `decoded` JSON (Go field
 * names, byte fields as {hex}) into our typed messages, so tests can compare both directions.
 */
import { readFileSync } from 'node:fs';
import type {
  Message,
  PushNodeState,
  SerfFilter,
  SerfKeyResponse,
  SerfMember,
  SerfMessage,
  SerfUserEventsSlot,
} from '../../src/wire/messages.js';
import { repoPath } from './repo-root.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the vectors are untyped JSON */

/** One captured vector (see test/vectors/README.md). */
export interface Vector {
  name: string;
  transport: 'udp' | 'tcp';
  layers: string[];
  hex: string;
  length: number;
  key: string | null;
  layerDetails: any[];
  decoded: any;
  plaintextHex?: string;
  decompressedHex?: string;
  byteReproducible: boolean;
  capture: { origin: string };
}

/** Every vector listed in index.json, in index order. */
export function loadVectors(): Vector[] {
  const index = JSON.parse(readFileSync(repoPath('test', 'vectors', 'index.json'), 'utf8')) as {
    vectors: { file: string }[];
  };
  return index.vectors.map(
    (v) => JSON.parse(readFileSync(repoPath('test', 'vectors', v.file), 'utf8')) as Vector,
  );
}

/** Lowercase hex → bytes. */
export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Bytes → lowercase hex. */
export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Base64 → bytes. */
export function fromBase64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

function bytesOf(j: any): Uint8Array {
  if (j === null) return new Uint8Array(0);
  return fromHex(j.hex as string);
}

function nullableBytesOf(j: any): Uint8Array | null {
  return j === null ? null : fromHex(j.hex as string);
}

function optional<T>(o: Record<string, unknown>, key: string, v: T | undefined): void {
  if (v !== undefined) o[key] = v;
}

/**
 * A memberlist message from its JSON. A `user` message's body cannot be rebuilt from JSON alone
 * (the vectors give the decoded Serf message, not its bytes): pass `encodeSerf` to fill it.
 */
export function jsonToMessage(j: any, encodeSerf?: (m: SerfMessage) => Uint8Array): Message {
  const b = j.body;
  switch (j.messageName as string) {
    case 'ping': {
      const body: Record<string, unknown> = { seqNo: b.SeqNo, node: b.Node };
      optional(body, 'sourceAddr', b.SourceAddr === undefined ? undefined : bytesOf(b.SourceAddr));
      optional(body, 'sourcePort', b.SourcePort);
      optional(body, 'sourceNode', b.SourceNode);
      return { type: 'ping', body: body as any };
    }
    case 'indirectPing': {
      const body: Record<string, unknown> = {
        seqNo: b.SeqNo,
        target: bytesOf(b.Target),
        port: b.Port,
        node: b.Node,
        nack: b.Nack,
      };
      optional(body, 'sourceAddr', b.SourceAddr === undefined ? undefined : bytesOf(b.SourceAddr));
      optional(body, 'sourcePort', b.SourcePort);
      optional(body, 'sourceNode', b.SourceNode);
      return { type: 'indirectPing', body: body as any };
    }
    case 'ackResp':
      return { type: 'ack', body: { seqNo: b.SeqNo, payload: nullableBytesOf(b.Payload) } };
    case 'nackResp':
      return { type: 'nack', body: { seqNo: b.SeqNo } };
    case 'suspect':
      return { type: 'suspect', body: { incarnation: b.Incarnation, node: b.Node, from: b.From } };
    case 'dead':
      return { type: 'dead', body: { incarnation: b.Incarnation, node: b.Node, from: b.From } };
    case 'alive':
      return {
        type: 'alive',
        body: {
          incarnation: b.Incarnation,
          node: b.Node,
          addr: bytesOf(b.Addr),
          port: b.Port,
          meta: bytesOf(b.Meta),
          vsn: bytesOf(b.Vsn),
        },
      };
    case 'pushPull':
      return {
        type: 'pushPull',
        body: {
          join: j.header.Join,
          nodes: (j.nodes as any[]).map(jsonToNodeState),
          userState: bytesOf(j.userState),
        },
      };
    case 'user':
      if (encodeSerf === undefined) throw new Error('a user message needs encodeSerf');
      return { type: 'user', body: encodeSerf(jsonToSerf(j.serf, encodeSerf)) };
    default:
      throw new Error(`unknown memberlist message ${j.messageName}`);
  }
}

function jsonToNodeState(n: any): PushNodeState {
  return {
    name: n.Name,
    addr: bytesOf(n.Addr),
    port: n.Port,
    meta: bytesOf(n.Meta),
    incarnation: n.Incarnation,
    state: n.State,
    vsn: bytesOf(n.Vsn),
  };
}

/** A Serf relay's inner message is kept as JSON here: tests compare it after decoding. */
export type SerfJson = any;

/** A Serf message (types 0–5) from its JSON; a relay's `inner` needs `encodeSerf`. */
export function jsonToSerf(j: any, encodeSerf?: (m: SerfMessage) => Uint8Array): SerfMessage {
  const b = j.body;
  switch (j.messageName as string) {
    case 'leave':
      return { type: 'leave', body: { lTime: b.LTime, node: b.Node, prune: b.Prune } };
    case 'join':
      return { type: 'join', body: { lTime: b.LTime, node: b.Node } };
    case 'pushPull':
      return {
        type: 'pushPull',
        body: {
          lTime: b.LTime,
          statusLTimes: new Map(Object.entries(b.StatusLTimes as Record<string, number>)),
          leftMembers: b.LeftMembers ?? [],
          eventLTime: b.EventLTime,
          events: (b.Events as any[]).map((s): SerfUserEventsSlot | null =>
            s === null
              ? null
              : {
                  lTime: s.LTime,
                  events: (s.Events as any[]).map((e) => ({
                    name: e.Name,
                    payload: nullableBytesOf(e.Payload),
                  })),
                },
          ),
          queryLTime: b.QueryLTime,
        },
      };
    case 'userEvent':
      return {
        type: 'userEvent',
        body: { lTime: b.LTime, name: b.Name, payload: nullableBytesOf(b.Payload), cc: b.CC },
      };
    case 'query':
      return {
        type: 'query',
        body: {
          lTime: b.LTime,
          id: b.ID,
          addr: bytesOf(b.Addr),
          port: b.Port,
          sourceNode: b.SourceNode,
          filters: b.Filters === null ? null : (b.Filters as any[]).map(bytesOf),
          flags: b.Flags,
          relayFactor: b.RelayFactor,
          timeout: b.Timeout,
          name: b.Name,
          payload: nullableBytesOf(b.Payload),
        },
      };
    case 'queryResponse':
      return {
        type: 'queryResponse',
        body: { lTime: b.LTime, id: b.ID, from: b.From, flags: b.Flags, payload: nullableBytesOf(b.Payload) },
      };
    case 'relay':
      if (encodeSerf === undefined) throw new Error('a relay needs encodeSerf');
      return {
        type: 'relay',
        header: {
          destAddr: {
            ip: bytesOf(j.header.DestAddr.IP),
            port: j.header.DestAddr.Port,
            zone: j.header.DestAddr.Zone,
          },
          destName: j.header.DestName,
        },
        inner: encodeSerf(jsonToSerf(j.inner, encodeSerf)),
      };
    default:
      throw new Error(`not a Serf gossip message: ${j.messageName}`);
  }
}

/** A query filter from its JSON helper annotation. */
export function jsonToFilter(f: any): SerfFilter {
  if (f.type === 0) return { type: 'node', nodes: f.nodes };
  return { type: 'tag', tag: f.body.Tag, expr: f.body.Expr };
}

/** A key response from its JSON. */
export function jsonToKeyResponse(b: any): SerfKeyResponse {
  return { result: b.Result, message: b.Message, keys: b.Keys, primaryKey: b.PrimaryKey };
}

/** A conflict-response Member from its JSON. */
export function jsonToMember(b: any): SerfMember {
  return {
    name: b.Name,
    addr: bytesOf(b.Addr),
    port: b.Port,
    tags: new Map(Object.entries(b.Tags as Record<string, string>)),
    status: b.Status,
    protocolMin: b.ProtocolMin,
    protocolMax: b.ProtocolMax,
    protocolCur: b.ProtocolCur,
    delegateMin: b.DelegateMin,
    delegateMax: b.DelegateMax,
    delegateCur: b.DelegateCur,
  };
}

/** Tags from a Meta field's `tags` annotation, in wire order. */
export function jsonToTags(t: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(t));
}
