/**
 * The HTTP face of kb4sync (restify): the Bot Framework endpoint, health, metrics and the signed
 * full-diff downloads. Everything else lives behind the bot.
 */
import type { AddressInfo } from 'node:net';
import restify from 'restify';
import type { Logger } from '../observability';
import type { Metrics } from '../observability';
import { checkLink, type MessageEndpoint } from '../teams';

/** The largest activity accepted (Teams' own messages are far smaller). */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface Download {
  contentType: string;
  filename: string;
  body: string;
}

export interface ServerOptions {
  host: string;
  port: number;
  /** The Teams messaging endpoint behind POST /api/messages. */
  messages: MessageEndpoint;
  metrics: Metrics;
  log: Logger;
  /** Throws when the service cannot work (the store is unreachable). */
  health: () => Promise<void>;
  /** The full diff of a plan, for the signed links on preview cards. */
  download?: (planId: string, format: 'csv' | 'json') => Promise<Download | null>;
  linkKey?: Buffer;
  clock?: () => Date;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { messages, log, metrics } = options;
  const clock = options.clock ?? (() => new Date());
  const server = restify.createServer({ name: 'kb4sync', handleUncaughtExceptions: false });
  server.use(restify.plugins.queryParser({ mapParams: false }));

  // Bot Framework sends JSON and nothing else. Anything else is refused before a byte of its body
  // is read (restify's bodyParser also took multipart, written to the temp directory before
  // authentication and past maxBodySize); JSON is read in memory up to the size limit.
  const onlyJson: restify.RequestHandler = (req, res, next) => {
    if (req.getContentType() !== 'application/json') {
      res.send(415, { error: 'Unsupported media type: /api/messages takes application/json.' });
      return next(false);
    }
    return next();
  };
  // jsonBodyParser hands its options to bodyReader, which enforces maxBodySize (its typings omit it).
  const jsonOptions: restify.plugins.JsonBodyParserOptions & { maxBodySize: number } = { mapParams: false, maxBodySize: MAX_BODY_BYTES };
  const json = restify.plugins.jsonBodyParser(jsonOptions);

  server.post('/api/messages', onlyJson, json, async (req, res) => {
    try {
      await messages.process(req, res);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'activity failed');
      if (!res.headersSent) res.send(500);
    }
  });

  server.get('/healthz', async (_req, res) => {
    try {
      await options.health();
      res.send(200, { status: 'ok' });
    } catch (err) {
      // The reason goes to the log: a driver's message can name hosts, users or worse.
      log.error({ err: (err as Error).message }, 'health check failed');
      res.send(503, { status: 'unavailable' });
    }
  });

  server.get('/metrics', async (_req, res) => {
    const body = await metrics.registry.metrics();
    res.setHeader('content-type', metrics.registry.contentType);
    res.sendRaw(200, body);
  });

  server.get('/downloads/:file', async (req, res) => {
    const file = String(req.params.file ?? '');
    const match = /^([A-Za-z0-9_-]{1,64})\.(csv|json)$/.exec(file);
    if (!match || !options.download || !options.linkKey) {
      res.send(404, { error: 'not found' });
      return;
    }
    const check = checkLink(`/downloads/${file}`, req.query as { exp?: unknown; sig?: unknown }, clock(), options.linkKey);
    if (!check.ok) {
      res.send(403, { error: check.reason === 'expired' ? 'This link has expired. Run the preview again for a fresh one.' : 'Invalid link.' });
      return;
    }
    const found = await options.download(match[1] as string, match[2] as 'csv' | 'json');
    if (!found) {
      res.send(404, { error: 'plan not found' });
      return;
    }
    res.setHeader('content-type', found.contentType);
    res.setHeader('content-disposition', `attachment; filename="${found.filename}"`);
    res.sendRaw(200, found.body);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host}:${port}`;
  log.info({ url }, 'kb4sync listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}
