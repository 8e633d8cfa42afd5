/** The account check `kb4sync doctor` runs: one `GET /Users?count=1`, and the fix for each failure. */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Secret } from '../../src/shared';
import { Kb4ScimClient, probeScim } from '../../src/knowbe4';
import { makeSandboxCertificate } from '../../src/sandbox/graph';
import { rig, TOKEN, users, type Rig } from '../helpers/knowbe4';

let r: Rig;
beforeEach(async () => {
  r = await rig({ users: users(3) }, { retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 1 } });
});
afterEach(() => r.sandbox.stop());

test('a working account: exactly one GET /Users?count=1, and the user count', async () => {
  expect(await probeScim(r.client, 'ACME_KB4_SCIM_TOKEN')).toEqual({ ok: true, detail: `GET /Users?count=1 answered by ${r.sandbox.url} (3 users)` });
  expect(r.sandbox.controls.requests().map((q) => [q.method, q.path, q.query])).toEqual([['GET', '/Users', { count: '1' }]]);
});

test('401, 403 and 404 each name their fix; no token is printed', async () => {
  r.sandbox.controls.failNext(1, 403);
  const forbidden = await probeScim(r.client, 'ACME_KB4_SCIM_TOKEN');
  expect(forbidden).toMatchObject({ ok: false, fix: expect.stringContaining('select SCIM (v2) as the provisioning method') });

  const wrongPath = r.makeClient({ baseUrl: r.sandbox.url.replace('/scim/v2', '/scim/v1') });
  expect(await probeScim(wrongPath, 'ACME_KB4_SCIM_TOKEN')).toMatchObject({ ok: false, detail: expect.stringContaining('404'), fix: expect.stringContaining('copy it exactly from KnowBe4 console > Account Settings > User Management > User Provisioning > Tenant URL') });

  r.sandbox.controls.revokeScimToken();
  const revoked = await probeScim(r.client, 'ACME_KB4_SCIM_TOKEN');
  expect(revoked).toMatchObject({ ok: false, fix: expect.stringMatching(/regenerated or revoked: create a new one in .*Regenerate SCIM Token and put it in ACME_KB4_SCIM_TOKEN/) });
  expect(JSON.stringify([forbidden, revoked])).not.toContain(TOKEN);
});

test('a certificate that cannot be verified is a TLS failure, not retried, with the fix', async () => {
  const tls = await makeSandboxCertificate();
  const server = createServer({ key: tls.key, cert: tls.cert }, (_req, res) => res.end('{}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let connections = 0;
  // Counted on TCP accept, which comes before the certificate the client then refuses.
  server.on('connection', () => (connections += 1));
  try {
    const client = new Kb4ScimClient({ baseUrl: `https://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`, token: new Secret(TOKEN), retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 1 } });
    const result = await probeScim(client, 'ACME_KB4_SCIM_TOKEN');
    expect(result).toMatchObject({ ok: false, detail: expect.stringMatching(/TLS connection failed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/), fix: expect.stringContaining('NODE_EXTRA_CA_CERTS') });
    expect(connections).toBe(1);
  } finally {
    server.close();
  }
});
