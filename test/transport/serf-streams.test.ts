import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { TcpEndpoint } from '../../src/transport/tcp.js';
import { newStreamFramer } from '../../src/wire/stream.js';
import { fromHex, loadVectors, toHex } from '../helpers/wire-vectors.js';
import { deferred, withTimeout } from '../helpers/wait.js';

const tcpVectors = loadVectors().filter((v) => v.transport === 'tcp');

test('every captured serf TCP stream is framed exactly, whatever the chunking, with no EOF needed', async () => {
  assert.ok(tcpVectors.length >= 10, 'the TCP vectors are there');
  let pending = deferred<Uint8Array>();
  const ep = await TcpEndpoint.open(
    { ip: '127.0.0.1', port: 0, newFramer: newStreamFramer, readTimeoutMs: 5000 },
    {
      onStream: (_from, request) => {
        pending.resolve(request);
        return Uint8Array.of(0xaa);
      },
      onError: (e) => pending.reject(e),
    },
  );
  try {
    for (const v of tcpVectors) {
      const bytes = fromHex(v.hex);
      for (const chunk of [1, 7, bytes.length]) {
        pending = deferred<Uint8Array>();
        // Like memberlist's dialer: write the request, keep the socket open, wait for the reply.
        const reply = new Promise<number>((resolve, reject) => {
          const s = connect({ host: '127.0.0.1', port: ep.address.port });
          s.on('error', reject);
          s.on('data', (d: Buffer) => resolve(d[0]!));
          s.on('connect', async () => {
            for (let i = 0; i < bytes.length; i += chunk) {
              s.write(bytes.subarray(i, i + chunk));
              if (chunk === 1) await new Promise((r) => setImmediate(r));
            }
          });
        });
        const got = await withTimeout(`${v.name} in chunks of ${chunk}`, pending.promise);
        assert.equal(toHex(got), v.hex, `${v.name} framed as captured`);
        assert.equal(await withTimeout('the reply', reply), 0xaa);
      }
    }
  } finally {
    await ep.close();
  }
});
