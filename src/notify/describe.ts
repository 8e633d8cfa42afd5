/**
 * Any error from a run, in words an admin can act on: which side failed, what happened, and the
 * fix. Credential problems are told apart: they need a person, not a retry.
 */
import { Kb4AuthError, Kb4Error, Kb4ForbiddenError, REGENERATE_TOKEN_WHERE } from '../knowbe4';
import { M365Error } from '../m365';
import type { ProblemDescription } from './events';

const GRAPH_CREDENTIAL_CODES = new Set(['invalid-client-secret', 'invalid-certificate', 'app-not-found', 'unknown-tenant', 'missing-permission']);

export function describeProblem(error: unknown): ProblemDescription {
  if (error instanceof M365Error) {
    return {
      kind: GRAPH_CREDENTIAL_CODES.has(error.code) ? 'credential' : 'failure',
      code: error.code,
      service: 'Microsoft 365',
      message: error.message.replace(/\s*Fix: [\s\S]*$/, ''),
      fix: error.fix,
    };
  }
  if (error instanceof Kb4AuthError) {
    return {
      kind: 'credential',
      code: 'scim-token-refused',
      service: 'KnowBe4',
      message: 'KnowBe4 refused the SCIM token: it was regenerated or revoked.',
      fix: `Create a new token (${REGENERATE_TOKEN_WHERE}) and put it in the environment variable this company's scimTokenEnv names.`,
    };
  }
  if (error instanceof Kb4ForbiddenError) {
    return { kind: 'credential', code: 'scim-forbidden', service: 'KnowBe4', message: error.message, fix: 'Check that SCIM (not Legacy) provisioning is enabled for this KnowBe4 account and the token belongs to it.' };
  }
  if (error instanceof Kb4Error) {
    return { kind: 'failure', code: 'knowbe4-error', service: 'KnowBe4', message: error.message, fix: error.transient ? 'Usually temporary: Retry, or wait for the next scheduled run.' : null };
  }
  return { kind: 'failure', code: 'internal', service: 'kb4sync', message: error instanceof Error ? error.message : String(error), fix: null };
}
