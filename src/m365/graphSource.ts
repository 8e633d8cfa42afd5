/**
 * The company's Microsoft 365 side for the run layer: a full read for previews, and one person
 * for `sync user`.
 */
import { readFileSync } from 'node:fs';
import type { SourceReader, SourceUserLookup } from '../runs';
import { effectiveMapping, type SourceSnapshot } from '../sync';
import { RequestCounter } from './graphClient';
import { GraphDeltaReader } from './delta';
import { findSourceUser } from './lookup';
import type { GraphCompany, GraphCredential } from './settings';
import { fetchSource, mappedGraphFields, type FetchSourceOptions } from './source';

export class GraphSource implements SourceReader {
  constructor(
    private readonly company: GraphCompany,
    private readonly credential: GraphCredential,
    private readonly options: Partial<FetchSourceOptions> = {},
    /** Sees each Graph response status (for /metrics). */
    private readonly onStatus?: (status: number | null) => void,
  ) {}

  /** What both reads share: the mapped fields, the manager strategy, counting and trust. */
  private readOptions(): FetchSourceOptions {
    const trustedCa = this.options.trustedCa ?? (this.company.m365.caFile ? readFileSync(this.company.m365.caFile, 'utf8') : undefined);
    const counter = this.options.counter ?? new RequestCounter();
    if (this.onStatus) counter.onStatus = this.onStatus;
    return {
      counter,
      mappedFields: mappedGraphFields(effectiveMapping(this.company.attributes)),
      managers: this.company.syncManagers ? 'expand' : 'none',
      ...this.options,
      ...(trustedCa ? { trustedCa } : {}),
    };
  }

  /** Graph delta reads for the light run, with the full read's fields and manager setting. */
  get delta(): GraphDeltaReader {
    const options = this.readOptions();
    return new GraphDeltaReader(this.company, this.credential, { ...options, managers: options.managers !== 'none' });
  }

  fetchSource(): Promise<SourceSnapshot> {
    return fetchSource(this.company, this.credential, this.readOptions());
  }

  /**
   * One user by mail, UPN or any SMTP proxy address, with a handful of requests whatever the
   * tenant's size (see lookup.ts); matched the way the planner matches addresses.
   */
  findUser(address: string): Promise<SourceUserLookup | null> {
    const options = this.readOptions();
    return findSourceUser(this.company, this.credential, address, { ...options, managers: options.managers !== 'none' });
  }
}
