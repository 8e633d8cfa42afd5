import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Secret } from '../../src/config';
import { signWebhook, WebhookNotifier } from '../../src/notify/webhook';
import type { NotifyEvent } from '../../src/notify/events';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

async function receiver(statuses: number[]) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      const status = statuses.shift() ?? 204;
      res.writeHead(status, status === 429 ? { 'retry-after': '0' } : {});
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/kb4sync?key=abc`;
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const event: NotifyEvent = {
  kind: 'failure',
  company: { id: 'acme', name: 'Acme Corp' },
  problem: { kind: 'credential', code: 'scim-token-refused', service: 'KnowBe4', message: 'The SCIM token was revoked', fix: 'Regenerate it' },
  consecutiveFailures: 2,
};

test('posts the event as JSON with a verifiable signature', async () => {
  const hook = await receiver([]);
  try {
    await new WebhookNotifier({ url: hook.url, secret: new Secret('shh'), clock: () => new Date('2026-11-24T02:00:00Z') }).notify(event);
    expect(hook.received).toHaveLength(1);
    const { headers, body } = hook.received[0]!;
    expect(JSON.parse(body)).toMatchObject({ kind: 'failure', company: { id: 'acme' }, at: '2026-11-24T02:00:00.000Z', problem: { fix: 'Regenerate it' } });
    expect(headers['x-kb4sync-timestamp']).toBe(String(Date.parse('2026-11-24T02:00:00Z') / 1000));
    expect(headers['x-kb4sync-signature']).toBe(signWebhook('shh', String(headers['x-kb4sync-timestamp']), body));
    expect(headers['x-kb4sync-signature']).not.toBe(signWebhook('other', String(headers['x-kb4sync-timestamp']), body));
  } finally {
    await hook.close();
  }
});

test('retries 429 and 5xx, then gives up with an error that names no secret', async () => {
  const ok = await receiver([429, 503]);
  try {
    await new WebhookNotifier({ url: ok.url, secret: new Secret('shh') }).notify(event);
    expect(ok.received).toHaveLength(3);
  } finally {
    await ok.close();
  }
  const down = await receiver([500, 500, 500, 500, 500]);
  try {
    const err = await new WebhookNotifier({ url: down.url, secret: new Secret('shh'), retries: 2 }).notify(event).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^webhook 127\.0\.0\.1:\d+ failed: 500$/);
    expect((err as Error).message).not.toMatch(/shh|key=abc|sha256/);
    expect(down.received).toHaveLength(3);
  } finally {
    await down.close();
  }
});
