/**
 * Failures are classified by typed codes, never by their message text: the credential alert's fix
 * follows the error's class and code whatever its words say.
 */
import { Kb4AuthError } from '../../src/knowbe4';
import { AppNotFoundError, InvalidCertificateError, InvalidClientSecretError, M365Error, MissingPermissionError, UnknownTenantError } from '../../src/m365';
import { describeProblem, type NotifyEvent } from '../../src/notify';
import { views } from '../../src/teams';

function alertText(error: unknown): string {
  const event: NotifyEvent = { kind: 'failure', company: { id: 'acme', name: 'Acme Corp' }, problem: describeProblem(error), consecutiveFailures: 1 };
  return JSON.stringify(views.notification(event));
}

const TENANT = '00000000-0000-4000-8000-000000000001';
const APP = '00000000-0000-4000-8000-000000000002';

test.each([
  ['an expired client secret', 'invalid-client-secret', 'create a new client secret', new InvalidClientSecretError(TENANT, APP)],
  ['a rejected certificate', 'invalid-certificate', 'Upload a new certificate', new InvalidCertificateError(TENANT, APP, 'AADSTS700027')],
  ['an app without consent', 'app-not-found', 'grant admin consent', new AppNotFoundError(TENANT, APP)],
])('%s gets code %s and the fix "%s"', (_name, code, fix, error) => {
  expect(describeProblem(error)).toMatchObject({ kind: 'credential', code });
  expect(alertText(error)).toContain(fix);
});

test('a missing permission is a consent problem even when its message never says so', () => {
  const error = new MissingPermissionError(TENANT, 'User.Read.All', '/users');
  const quiet = Object.assign(Object.create(Object.getPrototypeOf(error) as object) as M365Error, error, { message: 'Graph answered 403.' });
  expect(describeProblem(quiet).code).toBe('missing-permission');
  expect(alertText(quiet)).toContain('grant admin consent');
});

test('a message that mentions a certificate does not make a secret problem a certificate one', () => {
  const error = new InvalidClientSecretError(TENANT, APP);
  const misleading = Object.assign(Object.create(Object.getPrototypeOf(error) as object) as M365Error, error, { message: 'certificate? no: the secret expired' });
  expect(alertText(misleading)).toContain('create a new client secret');
  expect(alertText(misleading)).not.toContain('Upload a new certificate');
});

test('a refused SCIM token is its own code, and an unknown tenant is not a credential alert about secrets', () => {
  expect(describeProblem(new Kb4AuthError('auth', 'KnowBe4 answered 401', { method: 'GET', path: '/Users', attempts: 1 }, 401)).code).toBe('scim-token-refused');
  expect(describeProblem(new UnknownTenantError(TENANT, 'public'))).toMatchObject({ code: 'unknown-tenant', kind: 'credential' });
  expect(describeProblem(new Error('boom'))).toMatchObject({ code: 'internal', kind: 'failure' });
});
