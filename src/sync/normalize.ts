/**
 * Normalisation: how two spellings of one address or one value are recognised as the same.
 */
import type { SourceUser } from './snapshot';

const NON_ASCII = /[^ -~\t\r\n]/;

/** A-Z, or anything beyond ASCII: the only characters lower-casing can change. */
const MAY_CHANGE_CASE = /[A-Z\u0080-\uffff]/;

/**
 * text.toLowerCase(), without the copy when there is nothing to lower (ids, and most addresses):
 * toLowerCase allocates a new string either way, and these keys live as long as the plan.
 */
export function lowerCase(text: string): string {
  return MAY_CHANGE_CASE.test(text) ? text.toLowerCase() : text;
}

/** Unicode NFC; ASCII text is already NFC, and skipping ICU for it matters at 100,000 users. */
export function nfc(text: string): string {
  return NON_ASCII.test(text) ? text.normalize('NFC') : text;
}

/**
 * Printable ASCII, not empty, no space at either end: text that cleaning leaves as it is, told by
 * one regular expression instead of two tests and a trim (several per user at 100,000 users).
 */
const ALREADY_CLEAN = /^[!-~](?:[ -~]*[!-~])?$/;
/** Whether a character code is printable ASCII other than a space: trimming never removes it. */
export function keptByTrim(code: number): boolean {
  return code > 32 && code < 127;
}

/** Printable ASCII without spaces or capitals: an address that is already its own key. */
const ALREADY_KEY = /^[!-@[-~]+$/;

/**
 * Printable ASCII without spaces, capitals, '#' or a second '@', in the shape `local@domain.tld`:
 * an address that cleaning leaves as it is, that is usable (isUsableAddress) and that is its own
 * key. One test instead of four for nearly every address.
 */
const PLAIN_ADDRESS = /^[!"$-?[-~]+@[!"$-?[-~]+\.[!"$-?[-~]+$/;

/**
 * The primary address and its key (see primaryAddress), as one string when the preferred address
 * is plain (PLAIN_ADDRESS); otherwise null, and the caller asks primaryAddress.
 */
export function plainPrimaryAddress(user: SourceUser, emailSource: 'mail' | 'upn'): string | null {
  const preferred = emailSource === 'mail' ? user.mail : user.userPrincipalName;
  return preferred != null && PLAIN_ADDRESS.test(preferred) ? preferred : null;
}

/** An address as it is sent to KnowBe4: trimmed and in Unicode NFC, case kept. */
export function cleanAddress(raw: string | null | undefined): string | null {
  return cleanValue(raw);
}

/** The comparison key of an address: cleaned and lower-cased. */
export function addressKey(raw: string | null | undefined): string | null {
  if (raw != null && ALREADY_KEY.test(raw)) return raw;
  const cleaned = cleanAddress(raw);
  return cleaned === null ? null : lowerCase(cleaned);
}

const ADDRESS_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;

/** Whether an address can be a KnowBe4 login: one @, a dotted domain, and no guest marker. */
export function isUsableAddress(address: string): boolean {
  // Upper-casing never makes a '#', so only an address with one needs the (copying) check.
  return ADDRESS_SHAPE.test(address) && !(address.includes('#') && address.toUpperCase().includes('#EXT#'));
}

/**
 * The address a source user is known by in KnowBe4. `mail` by default, the UPN when the company
 * says `emailSource: upn`; each falls back to the other when it is empty or unusable (a guest's
 * `#EXT#` UPN is never usable). null = the user has no usable address.
 */
export function primaryAddress(user: SourceUser, emailSource: 'mail' | 'upn'): string | null {
  // The fallback is only cleaned when the preferred address is not usable: almost never.
  const preferred = emailSource === 'mail' ? user.mail : user.userPrincipalName;
  const fallback = emailSource === 'mail' ? user.userPrincipalName : user.mail;
  return usableOrNull(cleanAddress(preferred)) ?? usableOrNull(cleanAddress(fallback));
}

function usableOrNull(address: string | null): string | null {
  return address !== null && isUsableAddress(address) ? address : null;
}

/**
 * The address in one `proxyAddresses` entry when it is an SMTP one (`SMTP:` primary or `smtp:`
 * alias), as written; null for other kinds (`X500:`, `SIP:`…) and empty ones. The one reader of
 * proxy addresses: the planner, the Graph lookup and `sync user` all go through it.
 */
export function smtpAddress(proxy: string): string | null {
  const colon = proxy.indexOf(':');
  if (colon < 0 || proxy.slice(0, colon).toLowerCase() !== 'smtp') return null;
  const address = proxy.slice(colon + 1);
  return address === '' ? null : address;
}

/** Keys of the user's other SMTP addresses (`smtp:` aliases and the `SMTP:` primary). */
export function aliasKeys(user: SourceUser): string[] {
  const keys = new Set<string>();
  for (const proxy of user.proxyAddresses) {
    const address = smtpAddress(proxy);
    if (address === null) continue;
    const key = addressKey(address);
    if (key !== null && isUsableAddress(key)) keys.add(key);
  }
  return [...keys];
}

/** A value as compared and sent: trimmed NFC, with empty meaning null. */
export function cleanValue(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  if (ALREADY_CLEAN.test(raw)) return raw;
  const cleaned = nfc(raw).trim();
  return cleaned === '' ? null : cleaned;
}

const ISO_DATE_PREFIX = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/;

/**
 * A date attribute's value as sent and compared: the calendar date as written (an ISO 8601 date or
 * date-time keeps its own date, whatever its zone). Anything else is left as it is: KnowBe4 refuses
 * it with an error that names the value, rather than kb4sync guessing a day.
 */
export function cleanDate(raw: string | null | undefined): string | null {
  const cleaned = cleanValue(raw);
  if (cleaned === null) return null;
  const m = ISO_DATE_PREFIX.exec(cleaned);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : cleaned;
}

/**
 * First and last name for a user whose Graph record has neither (common for accounts created by
 * scripts): split the display name at its last space. Never invents a name from an address.
 */
export function fallbackNames(displayName: string | null): { givenName: string | null; surname: string | null } {
  const name = cleanValue(displayName);
  if (name === null) return { givenName: null, surname: null };
  const lastSpace = name.lastIndexOf(' ');
  if (lastSpace <= 0) return { givenName: name, surname: null };
  return { givenName: name.slice(0, lastSpace).trim(), surname: name.slice(lastSpace + 1).trim() };
}
