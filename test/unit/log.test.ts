/** Logs for people at a terminal: sentences on stderr, never JSON, secrets still redacted. */
import { PassThrough } from 'node:stream';
import { createConsoleLogger, humanLine } from '../../src/observability';

function capture(level?: string) {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { log: createConsoleLogger({ stream, ...(level ? { level } : {}) }), text: () => text };
}

test('warnings and errors are sentences; notes stay quiet by default; secrets are redacted', () => {
  const { log, text } = capture('warn');
  log.info('kb4sync listening');
  log.warn({ problems: ['companies[acme].knowbe4.scimTokenEnv: environment variable ACME_SCIM is not set'], token: 'eyJ-secret' }, 'a company waits for its secrets');
  log.error({ err: 'boom' }, 'sweep failed');
  expect(text()).toBe(
    'kb4sync: warning: a company waits for its secrets (problems: ["companies[acme].knowbe4.scimTokenEnv: environment variable ACME_SCIM is not set"]; token: [redacted])\n' +
      'kb4sync: error: sweep failed (err: boom)\n',
  );
  expect(text()).not.toMatch(/^\{/m);
});

test('a line that is not JSON passes through unchanged', () => {
  expect(humanLine('plain text')).toBe('plain text\n');
});
