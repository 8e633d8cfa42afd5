/**
 * How /api/messages authenticates the Bot Framework: botbuilder's own JWT validation
 * (ConfigurationBotFrameworkAuthentication), with two additions.
 *
 * - `ToBotFromChannelOpenIdMetadataUrl` / `ToBotFromChannelTokenIssuer` (botbuilder's setting
 *   names) point the channel-token check at another issuer: a private cloud, or a loopback one in
 *   tests. botbuilder treats any such setting as "every endpoint given", so the ones not set keep
 *   the public-cloud values here; unset, botbuilder's defaults apply untouched. Plain http is
 *   accepted only for loopback hosts, so a typo cannot send key look-ups over the network unencrypted.
 * - Any failure while checking a token is a 401. botbuilder answers 500 when jsonwebtoken itself
 *   refuses a token (a bad signature, a wrong algorithm, a malformed token), which tells a forger
 *   nothing useful but pages whoever watches 5xx rates, and hides that the request was refused.
 */
import { CallerIdConstants, ConfigurationBotFrameworkAuthentication, type Activity, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import { AuthenticationConstants, AuthenticationError, type AuthenticateRequestResult } from 'botframework-connector';

const PUBLIC_CLOUD = {
  ValidateAuthority: true,
  ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
  ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
  ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
  OAuthUrl: AuthenticationConstants.OAuthUrl,
  ToBotFromChannelOpenIdMetadataUrl: AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl,
  ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
  CallerId: CallerIdConstants.PublicAzureChannel,
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function issuerUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} must be a URL, got "${value}"`);
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname))) return value;
  throw new Error(`${name} must be an https URL (http only on loopback), got "${value}"`);
}

/** The options botbuilder reads, from the service's environment. */
export function botAuthOptions(env: NodeJS.ProcessEnv): ConfigurationBotFrameworkAuthenticationOptions {
  const appId = env.MicrosoftAppId ?? '';
  const base = {
    MicrosoftAppId: appId,
    MicrosoftAppPassword: env.MicrosoftAppPassword ?? '',
    MicrosoftAppType: env.MicrosoftAppType ?? (appId ? 'SingleTenant' : ''),
    MicrosoftAppTenantId: env.MicrosoftAppTenantId ?? '',
  };
  const metadata = env.ToBotFromChannelOpenIdMetadataUrl?.trim();
  const issuer = env.ToBotFromChannelTokenIssuer?.trim();
  if (!metadata && !issuer) return base as ConfigurationBotFrameworkAuthenticationOptions;
  return {
    ...base,
    ...PUBLIC_CLOUD,
    ...(metadata ? { ToBotFromChannelOpenIdMetadataUrl: issuerUrl('ToBotFromChannelOpenIdMetadataUrl', metadata) } : {}),
    ...(issuer ? { ToBotFromChannelTokenIssuer: issuer } : {}),
  } as ConfigurationBotFrameworkAuthenticationOptions;
}

export class BotAuthentication extends ConfigurationBotFrameworkAuthentication {
  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    try {
      return await super.authenticateRequest(activity, authHeader);
    } catch (err) {
      if (err instanceof AuthenticationError) throw err;
      throw new AuthenticationError(`Unauthorized: ${(err as Error).message}`, 401);
    }
  }
}
