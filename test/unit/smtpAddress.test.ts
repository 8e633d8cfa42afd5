/** The one reader of proxyAddresses entries: SMTP ones only, primary or alias, as written. */
import { smtpAddress } from '../../src/sync';

test('SMTP: and smtp: entries give their address; other kinds and empty ones give null', () => {
  expect(smtpAddress('SMTP:Ann.Admin@contoso.com')).toBe('Ann.Admin@contoso.com');
  expect(smtpAddress('smtp:ann@contoso.onmicrosoft.com')).toBe('ann@contoso.onmicrosoft.com');
  expect(smtpAddress('Smtp:old@contoso.com')).toBe('old@contoso.com');
  expect(smtpAddress('X500:/o=ExchangeLabs/ou=Exchange')).toBeNull();
  expect(smtpAddress('SIP:ann@contoso.com')).toBeNull();
  expect(smtpAddress('smtp:')).toBeNull();
  expect(smtpAddress('ann@contoso.com')).toBeNull();
});
