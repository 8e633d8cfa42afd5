/**
 * Loading restify prints Node's DEP0111 ("Access to process.binding('http_parser') is
 * deprecated") on every start of the service and the CLI: restify requires spdy at load time (for
 * HTTP/2, which kb4sync does not use), and spdy's http-deceiver reads that binding. No released
 * restify avoids it, so this module, imported just before restify (httpServer.ts), drops that one
 * warning while restify loads; `restifyLoaded()` puts process.emitWarning back. Every other
 * warning, and this one from any other code, still prints.
 */
const original = process.emitWarning;

/** DEP0111 about http_parser, and nothing else. */
export function isHttpParserDeprecation(warning: unknown, rest: unknown[]): boolean {
  const message = warning instanceof Error ? warning.message : String(warning);
  const code = warning instanceof Error ? (warning as NodeJS.ErrnoException).code : rest.find((r) => typeof r === 'string' && /^DEP\d+$/.test(r)) ?? (rest[0] as { code?: string } | undefined)?.code;
  return code === 'DEP0111' && message.includes("process.binding('http_parser')");
}

process.emitWarning = function emitWarning(this: unknown, warning: string | Error, ...rest: unknown[]): void {
  if (isHttpParserDeprecation(warning, rest)) return;
  (original as (...args: unknown[]) => void).call(process, warning, ...rest);
} as typeof process.emitWarning;

/** Called once restify is loaded: warnings go straight to Node again. */
export function restifyLoaded(): void {
  process.emitWarning = original;
}
