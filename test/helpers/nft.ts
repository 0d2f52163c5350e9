/**
 * Fault injection on real sockets for tests: an nftables table of the test's own, named
 * `gossip_peer_test_<pid>_<tag>`, whose rules the test writes so that they match only its own
 * ports or addresses; deleted by {@link NftTable.delete}, and on process exit if the test forgot.
 * Drops go on the *input* hook: a silent loss as on a real network (an output drop makes `sendto`
 * fail with EPERM, which no real network does).
 */
import { execFileSync } from 'node:child_process';

/** Whether nft can be used here (installed, and we are root). */
export function nftUsable(): boolean {
  try {
    execFileSync('nft', ['list', 'tables'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** One table of our own in the `inet` family. */
export class NftTable {
  readonly name: string;
  private exists = false;
  private readonly onExit = (): void => this.delete();

  /** `tag`: lowercase letters, digits and `_`, to tell several tables of one test apart. */
  constructor(tag: string) {
    if (!/^[a-z0-9_]+$/.test(tag)) throw new Error(`bad nft table tag ${tag}`);
    this.name = `gossip_peer_test_${process.pid}_${tag}`;
  }

  /**
   * Replace the table with one input-hook chain holding `rules` (nft rule syntax, one per entry),
   * e.g. `ip daddr 127.0.3.7 drop`.
   */
  set(rules: readonly string[]): void {
    const text = [
      `table inet ${this.name} {`,
      '  chain input {',
      '    type filter hook input priority 0; policy accept;',
      ...rules.map((r) => `    ${r}`),
      '  }',
      '}',
      '',
    ].join('\n');
    this.delete();
    execFileSync('nft', ['-f', '-'], { input: text });
    if (!this.exists) process.once('exit', this.onExit);
    this.exists = true;
  }

  /** Delete the table (idempotent). */
  delete(): void {
    if (!this.exists) return;
    try {
      execFileSync('nft', ['delete', 'table', 'inet', this.name], { stdio: 'ignore' });
    } catch {
      // already gone
    }
    this.exists = false;
    process.removeListener('exit', this.onExit);
  }
}
