/**
 * Per-user changes: create the users KnowBe4 lacks; reactivate, rename and update the ones it has.
 */
import { KB4_DATE_ATTRIBUTES, type GraphField, type Kb4Attribute, type Kb4Values } from './attributes';
import type { AttributeChange, CompanyRules, OperationOf } from './model';
import type { SourceUser, TargetUser } from './snapshot';
import { addressKey, cleanDate, cleanValue, fallbackNames, keptByTrim, lowerCase } from './normalize';
import type { OperationSink, PhasedOperations } from './operations';
import type { NameBook } from './names';
import type { PlannedUser, Roster } from './roster';
import { each } from './each';

type UserRuns = Record<'create' | 'reactivate' | 'rename' | 'update', OperationSink>;

/**
 * Each kind is a run in id order: the roster's order ('s:<Entra id>', 't:<SCIM id>'). Each person
 * with an operation is named in `names` (from Microsoft 365: these operations write their record).
 */
export function planUsers(roster: Roster, rules: CompanyRules, operations: PhasedOperations, names: NameBook): void {
  const runs: UserRuns = { create: operations.run(), reactivate: operations.run(), rename: operations.run(), update: operations.run() };
  const mapped = mappedAttributes(rules);
  each(roster.users, (planned) => {
    if (planned.current === null) {
      const op = createOperation(planned, rules);
      runs.create.push(op);
      // The Microsoft 365 user that speaks for the id is the one the name comes from (forId).
      names.newUser(planned.user.id, planned.refKey, op.values, planned.forId.user);
    } else if (pushUserChanges(runs, planned, planned.current, mapped)) {
      names.existing(planned.record, planned.current.id, planned.refKey, planned.user.id, planned.forId.user);
    }
  });
}

/** A Graph field as Graph gave it, before cleaning. */
function rawField(user: SourceUser, field: GraphField): string | null | undefined {
  if (field === 'userPrincipalName') return user.userPrincipalName;
  if (field === 'mail') return user.mail;
  return user.fields[field];
}

/**
 * The given name or surname, from the display name split in two when both are empty. (One field
 * at a time: the usual answer is the field itself, with no object to return the pair in.)
 */
function nameValue(user: SourceUser, field: 'givenName' | 'surname'): string | null {
  const own = cleanValue(user.fields[field]);
  if (own !== null) return own;
  if (cleanValue(user.fields[field === 'givenName' ? 'surname' : 'givenName']) !== null) return null;
  return fallbackNames(cleanValue(user.fields.displayName))[field];
}

interface MappedAttribute {
  attribute: Kb4Attribute;
  field: GraphField;
  /** The field is a name, which falls back to the display name. */
  isName: boolean;
  /** How a value is cleaned to be sent and compared: dates (KB4_DATE_ATTRIBUTES) as ISO 8601 dates. */
  clean: (raw: string | null | undefined) => string | null;
}
// Read per user, so listed once per mapping, as objects: destructuring a [key, value] pair goes
// through the iterator protocol until V8 optimises the caller.
const mappedCache = new WeakMap<CompanyRules['mapping'], MappedAttribute[]>();
function mappedAttributes(rules: CompanyRules): MappedAttribute[] {
  let mapped = mappedCache.get(rules.mapping);
  if (!mapped) {
    mapped = Object.entries(rules.mapping).map(([attribute, field]) => ({
      attribute: attribute as Kb4Attribute,
      field: field as GraphField,
      isName: field === 'givenName' || field === 'surname',
      clean: KB4_DATE_ATTRIBUTES.has(attribute as Kb4Attribute) ? cleanDate : cleanValue,
    }));
    mappedCache.set(rules.mapping, mapped);
  }
  return mapped;
}

/** The KnowBe4 values the company's mapping asks for this user. */
export function desiredValues(user: SourceUser, rules: CompanyRules): Kb4Values {
  const mapped = mappedAttributes(rules);
  const values: Kb4Values = {};
  for (let i = 0; i < mapped.length; i++) {
    const { attribute, field, isName, clean } = mapped[i] as MappedAttribute;
    values[attribute] = isName ? nameValue(user, field as 'givenName' | 'surname') : clean(rawField(user, field));
  }
  return values;
}

function createOperation(planned: PlannedUser, rules: CompanyRules): OperationOf<'create'> {
  const values = desiredValues(planned.user, rules);
  const present: Kb4Values = {};
  for (const [attr, value] of Object.entries(values) as [Kb4Attribute, string | null][]) {
    if (value !== null) present[attr] = value;
  }
  return {
    kind: 'create',
    id: `create:${planned.user.id}`,
    reason: 'In scope in Microsoft 365, not in KnowBe4',
    sourceId: planned.user.id,
    userName: planned.address,
    values: present,
  };
}

/** Appends the matched user's reactivate, rename and update (straight into the plan: no array per user); whether there was one. */
function pushUserChanges(ops: UserRuns, m: PlannedUser, t: TargetUser, mapped: readonly MappedAttribute[]): boolean {
  let changed = false;
  if (!t.active) {
    changed = true;
    ops.reactivate.push({
      kind: 'reactivate',
      id: `reactivate:${t.id}`,
      reason: 'Archived in KnowBe4, back in scope in Microsoft 365',
      targetId: t.id,
      sourceId: m.user.id,
      userName: t.userName,
    });
  }
  if (t.userName !== m.address && addressKey(t.userName) !== m.key) {
    changed = true;
    ops.rename.push({
      kind: 'rename',
      id: `rename:${t.id}`,
      reason:
        m.via === 'alias'
          ? `Found by alias ${t.userName}; primary address is now ${m.address}`
          : `Primary address changed in Microsoft 365`,
      targetId: t.id,
      sourceId: m.user.id,
      from: t.userName,
      to: m.address,
    });
  }
  // Most matched users have no change: their list is only made for the first one. A record found
  // by externalId is already linked to this id.
  let changes: AttributeChange[] | null = null;
  if (m.via !== 'externalId' && (t.externalId === null || lowerCase(t.externalId) !== lowerCase(m.user.id))) {
    changes = [{ attribute: 'externalId', before: t.externalId, after: m.user.id }];
  }
  for (let i = 0; i < mapped.length; i++) {
    const { attribute, field, isName, clean } = mapped[i] as MappedAttribute;
    const current = t.values[attribute];
    let after: string | null;
    if (isName) {
      // The same text on both sides is no change when it cleans to itself or to more than
      // nothing (a first character that is printable ASCII, not a space: trimming keeps it), as
      // nearly every name does: no cleaning, no look at the display name.
      const raw = m.user.fields[field as 'givenName' | 'surname'];
      if (raw === current && clean === cleanValue && raw != null && keptByTrim(raw.charCodeAt(0))) continue;
      after = nameValue(m.user, field as 'givenName' | 'surname');
    } else {
      const raw = rawField(m.user, field);
      // The same text on both sides is no change, however it cleans: the usual case.
      if (raw === current) continue;
      after = clean(raw);
    }
    // `after` is already clean, so a value equal to it cleans to itself.
    if (current === after) continue;
    const before = clean(current);
    if (before !== after) (changes ??= []).push({ attribute, before, after });
  }
  if (changes !== null) {
    ops.update.push({
      kind: 'update',
      id: `update:${t.id}`,
      reason: changes.map((c) => c.attribute).join(', ') + ' changed in Microsoft 365',
      targetId: t.id,
      sourceId: m.user.id,
      userName: m.address,
      changes,
    });
  }
  return changed || changes !== null;
}
