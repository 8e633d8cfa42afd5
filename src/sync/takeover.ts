/**
 * Take-overs: KnowBe4 records that kb4sync did not make (the Entra gallery app's, KnowBe4's ADI
 * tool's, the console's) and now adopts. Each keeps its id and training history; the apply relinks
 * it to the Entra object id (an `update` of externalId), so later runs find it by that link.
 */
import type { Match } from './match';
import type { Takeover } from './model';
import { lowerCase } from './normalize';
import { each } from './each';

export function takeovers(matches: readonly Match[]): Takeover[] {
  const out: Takeover[] = [];
  each(matches, (m) => {
    // Found by its externalId: the record is already linked to this user (most users, no case to fold).
    if (m.via === 'externalId') return;
    const linked = m.current.externalId;
    if (linked !== null && lowerCase(linked) === lowerCase(m.user.id)) return;
    out.push({ targetId: m.current.id, userName: m.current.userName, sourceId: m.user.id, address: m.address, via: m.via, externalIdBefore: linked });
  });
  return out;
}
