/**
 * The Graph client the source adapter reads through: @microsoft/microsoft-graph-client with our
 * own middleware chain — bearer token from TokenCredentialAuthenticationProvider, the one retry
 * policy of shared/retry.ts (bounded, Retry-After honoured, an injectable sleep so tests never
 * wait), a request counter, and the SDK's HTTPMessageHandler (fetch).
 *
 * Why not the SDK's AuthenticationHandler/RetryHandler: the former only attaches tokens to https
 * Graph hosts (the loopback sandbox is http), and the latter has a retry policy of its own
 * (429/503/504, a real timer) and cannot report how many attempts it made.
 */
import { Client, HTTPMessageHandler, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import type { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { inFlight, isRetryable, retrying, type Failure } from '../shared';
import type { M365Error } from './errors';

export interface RetryOptions {
  /** Retries after the first attempt (default 4). */
  maxRetries?: number;
  /** Backoff when the answer has no Retry-After: base × 2^attempt ms (default 1000). */
  baseDelayMs?: number;
  /** Upper bound on one wait, including a server's Retry-After (default 60 s). */
  maxDelayMs?: number;
  /** One attempt that has not answered in this long is abandoned and retried (default 100 s, Graph's own gateway limit). */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Requests made, for the API-efficiency contract. Attempts count individually (a retry is a request). */
export class RequestCounter {
  graph = 0;
  identity = 0;
  retries = 0;
  readonly byRoute: Record<string, number> = {};
  get total(): number {
    return this.graph + this.identity;
  }
  count(kind: 'graph' | 'identity', route: string): void {
    this[kind]++;
    this.byRoute[route] = (this.byRoute[route] ?? 0) + 1;
  }
  /** Called with each Graph response's status (null: no response); for /metrics. */
  onStatus: ((status: number | null) => void) | null = null;
}

/** Route name of a Graph URL, for counters and error messages (ids replaced by {id}). */
export function graphRoute(url: string): string {
  const path = new URL(url).pathname.replace(/^\/(v1\.0|beta)/, '');
  return path.replace(/\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '/{id}');
}

/** Failure details a middleware leaves for the caller: the SDK re-wraps thrown errors and drops their class. */
export interface FailureChannel {
  failure: M365Error | null;
  /** Attempts made for the last request (1 = no retry). */
  attempts: number;
  /** Last network error text, when the last attempt never got a response. */
  networkError: string | null;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function requestUrl(context: Context): string {
  const r = context.request as unknown;
  return typeof r === 'string' ? r : (r as { url: string }).url;
}

class BearerMiddleware implements Middleware {
  private next: Middleware | undefined;
  constructor(
    private readonly provider: TokenCredentialAuthenticationProvider,
    private readonly channel: FailureChannel,
    private readonly mapError: (err: unknown) => M365Error,
  ) {}
  async execute(context: Context): Promise<void> {
    let token: string;
    try {
      token = await this.provider.getAccessToken();
    } catch (err) {
      this.channel.failure = this.mapError(err);
      throw this.channel.failure;
    }
    const options = (context.options ??= {});
    const headers = new Headers(options.headers as ConstructorParameters<typeof Headers>[0]);
    headers.set('Authorization', `Bearer ${token}`);
    options.headers = Object.fromEntries(headers.entries());
    await (this.next as Middleware).execute(context);
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

class RetryMiddleware implements Middleware {
  private next: Middleware | undefined;
  constructor(
    private readonly options: Required<RetryOptions>,
    private readonly channel: FailureChannel,
    private readonly counter: RequestCounter,
  ) {}
  async execute(context: Context): Promise<void> {
    const { maxRetries, baseDelayMs, maxDelayMs, timeoutMs, sleep } = this.options;
    const route = graphRoute(requestUrl(context));
    const policy = { retries: maxRetries, baseMs: baseDelayMs, maxMs: maxDelayMs, maxRetryAfterMs: maxDelayMs };
    const discard = async () => {
      this.counter.retries++;
      // Drain the body of a response we are discarding, so the socket can be reused.
      await (context.response as Response | undefined)?.arrayBuffer().catch(() => undefined);
    };
    await retrying<void>(
      policy,
      async (attempt) => {
        this.channel.attempts = attempt + 1;
        this.channel.networkError = null;
        this.counter.count('graph', route);
        try {
          context.response = undefined;
          // A read that hangs would hold the company's run (and its lease) forever.
          (context.options ??= {}).signal = AbortSignal.timeout(timeoutMs);
          await (this.next as Middleware).execute(context);
        } catch (err) {
          // No response at all (refused, reset, dropped, timed out): a GET, so it may be retried.
          // Duck-typed: fetch's errors may come from another realm (e.g. under a test VM).
          this.channel.networkError = typeof err === 'object' && err !== null && 'message' in err ? describeNetworkError(err as Error) : 'network error';
          this.counter.onStatus?.(null);
          const failure: Failure = { status: null, code: (err as { cause?: { code?: string } } | null)?.cause?.code };
          return { done: false, failure, giveUp: () => { throw err; } };
        }
        const response = context.response as Response | undefined;
        const status = response?.status ?? null;
        this.counter.onStatus?.(status);
        const failure: Failure = { status, retryAfter: response?.headers.get('retry-after') ?? null };
        // The last answer, retryable or not, is the caller's to read.
        return status !== null && !isRetryable(failure) ? { done: true, value: undefined } : { done: false, failure, giveUp: () => undefined };
      },
      { sleep, beforeWait: discard },
    );
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

/**
 * Each attempt takes a place in the instance's outbound gate (service.concurrency) while in
 * flight, after the retry middleware: a retry's backoff holds no place.
 */
class OutboundGateMiddleware implements Middleware {
  private next: Middleware | undefined;
  async execute(context: Context): Promise<void> {
    await inFlight(() => (this.next as Middleware).execute(context));
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

/** Short cause of a fetch failure (undici hides it in `cause`). Never includes headers or bodies. */
export function describeNetworkError(err: Error): string {
  if (err.name === 'TimeoutError') return 'timed out (no answer within the request timeout)';
  const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? err.message;
}

export interface GraphClientParts {
  client: Client;
  channel: FailureChannel;
}

export function createGraphClient(
  baseUrl: string,
  provider: TokenCredentialAuthenticationProvider,
  counter: RequestCounter,
  retry: RetryOptions,
  mapAuthError: (err: unknown) => M365Error,
): GraphClientParts {
  const channel: FailureChannel = { failure: null, attempts: 0, networkError: null };
  const options: Required<RetryOptions> = {
    maxRetries: retry.maxRetries ?? 4,
    baseDelayMs: retry.baseDelayMs ?? 1000,
    maxDelayMs: retry.maxDelayMs ?? 60_000,
    timeoutMs: retry.timeoutMs ?? 100_000,
    sleep: retry.sleep ?? defaultSleep,
  };
  const client = Client.initWithMiddleware({
    baseUrl: baseUrl.replace(/\/+$/, ''),
    defaultVersion: 'v1.0',
    middleware: [new BearerMiddleware(provider, channel, mapAuthError), new RetryMiddleware(options, channel, counter), new OutboundGateMiddleware(), new HTTPMessageHandler()],
  });
  return { client, channel };
}
