/**
 * The attribute vocabulary shared by both sides: which Microsoft Graph user fields exist, which
 * KnowBe4 (SCIM) attributes exist and where each one lives in a SCIM resource. Pure data.
 */

/** Graph user fields that can feed a KnowBe4 attribute (all are strings, or read as one). */
export const GRAPH_FIELDS = [
  'displayName',
  'givenName',
  'surname',
  'jobTitle',
  'department',
  'employeeId',
  'employeeType',
  'companyName',
  'officeLocation',
  'city',
  'state',
  'country',
  'usageLocation',
  'mobilePhone',
  'businessPhone',
  'mailNickname',
  'onPremisesSamAccountName',
  'onPremisesSecurityIdentifier',
  'preferredLanguage',
  'lastPasswordChangeDateTime',
  'userPrincipalName',
  'mail',
] as const;
export type GraphField = (typeof GRAPH_FIELDS)[number];

export type ScimSchema = 'core' | 'enterprise' | 'kmsat';

export const SCIM_SCHEMA_URN: Record<ScimSchema, string> = {
  core: 'urn:ietf:params:scim:schemas:core:2.0:User',
  enterprise: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  kmsat: 'urn:ietf:params:scim:schemas:extension:knowbe4:kmsat:2.0:User',
};

/**
 * KnowBe4 attributes kb4sync can write, keyed by the name used in `kb4sync.yaml`, with the SCIM
 * location. `path` is the attribute path inside its schema (dots for sub-attributes, and the
 * `[type eq "…"]` form for multi-valued ones).
 */
export const KB4_ATTRIBUTES = {
  givenName: { schema: 'core', path: 'name.givenName' },
  familyName: { schema: 'core', path: 'name.familyName' },
  displayName: { schema: 'core', path: 'displayName' },
  title: { schema: 'core', path: 'title' },
  userType: { schema: 'core', path: 'userType' },
  phoneWork: { schema: 'core', path: 'phoneNumbers[type eq "work"].value' },
  phoneMobile: { schema: 'core', path: 'phoneNumbers[type eq "mobile"].value' },
  addressWork: { schema: 'core', path: 'addresses[type eq "work"].formatted' },
  employeeNumber: { schema: 'enterprise', path: 'employeeNumber' },
  department: { schema: 'enterprise', path: 'department' },
  division: { schema: 'enterprise', path: 'division' },
  organization: { schema: 'enterprise', path: 'organization' },
  customDate1: { schema: 'kmsat', path: 'customDate1' },
  customDate2: { schema: 'kmsat', path: 'customDate2' },
  customField1: { schema: 'kmsat', path: 'customField1' },
  customField2: { schema: 'kmsat', path: 'customField2' },
  customField3: { schema: 'kmsat', path: 'customField3' },
  customField4: { schema: 'kmsat', path: 'customField4' },
  outOfOfficeEnd: { schema: 'kmsat', path: 'outOfOfficeEnd' },
  phishingLanguage: { schema: 'kmsat', path: 'phishingLanguage' },
  trainingLanguage: { schema: 'kmsat', path: 'trainingLanguage' },
  hostname: { schema: 'kmsat', path: 'hostname' },
  companyName: { schema: 'kmsat', path: 'companyName' },
  country: { schema: 'kmsat', path: 'country' },
  mailNickName: { schema: 'kmsat', path: 'mailNickName' },
  onPremisesSamAccountName: { schema: 'kmsat', path: 'onPremisesSamAccountName' },
  onPremisesSecurityIdentifier: { schema: 'kmsat', path: 'onPremisesSecurityIdentifier' },
  userPrincipalName: { schema: 'kmsat', path: 'userPrincipalName' },
  lastPasswordChangeDateTime: { schema: 'kmsat', path: 'lastPasswordChangeDateTime' },
} as const satisfies Record<string, { schema: ScimSchema; path: string }>;

export type Kb4Attribute = keyof typeof KB4_ATTRIBUTES;

/**
 * KnowBe4's date attributes (DateTime in its schema, used as calendar dates in the console): sent
 * as ISO 8601 dates (YYYY-MM-DD) and compared as dates, so a value KnowBe4 returns reformatted
 * (with a time, a zone) is not a change every night.
 */
export const KB4_DATE_ATTRIBUTES: ReadonlySet<Kb4Attribute> = new Set(['customDate1', 'customDate2', 'outOfOfficeEnd']);
export const KB4_ATTRIBUTE_NAMES = Object.keys(KB4_ATTRIBUTES) as Kb4Attribute[];

/** Values of the KnowBe4 attributes a record carries; absent and null both mean "empty". */
export type Kb4Values = Partial<Record<Kb4Attribute, string | null>>;

/** KnowBe4 attribute ← Graph field. */
export type AttributeMapping = Partial<Record<Kb4Attribute, GraphField>>;

/**
 * What every company maps unless its config says otherwise: the names, title, department and
 * employee number, the fields the MSP workflow seed keeps in step. `displayName` is deliberately
 * not mapped by default: one third-party guide reports KnowBe4 shows it as the manager's name.
 */
export const DEFAULT_MAPPING: AttributeMapping = {
  givenName: 'givenName',
  familyName: 'surname',
  title: 'jobTitle',
  department: 'department',
  employeeNumber: 'employeeId',
};

/** The default mapping with a company's own entries laid over it (`null` removes a default). */
export function effectiveMapping(overrides: Readonly<Record<string, GraphField | null>>): AttributeMapping {
  const mapping: AttributeMapping = { ...DEFAULT_MAPPING };
  for (const [attr, field] of Object.entries(overrides)) {
    const key = attr as Kb4Attribute;
    if (field === null) delete mapping[key];
    else mapping[key] = field;
  }
  return mapping;
}

/** Which report counter an attribute change feeds (the seed's `attribute_updates`). */
export function attributeCategory(attr: Kb4Attribute): 'names' | 'departments' | 'titles' | 'other' {
  switch (attr) {
    case 'givenName':
    case 'familyName':
    case 'displayName':
      return 'names';
    case 'department':
      return 'departments';
    case 'title':
      return 'titles';
    default:
      return 'other';
  }
}
