/**
 * The KnowBe4 records of a snapshot indexed once for matching: by SCIM id, externalId and
 * address key, each to the record's position.
 */
import type { TargetUser } from './snapshot';
import { addressKey, lowerCase } from './normalize';
import { TextIndex, type PositionLookup } from './textIndex';
import { each } from './each';

/**
 * KnowBe4 records by position in the snapshot. Per-record facts of a plan (who claims it, who
 * holds it) live in typed arrays indexed by `recordOf`, not in further maps keyed by SCIM id:
 * at 100,000 users each such map costs more than the rest of the step.
 */
export interface TargetIndex {
  users: readonly TargetUser[];
  /**
   * Position of each SCIM id. Should a snapshot repeat an id, the last record with it answers
   * (as a map keyed by id always did), and `recordOf` sends every position with it there.
   */
  byId: PositionLookup;
  recordOf: Int32Array;
  /** Position of the first record with each lower-cased externalId. */
  byExternalId: PositionLookup;
  /** Position of the first record with each address key. */
  byAddress: PositionLookup;
  /** Each record's address key (null: none), by position. */
  keys: readonly (string | null)[];
  /** Whether two records share an address key (then only `byAddress` tells whose it is). */
  addressesRepeat: boolean;
}

export function indexTargets(users: readonly TargetUser[]): TargetIndex {
  // Text indexes sized for the snapshot (textIndex.ts: about half the time of a Map at 100,000
  // records), in one walk over the records (each is read once: at 100,000 records a second walk
  // misses the cache again). The first record with an externalId or address keeps it; for ids
  // the last one answers.
  const byId = new TextIndex(users.length);
  const byExternalId = new TextIndex(users.length);
  const byAddress = new TextIndex(users.length);
  let addresses = 0;
  // Sized once (a list grown by push leaves its outgrown copies to the garbage collector).
  const keys = new Array<string | null>(users.length);
  each(users, (t, i) => {
    byId.set(t.id, i);
    if (t.externalId) byExternalId.add(lowerCase(t.externalId), i);
    const key = addressKey(t.userName);
    keys[i] = key;
    if (key !== null) {
      byAddress.add(key, i);
      addresses += 1;
    }
  });
  const recordOf = new Int32Array(users.length);
  const idsRepeat = byId.size !== users.length;
  each(users, (t, i) => void (recordOf[i] = idsRepeat ? (byId.get(t.id) as number) : i));
  return { users, byId, recordOf, byExternalId, byAddress, keys, addressesRepeat: byAddress.size !== addresses };
}
