import { CSV_COLUMNS, csvField, diffCsv, diffJson, diffRows, neutraliseFormula } from '../../src/teams/diffExport';
import { planCounts } from '../../src/teams/cards';
import { bigPlan } from './fixtures';

/** A small RFC 4180 reader, to check the writer round-trips. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}

describe('csvField', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['cr\r\nlf', '"cr\r\nlf"'],
    ['', ''],
    ['=1+1', "'=1+1"],
    ['+SUM(A1)', "'+SUM(A1)"],
    ['-2+3', "'-2+3"],
    ['@cmd', "'@cmd"],
    ['\t=1', `"'\t=1"`],
    ['Sales;=cmd|\' /C calc\'!A0', `"Sales;=cmd|' /C calc'!A0"`],
    ['Sales\t=cmd|x', '"Sales\t=cmd|x"'],
    ['=HYPERLINK("http://evil","x")', `"'=HYPERLINK(""http://evil"",""x"")"`],
    ['a=b', 'a=b'],
  ])('%j → %j', (value, expected) => expect(csvField(value)).toBe(expected));

  it('neutralises only leading formula characters', () => {
    expect(neutraliseFormula('user@acme.com')).toBe('user@acme.com');
    expect(neutraliseFormula('@acme')).toBe("'@acme");
  });
});

describe('diffCsv', () => {
  const plan = bigPlan(64);

  it('has a header and one row per person and change, with before and after', () => {
    const csv = diffCsv(plan);
    expect(csv.startsWith('\ufeff')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(csv.slice(1));
    expect(rows[0]).toEqual(['change', 'person', 'name', 'field', 'before', 'after', 'reason', 'id']);
    expect(rows).toHaveLength(diffRows(plan).length + 1);
    for (const r of rows) expect(r).toHaveLength(CSV_COLUMNS.length);
    const of = (change: string) => rows.slice(1).filter((r) => r[0] === change);
    const ops = (kind: string) => plan.operations.filter((o) => o.kind === kind);
    // A joiner is one row, whatever their values: the card's joiners and the sheet's agree.
    expect(of('joiner')).toHaveLength(ops('create').length);
    expect(of('joiner')[0]).toEqual(expect.arrayContaining(['Zoë Ünal-0']));
    expect(of('leaver')).toHaveLength(ops('archive').length);
    expect(of('renamed').map((r) => [r[4], r[5]])).toEqual(ops('rename').map((o) => (o.kind === 'rename' ? [o.from, o.to] : [])));
    expect(of('conflict')).toHaveLength(plan.conflicts.length);
    expect(of('notManaged')).toHaveLength(plan.unmanaged.length);
    // A changed detail is one row with its before and after.
    const update = plan.operations.find((o) => o.kind === 'update');
    const updateRows = rows.filter((r) => r[7] === update?.id);
    expect(updateRows).toHaveLength(update?.kind === 'update' ? update.changes.length : -1);
    if (update?.kind === 'update') expect(updateRows.map((r) => [r[3], r[4], r[5]])).toEqual(update.changes.map((c) => [c.attribute, neutraliseFormula(c.before ?? ''), neutraliseFormula(c.after ?? '')]));
    const removal = of('groupRemoved')[0];
    expect([removal?.[3], removal?.[4], removal?.[5]]).toEqual(['group', 'Engineering', '']);
    // Joiners come first.
    expect(rows[1]?.[0]).toBe('joiner');
  });

  it('never leaves a formula at the start of a cell', () => {
    const rows = parseCsv(diffCsv(plan, { bom: false }));
    for (const cell of rows.flat()) expect(cell).not.toMatch(/^[=+\-@]/);
    expect(rows.flat()).toContain(`'=HYPERLINK("http://evil")`);
  });
});

describe('diffJson', () => {
  it('holds the complete plan with its counts', () => {
    const plan = bigPlan(500);
    const json = JSON.parse(diffJson(plan, { planId: 'p1', digest: 'd1' })) as Record<string, unknown>;
    expect(json).toMatchObject({ planId: 'p1', digest: 'd1', company: plan.company, counts: planCounts(plan) });
    expect(json.operations).toHaveLength(500);
    expect(json.conflicts).toEqual(plan.conflicts);
  });
});
