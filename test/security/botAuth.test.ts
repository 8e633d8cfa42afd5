/**
 * /api/messages with a bot registration configured: botbuilder's JWT validation, pointed at a
 * loopback OpenID metadata document and JWKS (our own RSA key), must refuse every token that is
 * missing, forged, expired, or meant for another app, before anything runs; and it must accept a
 * correctly signed token for our app id (else every refusal below would pass for the wrong reason).
 *
 * Only invokes are sent with accepted tokens: their answer is the HTTP response, so the bot never
 * needs an outbound token (which would mean a sign-in to Microsoft, off this machine).
 */
import { createHmac } from 'node:crypto';
import { botAuthOptions } from '../../src/teams/transport';
import { SANDBOX_ADMIN, SANDBOX_TENANT } from '../../src/sandbox';
import { jwt, startChannelIdentity, type ChannelIdentity } from '../helpers/channelIdentity';
import { text } from '../helpers/botHttp';
import { startSecurityRig, type SecurityRig } from '../helpers/securityRig';

const APP_ID = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const OTHER_APP_ID = '0d9c8b7a-6f5e-4d4c-8b3a-291807f6e5d4';

let identity: ChannelIdentity;
let rig: SecurityRig;

beforeAll(async () => {
  // botbuilder's CloudAdapter console.error()s every refused token; the assertions are on the answers.
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
  identity = await startChannelIdentity();
  rig = await startSecurityRig({
    sandboxMode: false,
    env: {
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: 'bot-password-not-used-here',
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: SANDBOX_TENANT,
      ToBotFromChannelOpenIdMetadataUrl: identity.metadataUrl,
      ToBotFromChannelTokenIssuer: identity.issuer,
    },
  });
});

afterAll(async () => {
  await rig.stop();
  await identity.close();
});

/** The claims the channel puts on a token for our bot and this conversation's serviceUrl. */
const claims = (extra: Record<string, unknown> = {}) => ({ aud: APP_ID, serviceurl: rig.connector.url, ...extra });

/** What an attacker would send: a command that previews (reads both sides, stores a plan) and a click that pauses. */
const attacks = () => [
  rig.bot.activity({ type: 'message', text: 'preview sync acme' }),
  rig.bot.activity({ type: 'invoke', name: 'adaptiveCard/action', replyToId: 'card-1', value: { action: { type: 'Action.Execute', verb: 'pause', data: { companyId: 'acme' } } } }),
];

const now = () => Math.floor(Date.now() / 1000);

const refused: [string, () => Record<string, string>][] = [
  ['no Authorization header', () => ({})],
  ['an empty bearer', () => ({ authorization: 'Bearer ' })],
  ['a token that is not a JWT', () => ({ authorization: 'Bearer not.a.jwt' })],
  ['another scheme', () => ({ authorization: `Basic ${Buffer.from(`${APP_ID}:bot-password`).toString('base64')}` })],
  ['alg none, our kid', () => ({ authorization: `Bearer ${jwt({ alg: 'none', typ: 'JWT', kid: identity.kid }, { iss: identity.issuer, exp: now() + 3600, ...claims() }, null)}` })],
  ['signed by another key under our kid', () => ({ authorization: `Bearer ${identity.token(claims(), { key: identity.strangerKey })}` })],
  [
    'HS256 "signed" with our public key (algorithm confusion)',
    () => {
      const head = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: identity.kid })).toString('base64url');
      const body = Buffer.from(JSON.stringify({ iss: identity.issuer, exp: now() + 3600, ...claims() })).toString('base64url');
      const sig = createHmac('sha256', identity.publicPem).update(`${head}.${body}`).digest('base64url');
      return { authorization: `Bearer ${head}.${body}.${sig}` };
    },
  ],
  [
    'a valid token whose payload was edited after signing',
    () => {
      const [head, , sig] = identity.token(claims({ aud: OTHER_APP_ID })).split('.');
      return { authorization: `Bearer ${head}.${Buffer.from(JSON.stringify({ iss: identity.issuer, exp: now() + 3600, ...claims() })).toString('base64url')}.${sig}` };
    },
  ],
  ['expired an hour ago', () => ({ authorization: `Bearer ${identity.token(claims({ iat: now() - 7200, nbf: now() - 7200, exp: now() - 3600 }))}` })],
  ['not valid for another hour', () => ({ authorization: `Bearer ${identity.token(claims({ nbf: now() + 3600 }))}` })],
  ['correctly signed for ANOTHER app id', () => ({ authorization: `Bearer ${identity.token(claims({ aud: OTHER_APP_ID }))}` })],
  ['correctly signed without an audience', () => ({ authorization: `Bearer ${identity.token(claims({ aud: undefined }))}` })],
  ['correctly signed by another issuer', () => ({ authorization: `Bearer ${identity.token(claims({ iss: 'https://api.botframework.com' }))}` })],
  ['correctly signed for another serviceUrl (replies would go elsewhere)', () => ({ authorization: `Bearer ${identity.token(claims({ serviceurl: 'https://attacker.example/' }))}` })],
  ['correctly signed by a key not endorsed for the channel', () => ({ authorization: `Bearer ${identity.token(claims())}` })],
];

test.each(refused)('%s → 401, and nothing runs', async (name, headers) => {
  const before = await rig.footprint();
  for (const activity of attacks()) {
    // The endorsement case: the same good token, for an activity claiming a channel the key may not sign for.
    const body = name.includes('endorsed') ? { ...activity, channelId: 'webchat' } : activity;
    const res = await rig.bot.post(body, headers());
    // A channel other than msteams is refused (403) before the token is even read; the key's
    // endorsements would refuse it next (401).
    expect({ name, status: res.status }).toEqual({ name, status: name.includes('endorsed') ? 403 : 401 });
  }
  expect(await rig.footprint()).toEqual(before);
});

test('a correctly signed token for our app id is accepted, and the same click then runs', async () => {
  const before = await rig.footprint();
  const headers = { authorization: `Bearer ${identity.token(claims())}` };
  const [, pause] = attacks();
  const res = await rig.bot.post(pause, headers);
  expect(res.status).toBe(200);
  expect(text((res.body as { value: Record<string, unknown> }).value)).toMatch(/Acme Corp paused/);
  expect((await rig.app.store.getCompanyState('acme')).paused).toBe(true);
  const audit = await rig.app.store.listAudit({ limit: 1 });
  expect(audit[0]).toMatchObject({ action: 'pause', outcome: 'ok', actorId: SANDBOX_ADMIN.aadObjectId });
  expect((await rig.footprint()).audit).toBe(before.audit + 1);
  // The key was fetched from our loopback JWKS: the check above ran against it, not a default.
  expect(identity.requests).toContain('/v1/.well-known/keys');

  const resume = rig.bot.activity({ type: 'invoke', name: 'adaptiveCard/action', replyToId: 'card-1', value: { action: { type: 'Action.Execute', verb: 'resume', data: { companyId: 'acme' } } } });
  expect((await rig.bot.post(resume, headers)).status).toBe(200);
  expect((await rig.app.store.getCompanyState('acme')).paused).toBe(false);
});

describe('issuer overrides', () => {
  test('unset, botbuilder keeps its public-cloud defaults untouched', () => {
    expect(botAuthOptions({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'p' })).toEqual({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'p', MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: '' });
  });

  test('set, the other endpoints stay the public cloud’s', () => {
    const options = botAuthOptions({ MicrosoftAppId: APP_ID, ToBotFromChannelOpenIdMetadataUrl: 'https://login.example.com/v1/.well-known/openidconfiguration' });
    expect(options).toMatchObject({
      ToBotFromChannelOpenIdMetadataUrl: 'https://login.example.com/v1/.well-known/openidconfiguration',
      ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
      ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
      ValidateAuthority: true,
    });
  });

  test.each(['http://login.example.com/keys', 'ftp://127.0.0.1/keys', 'not a url'])('%s is refused (https, or http on loopback only)', (url) => {
    expect(() => botAuthOptions({ MicrosoftAppId: APP_ID, ToBotFromChannelOpenIdMetadataUrl: url })).toThrow(/ToBotFromChannelOpenIdMetadataUrl must be/);
  });
});
