/** The planner's one-test path for plain addresses answers as primaryAddress and lowerCase do. */
import fc from 'fast-check';
import type { SourceUser } from '../../src/sync';
import { lowerCase, plainPrimaryAddress, primaryAddress } from '../../src/sync/normalize';

const user = (mail: string | null, upn: string): SourceUser => ({
  id: 'id',
  userPrincipalName: upn,
  mail,
  proxyAddresses: [],
  accountEnabled: true,
  userType: 'Member',
  licenses: [],
  managerId: null,
  fields: {},
});

// Characters around the edges of the plain class: capitals, '#', '@', '.', spaces, non-ASCII.
const chars = fc.constantFrom('a', 'z', 'A', 'Z', '0', '.', '@', '#', '-', '_', '+', ' ', '\t', 'é', 'É', '[', '`', '~', '!', '"', '?', '\u00a0');
const text = fc.array(chars, { maxLength: 12 }).map((cs) => cs.join(''));

test('a plain address is the primary address and its own key; otherwise primaryAddress decides', () => {
  fc.assert(
    fc.property(fc.option(text, { nil: null }), text, fc.constantFrom('mail' as const, 'upn' as const), (mail, upn, source) => {
      const u = user(mail, upn);
      const plain = plainPrimaryAddress(u, source);
      if (plain !== null) {
        expect(plain).toBe(primaryAddress(u, source));
        expect(lowerCase(plain)).toBe(plain);
      }
    }),
    { numRuns: 3000 },
  );
});

test('everyday addresses are plain; capitals, guests and odd shapes are not', () => {
  expect(plainPrimaryAddress(user('ann.lee+x@contoso.co.uk', 'u'), 'mail')).toBe('ann.lee+x@contoso.co.uk');
  expect(plainPrimaryAddress(user('x', 'bob@contoso.com'), 'upn')).toBe('bob@contoso.com');
  for (const odd of ['Ann@contoso.com', 'ann_contoso.com#EXT#@t.onmicrosoft.com', 'ann@contoso', ' ann@contoso.com', 'ann@@contoso.com', 'añn@contoso.com']) {
    expect(plainPrimaryAddress(user(odd, 'u'), 'mail')).toBeNull();
  }
});
