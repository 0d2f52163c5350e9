/**
 * Key management through internal queries (serf: serf/internal_query.go `handleInstallKey` …,
 * serf/keymanager.go; reference §11.8). Responder side: apply `_serf_install-key`, `_serf_use-key`,
 * `_serf_remove-key` to our keyring and answer `_serf_list-keys`. Requester side: tally the
 * answers the way `serf keys` does — success only if every member memberlist counts as alive or
 * suspect answered with `Result: true`.
 */
import type { SerfKeyRequest, SerfKeyResponse } from '../wire/messages.js';

/** The key-management internal queries (names after the `_serf_` prefix). */
export type KeyQuery = 'install-key' | 'use-key' | 'remove-key' | 'list-keys';

/** Is `name` (after the `_serf_` prefix) a key-management query? */
export function isKeyQuery(name: string): name is KeyQuery {
  return name === 'install-key' || name === 'use-key' || name === 'remove-key' || name === 'list-keys';
}

/**
 * The keyring operations key queries need — wire's `Keyring` (memberlist keyring.go rules: `add`
 * of an installed key is a no-op and keeps the primary; `use` moves a key to the front; `remove`
 * of the primary is refused). Failures throw a {@link GossipError} whose message is Go's.
 */
export interface MutableKeyring {
  keys(): Uint8Array[];
  primary(): Uint8Array;
  add(key: Uint8Array): void;
  use(key: Uint8Array): void;
  remove(key: Uint8Array): void;
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/**
 * Answer one key query. `request` is the decoded keyRequest, or `'invalid'` when the payload could
 * not be decoded; `keyring` is null when encryption is off. Go answers with `Result: false` and a
 * message in every failure case so `serf keys` can report it.
 */
export function answerKeyQuery(
  query: KeyQuery,
  request: SerfKeyRequest | 'invalid',
  keyring: MutableKeyring | null,
): SerfKeyResponse {
  const fail = (message: string): SerfKeyResponse => ({ result: false, message, keys: null, primaryKey: '' });
  if (query === 'list-keys') {
    // Go does not decode the request for list-keys.
    if (keyring === null) return fail('Keyring is empty (encryption not enabled)');
    return { result: true, message: '', keys: keyring.keys().map(b64), primaryKey: b64(keyring.primary()) };
  }
  // Go reports a decode failure with an empty message.
  if (request === 'invalid') return fail('');
  if (keyring === null) return fail('No keyring to modify (encryption not enabled)');
  try {
    if (query === 'install-key') keyring.add(request.key);
    else if (query === 'use-key') keyring.use(request.key);
    else keyring.remove(request.key);
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  return { result: true, message: '', keys: null, primaryKey: '' };
}

/** QueryResponseSizeLimit / minEncodedKeyLength (25): how many keys list-keys tries first. */
export function maxListedKeys(queryResponseSizeLimit: number): number {
  return Math.floor(queryResponseSizeLimit / 25);
}

/**
 * Shrink a list-keys answer until `fits` accepts it (serf: `keyListResponseWithCorrectSize`):
 * keep the first i keys and say `truncated key list response, showing first i of n keys`.
 * Returns null if even an empty list does not fit.
 */
export function fitKeyList(
  resp: SerfKeyResponse,
  queryResponseSizeLimit: number,
  fits: (r: SerfKeyResponse) => boolean,
): SerfKeyResponse | null {
  const all = resp.keys ?? [];
  let cur = resp;
  for (let i = maxListedKeys(queryResponseSizeLimit); i >= 0; i--) {
    if (fits(cur)) return cur;
    cur = {
      ...resp,
      keys: all.slice(0, i),
      message: `truncated key list response, showing first ${i} of ${all.length} keys`,
    };
  }
  return null;
}

/** The outcome of a key operation across the cluster (serf `KeyResponse`). */
export interface KeyOperationResult {
  /** Node name → message (failures, and warnings such as truncation). */
  readonly messages: Readonly<Record<string, string>>;
  /** Members memberlist counts as alive or suspect when the query was sent. */
  readonly numNodes: number;
  readonly numResp: number;
  readonly numErr: number;
  /** list-keys: base64 key → how many nodes have it. */
  readonly keys: Readonly<Record<string, number>>;
  /** list-keys: base64 primary key → how many nodes use it. */
  readonly primaryKeys: Readonly<Record<string, number>>;
  /** True when every node answered with success (serf keys exits 0). */
  readonly ok: boolean;
  /** Serf's error line when not ok: `N/M nodes reported failure` / `N/M nodes reported success`. */
  readonly error?: string;
}

/** Collects key-query responses as `serf keys` does. */
export class KeyResponseTally {
  private readonly messages: Record<string, string> = {};
  private readonly keys: Record<string, number> = {};
  private readonly primaryKeys: Record<string, number> = {};
  private numResp = 0;
  private numErr = 0;

  constructor(private readonly numNodes: number) {}

  /** Count one response; `decoded` is 'invalid' when its payload is not a keyResponse. */
  add(from: string, decoded: SerfKeyResponse | 'invalid'): void {
    this.numResp++;
    if (decoded === 'invalid') {
      this.messages[from] = 'Invalid key query response';
      this.numErr++;
      return;
    }
    if (!decoded.result) {
      this.messages[from] = decoded.message;
      this.numErr++;
    }
    if (decoded.result && decoded.message.length > 0) this.messages[from] = decoded.message;
    for (const k of decoded.keys ?? []) this.keys[k] = (this.keys[k] ?? 0) + 1;
    this.primaryKeys[decoded.primaryKey] = (this.primaryKeys[decoded.primaryKey] ?? 0) + 1;
  }

  /** Serf stops collecting once every node answered. */
  done(): boolean {
    return this.numResp >= this.numNodes;
  }

  /** The final result. */
  result(): KeyOperationResult {
    const base = {
      messages: { ...this.messages },
      numNodes: this.numNodes,
      numResp: this.numResp,
      numErr: this.numErr,
      keys: { ...this.keys },
      primaryKeys: { ...this.primaryKeys },
    };
    if (this.numErr !== 0)
      return { ...base, ok: false, error: `${this.numErr}/${this.numNodes} nodes reported failure` };
    if (this.numResp !== this.numNodes) {
      return { ...base, ok: false, error: `${this.numResp}/${this.numNodes} nodes reported success` };
    }
    return { ...base, ok: true };
  }
}
