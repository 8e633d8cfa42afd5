/** A Microsoft 365 side read from a Graph-shaped snapshot file (for run tests that need no Graph). */
import { readFileSync } from 'node:fs';
import { sourceFromGraphSnapshot } from '../../src/m365/graphUser';
import type { SourceReader } from '../../src/runs/ports';
import type { SourceSnapshot } from '../../src/sync';

export class FixtureSource implements SourceReader {
  calls = 0;
  constructor(public snapshot: SourceSnapshot) {}
  static fromFile(path: string): FixtureSource {
    return new FixtureSource(sourceFromGraphSnapshot(JSON.parse(readFileSync(path, 'utf8'))));
  }
  async fetchSource(): Promise<SourceSnapshot> {
    this.calls += 1;
    return structuredClone(this.snapshot);
  }
}
