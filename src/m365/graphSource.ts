/**
 * The company's Microsoft 365 side for the run layer: a full read for previews, and one person
 * for `sync user`.
 */
import { readFileSync } from 'node:fs';
import { companyRules, type CompanyConfig, type CompanySecrets } from '../config';
import type { SourceReader, SourceUserLookup } from '../runs/ports';
import { addressKey, type SourceSnapshot, type SourceUser } from '../sync';
import { RequestCounter } from './graphClient';
import { fetchSource, mappedGraphFields, type FetchSourceOptions } from './source';

export class GraphSource implements SourceReader {
  constructor(
    private readonly company: CompanyConfig,
    private readonly credential: CompanySecrets['graph'],
    private readonly options: Partial<FetchSourceOptions> = {},
    /** Sees each Graph response status (for /metrics). */
    private readonly onStatus?: (status: number | null) => void,
  ) {}

  fetchSource(): Promise<SourceSnapshot> {
    const rules = companyRules(this.company);
    const trustedCa = this.options.trustedCa ?? (this.company.m365.caFile ? readFileSync(this.company.m365.caFile, 'utf8') : undefined);
    const counter = this.options.counter ?? new RequestCounter();
    if (this.onStatus) counter.onStatus = this.onStatus;
    return fetchSource(this.company, this.credential, {
      counter,
      mappedFields: mappedGraphFields(rules.mapping),
      managers: rules.syncManagers ? 'expand' : 'none',
      ...this.options,
      ...(trustedCa ? { trustedCa } : {}),
    });
  }

  /**
   * One user by mail, UPN or any SMTP proxy address. Reads the tenant's user list (a few
   * requests per thousand users) rather than a $filter query, so mail, UPN and aliases are all
   * matched the same way the planner matches them.
   */
  async findUser(address: string): Promise<SourceUserLookup | null> {
    const key = addressKey(address);
    if (key === null) return null;
    const snapshot = await this.fetchSource();
    const owns = (u: SourceUser) =>
      addressKey(u.mail) === key ||
      addressKey(u.userPrincipalName) === key ||
      u.proxyAddresses.some((p) => /^smtp:/i.test(p) && addressKey(p.slice(5)) === key);
    const user = snapshot.users.find(owns);
    if (!user) return null;
    const manager = user.managerId === null ? null : (snapshot.users.find((u) => u.id === user.managerId) ?? null);
    const groups = snapshot.groups.filter((g) => g.memberIds.includes(user.id)).map((g) => ({ ...g, memberIds: [user.id] }));
    return { user, manager, groups };
  }
}
