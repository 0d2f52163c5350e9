/**
 * Wire codec throughput: encode+decode round trips per second for the messages the simulator
 * pushes most (ping, alive), plain and through a full sealed packet. Run with
 * `npm run build && node dist/bench/wire-codec.js [seconds-per-case]`. Prints one line per case.
 */
import { SeededRandom } from '../src/core/random.js';
import { Keyring } from '../src/wire/keyring.js';
import { decodeMessage, encodeMessage } from '../src/wire/memberlist-codec.js';
import type { Message } from '../src/wire/messages.js';
import { Writer } from '../src/wire/msgpack.js';
import { openPacket, sealPacket } from '../src/wire/packet.js';
import { encodeSerfUserMessage } from '../src/wire/serf-codec.js';
import { encodeTags } from '../src/wire/tags.js';

const seconds = Number(process.argv[2] ?? 1);
const ip = new Uint8Array([10, 0, 0, 5]);
const ping: Message = {
  type: 'ping',
  body: { seqNo: 12345, node: 'node-0042', sourceAddr: ip, sourcePort: 7946, sourceNode: 'node-0007' },
};
const alive: Message = {
  type: 'alive',
  body: {
    incarnation: 3,
    node: 'node-0042',
    addr: ip,
    port: 7946,
    meta: encodeTags({ role: 'web', dc: 'east' }),
    vsn: new Uint8Array([1, 5, 2, 2, 5, 5]),
  },
};

/**
 * Runs `f` for about `seconds` of wall time and reports operations per second of this process's
 * CPU time (user + system), which stays meaningful on a shared, loaded machine, and per wall second.
 */
function measure(name: string, f: () => void): void {
  for (let i = 0; i < 20_000; i++) f(); // warm up
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) f();
    n += 1000;
  }
  const wall = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  const fmt = (x: number): string => Math.round(x).toLocaleString('en-US').padStart(11);
  console.log(`${name.padEnd(52)} ${fmt(n / cpuSec)} /cpu-s ${fmt(n / wall)} /wall-s`);
}

const w = new Writer(512);
const random = new SeededRandom(1);
const ring = new Keyring([new Uint8Array(32).fill(7)]);
const join = encodeSerfUserMessage({ type: 'join', body: { lTime: 12, node: 'node-0042' } });

measure('ping encode+decode', () => decodeMessage(encodeMessage(ping, w)));
measure('alive encode+decode', () => decodeMessage(encodeMessage(alive, w)));
measure('ping encode only (reused writer)', () => encodeMessage(ping, w));
measure(
  'alive decode only',
  (
    (b: Uint8Array) => () =>
      decodeMessage(b)
  )(encodeMessage(alive)),
);
measure('gossip packet [alive, alive, join] seal+open (crc)', () =>
  openPacket(
    sealPacket(
      [encodeMessage(alive, w), encodeMessage(alive, w), join],
      { compress: false, crc: true, keyring: null },
      random,
    ),
    null,
  ),
);
measure('same packet with compress-if-smaller', () =>
  openPacket(
    sealPacket(
      [encodeMessage(alive, w), encodeMessage(alive, w), join],
      { compress: true, crc: true, keyring: null },
      random,
    ),
    null,
  ),
);
measure('same packet encrypted (AES-256-GCM)', () =>
  openPacket(
    sealPacket(
      [encodeMessage(alive, w), encodeMessage(alive, w), join],
      { compress: false, crc: true, keyring: ring },
      random,
    ),
    ring,
  ),
);
