/**
 * Faults on demand for the Graph sandbox. Each armed fault hits the next N matching requests,
 * in the order they were armed, so a test can say "the next page fails twice, then succeeds".
 */
export type Fault =
  | { kind: 'throttle'; retryAfterSeconds: number }
  | { kind: 'serverError'; status: number }
  | { kind: 'drop' }
  | { kind: 'stall'; ms: number };

interface Armed {
  fault: Fault;
  remaining: number;
  /** Route names it applies to; empty = every Graph route. */
  routes: readonly string[];
}

export class FaultControls {
  private armed: Armed[] = [];
  /** Added before every Graph and sign-in response (ms); 0 = none. Sign-in pays it too, as it does on a real network. */
  latencyMs = 0;

  /** 429 with `Retry-After` for the next `count` requests. */
  throttle(count: number, retryAfterSeconds = 1, routes: readonly string[] = []): void {
    this.armed.push({ fault: { kind: 'throttle', retryAfterSeconds }, remaining: count, routes });
  }

  /** A 5xx (503 unless told) for the next `count` requests. */
  serverError(count: number, status = 503, routes: readonly string[] = []): void {
    this.armed.push({ fault: { kind: 'serverError', status }, remaining: count, routes });
  }

  /** Destroys the socket without a response for the next `count` requests. */
  dropConnection(count: number, routes: readonly string[] = []): void {
    this.armed.push({ fault: { kind: 'drop' }, remaining: count, routes });
  }

  /** Holds the next `count` requests `ms` before answering them normally (the client may have given up). */
  stall(count: number, ms: number, routes: readonly string[] = []): void {
    this.armed.push({ fault: { kind: 'stall', ms }, remaining: count, routes });
  }

  latency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }

  clear(): void {
    this.armed = [];
    this.latencyMs = 0;
  }

  /** How many faulted responses are still armed. */
  pending(): number {
    return this.armed.reduce((s, a) => s + a.remaining, 0);
  }

  /** Consumes and returns the fault for a request on `route`, if one is armed for it. */
  take(route: string): Fault | null {
    const hit = this.armed.find((a) => a.remaining > 0 && (a.routes.length === 0 || a.routes.includes(route)));
    if (!hit) return null;
    hit.remaining--;
    this.armed = this.armed.filter((a) => a.remaining > 0);
    return hit.fault;
  }
}
