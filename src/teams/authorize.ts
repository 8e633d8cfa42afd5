/**
 * Who may do what from Teams. Reading (previews, status) is open to anyone in an allowed tenant;
 * changing anything (Apply, Cancel, Pause, Resume, Retry) needs an allow-listed admin.
 */
import type { Config } from '../config';
import type { TeamsIdentity } from './transport';

export type Authorization = { ok: true } | { ok: false; reason: 'tenant-not-allowed' | 'not-an-admin'; message: string };

const same = (a: string | null, b: string) => a !== null && a.toLowerCase() === b.toLowerCase();

export function tenantAllowed(config: Config, who: TeamsIdentity): Authorization {
  if (config.allowedTenants.length === 0 || config.allowedTenants.some((t) => same(who.tenantId, t))) return { ok: true };
  return { ok: false, reason: 'tenant-not-allowed', message: 'kb4sync does not answer this Microsoft 365 tenant.' };
}

export function mayChange(config: Config, who: TeamsIdentity): Authorization {
  const tenant = tenantAllowed(config, who);
  if (!tenant.ok) return tenant;
  if (config.admins.some((a) => same(who.aadObjectId, a.aadObjectId))) return { ok: true };
  return {
    ok: false,
    reason: 'not-an-admin',
    message: `${who.name ?? 'You'} cannot apply changes: only the admins listed in kb4sync.yaml can. Ask one of them, or ask to be added under "admins".`,
  };
}
