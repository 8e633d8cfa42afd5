import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { COMMAND_HELP } from '../../src/teams/commands';
import { APP_PACKAGE_DIR, buildAppPackage, checkIcon, fillPlaceholders, PackageError, validateManifest } from '../../scripts/packageApp';
import { encodePng, pngInfo } from '../../scripts/png';

const APP_ID = '6b1c2f4e-8a3d-4c1e-9f2a-1234567890ab';

/** Entries of a zip (stored or deflated), read from the central directory. */
function readZip(bytes: Buffer): Map<string, Buffer> {
  const eocd = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = bytes.readUInt16LE(eocd + 10);
  let at = bytes.readUInt32LE(eocd + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const method = bytes.readUInt16LE(at + 10);
    const size = bytes.readUInt32LE(at + 20);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extra = bytes.readUInt16LE(at + 30);
    const comment = bytes.readUInt16LE(at + 32);
    const local = bytes.readUInt32LE(at + 42);
    const name = bytes.toString('utf8', at + 46, at + 46 + nameLength);
    const dataStart = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    const data = bytes.subarray(dataStart, dataStart + size);
    entries.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    at += 46 + nameLength + extra + comment;
  }
  return entries;
}

describe('npm run package', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kb4sync-pkg-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a flat zip whose manifest validates against the Teams schema', async () => {
    const out = join(dir, 'kb4sync.zip');
    const result = await buildAppPackage({ env: { MicrosoftAppId: APP_ID, BOT_DOMAIN: 'kb4sync.example.com' }, out });
    expect(result.dryRun).toBe(false);
    const entries = readZip(readFileSync(out));
    expect([...entries.keys()].sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse((entries.get('manifest.json') ?? Buffer.alloc(0)).toString('utf8')) as Record<string, unknown>;
    expect(validateManifest(manifest)).toEqual([]);
    expect(JSON.stringify(manifest)).not.toContain('${{');
    expect(manifest).toMatchObject({
      id: APP_ID,
      validDomains: ['kb4sync.example.com'],
      bots: [{ botId: APP_ID, scopes: ['personal', 'team', 'groupChat'], supportsFiles: false }],
    });
    const bot = (manifest.bots as { commandLists: { commands: { title: string }[] }[] }[])[0];
    expect(bot?.commandLists[0]?.commands.map((c) => c.title)).toEqual(COMMAND_HELP.filter((c) => c.manifest !== false).map((c) => c.title));
    expect(pngInfo(entries.get('color.png') ?? Buffer.alloc(0))).toMatchObject({ width: 192, height: 192 });
    expect(pngInfo(entries.get('outline.png') ?? Buffer.alloc(0))).toMatchObject({ width: 32, height: 32, colorType: 6 });
  });

  it('fails clearly without a MicrosoftAppId, unless it is a dry run', async () => {
    await expect(buildAppPackage({ env: {}, out: join(dir, 'a.zip') })).rejects.toThrow(/MicrosoftAppId is not set/);
    await expect(buildAppPackage({ env: { MicrosoftAppId: 'not-a-guid' }, out: join(dir, 'a.zip') })).rejects.toThrow(/not a GUID/);
    const dry = await buildAppPackage({ env: {}, out: join(dir, 'dry.zip'), dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.manifest.id).toBe('00000000-0000-0000-0000-000000000000');
  });

  it('the schema check catches a broken manifest', () => {
    const template = JSON.parse(readFileSync(join(APP_PACKAGE_DIR, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    const filled = fillPlaceholders(template, { APP_VERSION: '1.0.0', TEAMS_APP_ID: APP_ID, BOT_ID: APP_ID, BOT_DOMAIN: 'x.example.com', DEVELOPER_NAME: 'n', DEVELOPER_URL: 'https://x.example.com', PRIVACY_URL: 'https://x.example.com', TERMS_URL: 'https://x.example.com' }) as Record<string, unknown>;
    expect(validateManifest(filled)).toEqual([]);
    expect(validateManifest({ ...filled, id: 'nope', name: { short: 'x'.repeat(31) } }).length).toBeGreaterThan(0);
    expect(() => fillPlaceholders({ a: '${{MISSING}}' }, {})).toThrow(PackageError);
  });

  it('rejects icons of the wrong size', () => {
    expect(() => checkIcon('color.png', encodePng(32, 32, new Uint8Array(32 * 32 * 4)))).toThrow(/192×192/);
    expect(() => checkIcon('outline.png', Buffer.from('not a png'))).toThrow(/not a PNG/);
    expect(() => checkIcon('outline.png', encodePng(32, 32, new Uint8Array(32 * 32 * 4)))).not.toThrow();
  });
});
