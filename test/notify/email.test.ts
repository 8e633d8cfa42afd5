/** E-mail notifications through Graph sendMail, against the Graph sandbox over real HTTP(S). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, resolveEmailCredential } from '../../src/config';
import { EmailNotifier, emailFor } from '../../src/notify/email';
import type { NotifyEvent } from '../../src/notify/events';
import { startGraphSandbox, type GraphSandbox } from '../../src/sandbox/graph';
import { generateTenant, seedOf } from '../../src/sandbox/tenants';

const TENANT = '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f60';
const APP = '3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6a71';
const tenant = generateTenant({ seed: seedOf('mail'), displayName: 'MSP', domain: 'msp.example', tenantId: TENANT, members: 5 });
const sender = tenant.users.find((u) => u.mail)?.mail as string;

let graph: GraphSandbox;
let caFile: string;
beforeAll(async () => {
  graph = await startGraphSandbox({ tenants: [{ tenant, apps: [{ clientId: APP, clientSecret: 'mail-secret', roles: ['Mail.Send'] }] }] });
  caFile = join(mkdtempSync(join(tmpdir(), 'kb4sync-mail-')), 'ca.pem');
  writeFileSync(caFile, graph.ca);
});
afterAll(() => graph.stop());

const company = { id: 'acme', name: 'Acme', m365: { tenantId: TENANT, clientId: APP, clientSecretEnv: 'X' }, knowbe4: { scimUrl: 'https://kb4.invalid/scim/v2', scimTokenEnv: 'Y' } };
const event: NotifyEvent = {
  kind: 'failure',
  company: { id: 'acme', name: 'Acme Corp' },
  problem: { kind: 'credential', code: 'scim-token-refused', service: 'KnowBe4', message: 'KnowBe4 refused the SCIM token.', fix: 'Regenerate it.' },
  consecutiveFailures: 2,
};

function notifier() {
  const config = parseConfig({
    companies: [company],
    notifications: { email: { m365: { tenantId: TENANT, clientId: APP, clientSecretEnv: 'MAIL_SECRET', graphUrl: graph.url, authorityHost: graph.authorityHost, caFile }, from: sender, to: ['ops@msp.example', 'oncall@msp.example'] } },
  });
  return new EmailNotifier(config.notifications.email!, resolveEmailCredential(config, { MAIL_SECRET: 'mail-secret' })!, { retries: 0 });
}

test('an alert is sent as an e-mail from the configured mailbox to every recipient', async () => {
  await notifier().notify(event);
  expect(graph.sentMail).toHaveLength(1);
  expect(graph.sentMail[0]).toMatchObject({
    tenantId: TENANT,
    from: sender,
    body: {
      message: {
        subject: 'kb4sync: Acme Corp needs new credentials',
        body: { contentType: 'Text', content: expect.stringContaining('Fix: Regenerate it.') },
        toRecipients: [{ emailAddress: { address: 'ops@msp.example' } }, { emailAddress: { address: 'oncall@msp.example' } }],
      },
    },
  });
});

test('without the Mail.Send permission the error says what to grant, and carries no token', async () => {
  graph.setRoles(TENANT, APP, ['User.Read.All']);
  try {
    const err = (await notifier().notify(event).catch((e: Error) => e)) as Error;
    expect(err.message).toBe('e-mail through Graph failed: 403 (grant the Mail.Send application permission and admin consent)');
  } finally {
    graph.setRoles(TENANT, APP, ['Mail.Send']);
  }
});

test('a missing secret variable is named', () => {
  const config = parseConfig({ companies: [company], notifications: { email: { m365: { tenantId: TENANT, clientId: APP, clientSecretEnv: 'MAIL_SECRET' }, from: sender, to: ['ops@msp.example'] } } });
  expect(() => resolveEmailCredential(config, {})).toThrow(/notifications\.email\.m365\.clientSecretEnv: environment variable MAIL_SECRET is not set/);
});

test('writes KnowBe4 does not show after the setting: the e-mail lists each with its kind, address and time', () => {
  const writes = Array.from({ length: 52 }, (_, i) => ({ kind: 'create' as const, planId: 'p', opId: `c${i}`, sourceId: `e${i}`, targetId: `${i}`, userName: `new${i}@acme.com`, sentAt: '2026-12-02T02:00:00.000Z' }));
  const { subject, text } = emailFor({ kind: 'writes-unconfirmed', company: { id: 'acme', name: 'Acme Corp' }, writes, afterMinutes: 60 });
  expect(subject).toBe('kb4sync: Acme Corp: 52 changes KnowBe4 accepted but does not show after 60 minutes');
  expect(text).toContain('- create new0@acme.com, sent 2026-12-02T02:00:00.000Z');
  expect(text).toContain('… and 2 more');
  expect(text).not.toContain('new51@acme.com');
});
