/**
 * memberlist's AES-GCM encryption and keyring (memberlist: security.go, keyring.go; reference §7).
 *
 * Sealed layout: `version | nonce(12) | ciphertext | tag(16)`. Version 1 (every Serf agent: its
 * memberlist protocol is 2) has no padding; version 0 PKCS#7-pads the plaintext to 16 bytes first.
 * The key length picks AES-128/192/256. UDP packets have no additional authenticated data; TCP
 * streams authenticate their 5-byte `0a | length` header.
 */

import { createCipheriv, createDecipheriv } from 'node:crypto';
import { DecodeError, EncodeError, GossipError } from './errors.js';

/** Encryption message versions memberlist 0.2.2 understands. */
export type EncryptionVersion = 0 | 1;

const VERSION_BYTES = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const BLOCK_BYTES = 16;

/** Length of a sealed message for `plaintextBytes` of input (memberlist: security.go `encryptedLength`). */
export function encryptedLength(version: EncryptionVersion, plaintextBytes: number): number {
  if (version >= 1) return VERSION_BYTES + NONCE_BYTES + plaintextBytes + TAG_BYTES;
  const padding = BLOCK_BYTES - (plaintextBytes % BLOCK_BYTES);
  return VERSION_BYTES + NONCE_BYTES + plaintextBytes + padding + TAG_BYTES;
}

/** Throw a `GP_ERR_KEYRING` error unless `key` is 16, 24 or 32 bytes (memberlist: keyring.go `ValidateKey`). */
export function validateKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || (key.length !== 16 && key.length !== 24 && key.length !== 32)) {
    throw new GossipError('GP_ERR_KEYRING', 'key size must be 16, 24 or 32 bytes');
  }
}

/** A key from its base64 text (what `serf keygen` prints and `-encrypt` takes). */
export function keyFromBase64(text: string): Uint8Array {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(trimmed) || trimmed.length % 4 !== 0) {
    throw new GossipError('GP_ERR_KEYRING', 'key is not valid base64');
  }
  const key = new Uint8Array(Buffer.from(trimmed, 'base64'));
  validateKey(key);
  return key;
}

/** The base64 text of a key (as `serf keys -list` shows it). */
export function keyToBase64(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The installed keys, primary first, with memberlist's rules: the primary encrypts, every key is
 * tried to decrypt; adding keeps the primary (the first key ever added is primary); `use` moves an
 * installed key to the front; removing the primary is refused. Keys are copied in and must not be
 * mutated through the arrays handed out. A keyring always holds at least one key (no keyring =
 * no encryption: pass `null` to the packet and stream functions).
 */
export class Keyring {
  private list: Uint8Array[] = [];

  /** @param keys the first one becomes primary; duplicates are ignored. */
  constructor(keys: readonly Uint8Array[]) {
    if (keys.length === 0) throw new GossipError('GP_ERR_KEYRING', 'a keyring needs at least one key');
    for (const k of keys) this.add(k);
  }

  /** The key that encrypts everything we send. */
  primary(): Uint8Array {
    return this.list[0]!;
  }

  /** Every installed key, primary first (a new array; do not mutate the keys). */
  keys(): Uint8Array[] {
    return [...this.list];
  }

  /** Number of installed keys. */
  get size(): number {
    return this.list.length;
  }

  /** Whether `key` is installed. */
  has(key: Uint8Array): boolean {
    return this.list.some((k) => sameBytes(k, key));
  }

  /** Install `key` (no-op if already installed). Returns whether it was new. */
  add(key: Uint8Array): boolean {
    validateKey(key);
    if (this.has(key)) return false;
    this.list.push(key.slice());
    return true;
  }

  /** Make an installed key the primary. Refused (`GP_ERR_KEYRING`) if it is not installed. */
  use(key: Uint8Array): void {
    const i = this.list.findIndex((k) => sameBytes(k, key));
    if (i < 0) throw new GossipError('GP_ERR_KEYRING', 'Requested key is not in the keyring');
    const [k] = this.list.splice(i, 1);
    this.list.unshift(k!);
  }

  /** Uninstall `key`; refused for the primary (`GP_ERR_KEYRING`). Returns whether it was installed. */
  remove(key: Uint8Array): boolean {
    if (sameBytes(this.list[0]!, key)) {
      throw new GossipError('GP_ERR_KEYRING', 'Removing the primary key is not allowed');
    }
    const i = this.list.findIndex((k) => sameBytes(k, key));
    if (i < 0) return false;
    this.list.splice(i, 1);
    return true;
  }
}

function algorithm(key: Uint8Array): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  return key.length === 16 ? 'aes-128-gcm' : key.length === 24 ? 'aes-192-gcm' : 'aes-256-gcm';
}

/**
 * Seal `plaintext` with `key` and the given 12-byte `nonce` (from the injected Random: the real
 * runtime backs it with crypto; a recorded nonce reproduces a captured packet). `aad` is the
 * additional authenticated data (stream header) or absent (UDP).
 */
export function encryptPayload(
  version: EncryptionVersion,
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad?: Uint8Array,
): Uint8Array {
  validateKey(key);
  if (nonce.length !== NONCE_BYTES) throw new EncodeError(`nonce must be ${NONCE_BYTES} bytes`);
  if (version !== 0 && version !== 1)
    throw new EncodeError(`unsupported encryption version ${String(version)}`);
  let input = plaintext;
  if (version === 0) {
    // PKCS#7: 1–16 bytes, each equal to the pad length (memberlist: security.go pkcs7encode).
    const pad = BLOCK_BYTES - (plaintext.length % BLOCK_BYTES);
    input = new Uint8Array(plaintext.length + pad);
    input.set(plaintext);
    input.fill(pad, plaintext.length);
  }
  const cipher = createCipheriv(algorithm(key), key, nonce);
  if (aad !== undefined) cipher.setAAD(aad);
  const a = cipher.update(input);
  const b = cipher.final();
  const tag = cipher.getAuthTag();
  const out = new Uint8Array(VERSION_BYTES + NONCE_BYTES + a.length + b.length + TAG_BYTES);
  out[0] = version;
  out.set(nonce, VERSION_BYTES);
  out.set(a, VERSION_BYTES + NONCE_BYTES);
  out.set(b, VERSION_BYTES + NONCE_BYTES + a.length);
  out.set(tag, out.length - TAG_BYTES);
  return out;
}

function open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array | undefined): Uint8Array | undefined {
  const nonce = sealed.subarray(VERSION_BYTES, VERSION_BYTES + NONCE_BYTES);
  const body = sealed.subarray(VERSION_BYTES + NONCE_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  try {
    const d = createDecipheriv(algorithm(key), key, nonce);
    d.setAuthTag(tag);
    if (aad !== undefined) d.setAAD(aad);
    const a = d.update(body);
    const b = d.final();
    if (b.length === 0) return new Uint8Array(a.buffer, a.byteOffset, a.length);
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  } catch {
    return undefined; // authentication failed: try the next key
  }
}

/**
 * Open a sealed message with the first key that authenticates it, in keyring order (memberlist:
 * security.go `decryptPayload`). Throws {@link DecodeError} with Go's wording when the version is
 * unknown, the input is too short, no key fits, or version-0 padding is invalid.
 */
export function decryptPayload(
  keys: readonly Uint8Array[],
  sealed: Uint8Array,
  aad?: Uint8Array,
): Uint8Array {
  if (sealed.length === 0) throw new DecodeError('Cannot decrypt empty payload');
  const version = sealed[0]!;
  if (version > 1) throw new DecodeError(`Unsupported encryption version ${version}`);
  if (sealed.length < encryptedLength(version as EncryptionVersion, 0)) {
    throw new DecodeError(`Payload is too small to decrypt: ${sealed.length}`);
  }
  for (const key of keys) {
    const plain = open(key, sealed, aad);
    if (plain === undefined) continue;
    if (version === 1) return plain;
    // Go slices off buf[n-1] bytes without checking (a key holder could panic it); we check.
    const pad = plain[plain.length - 1] ?? 0;
    if (pad < 1 || pad > BLOCK_BYTES || pad > plain.length) throw new DecodeError('invalid PKCS#7 padding');
    return plain.subarray(0, plain.length - pad);
  }
  throw new DecodeError('No installed keys could decrypt the message');
}
