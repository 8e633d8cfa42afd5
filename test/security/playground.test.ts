/**
 * The demo's Agents Playground answers as the demo's admin to whoever connects, so it listens on
 * loopback only: reachable at 127.0.0.1, refused on the machine's other addresses.
 */
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { playgroundInstalled, SANDBOX_ADMIN, SANDBOX_TENANT, startPlayground } from '../../src/sandbox';

const PORT = 56_193;

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

test('the Agents Playground listens on loopback only', async () => {
  // A devDependency: the demo without it has no playground to expose.
  expect(playgroundInstalled()).toBe(true);
  const outside = Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined && !i.internal && i.family === 'IPv4')
    .map((i) => i!.address);
  expect(outside.length).toBeGreaterThan(0);
  const playground = await startPlayground({ botEndpoint: 'http://127.0.0.1:9/api/messages', port: PORT, user: SANDBOX_ADMIN, tenantId: SANDBOX_TENANT });
  try {
    expect(await reachable('127.0.0.1', PORT)).toBe(true);
    for (const address of outside) expect(await reachable(address, PORT)).toBe(false);
  } finally {
    await playground.stop();
  }
});
