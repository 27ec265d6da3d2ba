// The /proc readers behind process_network_*_bytes_total and process_virtual_memory_max_bytes, on captured text,
// and the metrics themselves on this machine's /proc.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { addressSpaceLimit, networkBytes, registerProcessMetrics } from '../../../src/operator/process-metrics.js';

const netDev = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 5631223637 7588318    0    0    0     0          0         0 5631223637 7588318    0    0    0     0       0          0
  eth0:    1000      10    0    0    0     0          0         0      250       3    0    0    0     0       0          0
`;

describe('process metrics ESO exposes beyond prom-client defaults', () => {
  it('sums received and transmitted bytes over all interfaces', () => {
    assert.deepEqual(networkBytes(netDev), { received: 5631224637, transmitted: 5631223887 });
    assert.deepEqual(networkBytes(''), { received: 0, transmitted: 0 });
  });

  it('reads the address-space limit, 2^64 when unlimited as Go reports it', () => {
    const limits = (soft: string) =>
      `Limit                     Soft Limit           Hard Limit           Units\nMax address space         ${soft}            unlimited            bytes\n`;
    assert.equal(addressSpaceLimit(limits('unlimited')), 2 ** 64);
    assert.equal(addressSpaceLimit(limits('4294967296')), 4294967296);
    assert.equal(addressSpaceLimit('Limit Soft Hard Units\n'), undefined);
  });

  it(
    'serves the three series from /proc',
    { skip: existsSync('/proc/self/net/dev') ? false : 'no /proc' },
    async () => {
      const registry = new Registry();
      registerProcessMetrics(registry);
      const text = await registry.metrics();
      assert.match(text, /^process_network_receive_bytes_total \d/m);
      assert.match(text, /^process_network_transmit_bytes_total \d/m);
      assert.match(text, /^process_virtual_memory_max_bytes \d/m);
    },
  );
});
