/**
 * Last-resort logging for the long-running process. A promise nobody awaited that rejects is
 * logged and the service keeps serving (one stray rejection must not end every apply in flight);
 * an uncaught exception leaves the process in an unknown state, so it is logged and the process
 * exits non-zero for its supervisor to restart it (interrupted applies are then resumed).
 */
import type { Logger } from '../observability';

export function installProcessHandlers(log: Logger, exit: (code: number) => void = (code) => process.exit(code)): () => void {
  const onRejection = (reason: unknown) => {
    log.error({ err: reason instanceof Error ? { message: reason.message, stack: reason.stack } : String(reason) }, 'unhandledRejection: kept serving');
  };
  const onException = (error: Error) => {
    log.fatal({ err: { message: error.message, stack: error.stack } }, 'uncaughtException: exiting');
    log.flush?.();
    exit(1);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
