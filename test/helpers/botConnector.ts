/**
 * A loopback stand-in for the Bot Framework Connector (the service behind `serviceUrl`): records
 * every message the bot sends, replies to and updates, and can answer 429 or 403/404 on demand.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedActivity {
  conversationId: string;
  activityId: string;
  /** For a reply or an update: the activity it answers or replaces. */
  replyToId: string | null;
  method: 'send' | 'reply' | 'update' | 'delete';
  activity: Record<string, unknown>;
}

export interface ConnectorStandIn {
  url: string;
  activities: RecordedActivity[];
  /** The latest version of each message (after updates), by activity id. */
  latest(): Map<string, RecordedActivity>;
  /** The next `n` requests get 429 with this Retry-After (seconds). */
  throttle(n: number, retryAfterSeconds?: number): void;
  /** Conversations that answer 404 (the app was removed, the chat deleted). */
  dead: Set<string>;
  /** Conversations that answer this status every time (500, 401: a failure, not a gone chat). */
  failing: Map<string, number>;
  /** Conversations created by the bot (proactive 1:1 or channel threads). */
  created: Record<string, unknown>[];
  waitFor(predicate: (a: RecordedActivity) => boolean, timeoutMs?: number): Promise<RecordedActivity>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text ? (JSON.parse(text) as Record<string, unknown>) : {});
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

export async function startConnector(): Promise<ConnectorStandIn> {
  const activities: RecordedActivity[] = [];
  const created: Record<string, unknown>[] = [];
  const dead = new Set<string>();
  const failing = new Map<string, number>();
  const waiters: { predicate: (a: RecordedActivity) => boolean; resolve: (a: RecordedActivity) => void }[] = [];
  let throttled = 0;
  let retryAfter = 0;
  let counter = 0;

  const push = (a: RecordedActivity) => {
    activities.push(a);
    for (const w of [...waiters]) {
      if (w.predicate(a)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(a);
      }
    }
  };

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (throttled > 0) {
      throttled -= 1;
      return send(429, { error: { code: 'TooManyRequests', message: 'slow down' } }, { 'retry-after': String(retryAfter) });
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    // v3 / conversations / {id} / activities / {activityId}
    if (parts[0] !== 'v3' || parts[1] !== 'conversations') return send(404, { error: { code: 'NotFound', message: url.pathname } });
    const body = await readBody(req);
    if (parts.length === 2 && req.method === 'POST') {
      const id = `conv-${++counter}`;
      created.push({ id, ...body });
      return send(200, { id, activityId: `act-${++counter}` });
    }
    const conversationId = parts[2] as string;
    if (dead.has(conversationId)) return send(404, { error: { code: 'ConversationNotFound', message: 'Conversation not found.' } });
    const failure = failing.get(conversationId);
    if (failure !== undefined) return send(failure, { error: { code: failure === 401 ? 'Unauthorized' : 'ServiceError', message: `failing with ${failure}` } });
    if (parts[3] !== 'activities') return send(200, {});
    const target = parts[4] ?? null;
    if (req.method === 'PUT' && target) {
      push({ conversationId, activityId: target, replyToId: target, method: 'update', activity: body });
      return send(200, { id: target });
    }
    if (req.method === 'DELETE' && target) {
      push({ conversationId, activityId: target, replyToId: target, method: 'delete', activity: {} });
      return send(200, {});
    }
    const activityId = `act-${++counter}`;
    push({ conversationId, activityId, replyToId: target, method: target ? 'reply' : 'send', activity: body });
    return send(200, { id: activityId });
  };

  const server: Server = createServer((req, res) => {
    handler(req, res).catch((err: Error) => {
      res.writeHead(500);
      res.end(err.message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    activities,
    created,
    dead,
    failing,
    latest() {
      const out = new Map<string, RecordedActivity>();
      for (const a of activities) out.set(a.activityId, a);
      return out;
    },
    throttle(n, seconds = 0) {
      throttled = n;
      retryAfter = seconds;
    },
    waitFor(predicate, timeoutMs = 10000) {
      const found = activities.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out waiting for a bot message')), timeoutMs);
        waiters.push({ predicate, resolve: (a) => (clearTimeout(timer), resolve(a)) });
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
