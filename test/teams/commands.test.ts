import fc from 'fast-check';
import { cleanText, COMMAND_HELP, parseCommand, type Command } from '../../src/teams/commands';

describe('parseCommand', () => {
  it.each<[string, Command]>([
    ['preview sync Acme', { kind: 'preview', company: 'Acme' }],
    ['preview Acme Corp', { kind: 'preview', company: 'Acme Corp' }],
    ['Preview Sync for "Acme Corp"', { kind: 'preview', company: 'Acme Corp' }],
    ['PREVIEW   SYNC   acme', { kind: 'preview', company: 'acme' }],
    ['<at>kb4sync</at> preview sync Acme', { kind: 'preview', company: 'Acme' }],
    ['<at id="0">kb4sync</at>&nbsp;preview sync Contoso&amp;Co', { kind: 'preview', company: 'Contoso&Co' }],
    ['  preview sync Acme?  ', { kind: 'preview', company: 'Acme' }],
    ['sync Acme', { kind: 'preview', company: 'Acme' }],
    ['sync user a@b.com', { kind: 'syncUser', email: 'a@b.com' }],
    ['sync user Ada.Lovelace@Acme.COM', { kind: 'syncUser', email: 'ada.lovelace@acme.com' }],
    ['sync user <a href="mailto:a@b.com">a@b.com</a>', { kind: 'syncUser', email: 'a@b.com' }],
    ['sync user mailto:a@b.com', { kind: 'syncUser', email: 'a@b.com' }],
    ['sync a@b.com', { kind: 'syncUser', email: 'a@b.com' }],
    ['sync user not-an-email', { kind: 'incomplete', command: 'syncUser', given: 'not-an-email' }],
    ['sync user', { kind: 'incomplete', command: 'syncUser', given: '' }],
    ['status', { kind: 'status' }],
    ['status Acme', { kind: 'status', company: 'Acme' }],
    ['companies', { kind: 'companies' }],
    ['list companies', { kind: 'companies' }],
    ['runs Acme', { kind: 'runs', company: 'Acme' }],
    ['history Acme', { kind: 'runs', company: 'Acme' }],
    ['runs', { kind: 'incomplete', command: 'runs', given: '' }],
    ['pause Acme Corp', { kind: 'pause', company: 'Acme Corp' }],
    ['Resume acme', { kind: 'resume', company: 'acme' }],
    ['pause', { kind: 'incomplete', command: 'pause', given: '' }],
    ['resume', { kind: 'incomplete', command: 'resume', given: '' }],
    ['onboard Contoso', { kind: 'incomplete', command: 'onboard', given: 'Contoso' }],
    ['subscribe', { kind: 'subscribe' }],
    ['unsubscribe', { kind: 'unsubscribe' }],
    ['help', { kind: 'help' }],
    ['?', { kind: 'help' }],
    ['', { kind: 'help' }],
    ['<at>kb4sync</at>', { kind: 'help' }],
    ['preview', { kind: 'incomplete', command: 'preview', given: '' }],
    ['preview sync', { kind: 'incomplete', command: 'preview', given: '' }],
    ['delete everything', { kind: 'unknown', text: 'delete everything' }],
    ['subscribe now please', { kind: 'unknown', text: 'subscribe now please' }],
  ])('%j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it('cleans mention tags, entities and odd whitespace', () => {
    expect(cleanText('<at>Bot</at>\u00a0 help\u200b\n')).toBe('help');
  });

  it('bounds what it echoes back', () => {
    const result = parseCommand(`x ${'y'.repeat(10_000)}`);
    expect(result.kind).toBe('unknown');
    expect(result.kind === 'unknown' && result.text.length).toBeLessThanOrEqual(500);
  });

  const kinds = new Set(['preview', 'syncUser', 'status', 'companies', 'runs', 'pause', 'resume', 'onboard', 'subscribe', 'unsubscribe', 'help', 'incomplete', 'unknown']);
  const keyword = fc.constantFrom('preview', 'preview sync', 'sync', 'sync user', 'status', 'runs', 'pause', 'resume', 'onboard', 'companies', 'help', '<at>bot</at>', '&nbsp;', '@', '"');

  it('never throws and always returns a union member (fuzz)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(keyword, fc.string(), fc.string({ unit: 'binary' })), { maxLength: 6 }), (parts) => {
        const command = parseCommand(parts.join(' '));
        expect(kinds.has(command.kind)).toBe(true);
        for (const value of Object.values(command)) if (command.kind !== 'onboard') expect(typeof value).toBe('string');
        if ('company' in command && command.company !== undefined) expect(command.company.trim()).not.toBe('');
        if (command.kind === 'syncUser') expect(command.email).toMatch(/^[^\s@]+@[^\s@]+\.[^\s@]+$/);
      }),
      { numRuns: 2_000 },
    );
  });

  it('help lists every command kind the parser knows', () => {
    expect(COMMAND_HELP.map((c) => parseCommand(c.usage.replace('<company>', 'Acme').replace('<email>', 'a@b.com').replace('[company]', '').replace('<name> <domain> <KnowBe4 Tenant URL>', 'Contoso Ltd contoso.com https://x.example/scim')).kind)).toEqual([
      'preview',
      'syncUser',
      'status',
      'companies',
      'audit',
      'runs',
      'pause',
      'resume',
      'onboard',
      'subscribe',
      'unsubscribe',
      'help',
    ]);
  });
});
