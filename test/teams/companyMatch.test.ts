import { editDistance, matchCompany, type CompanyMatch } from '../../src/teams/companyMatch';

const companies = [
  { id: 'acme', name: 'Acme Corp' },
  { id: 'acme-uk', name: 'Acme UK Ltd' },
  { id: 'contoso', name: 'Contoso' },
  { id: 'fabrikam', name: 'Fabrikam Industries' },
  { id: 'northwind', name: 'Northwind Traders' },
  { id: 'wwi', name: 'Wide World Importers' },
  { id: 'zurich', name: 'Zürich Versicherung' },
];

const summary = (m: CompanyMatch): string => {
  switch (m.kind) {
    case 'match':
      return `match ${m.company.id}${m.exact ? '' : ' (loose)'}`;
    case 'ambiguous':
      return `ambiguous ${m.candidates.map((c) => c.id).join(',')}`;
    case 'unknown':
      return `unknown ${m.suggestions.map((c) => c.id).join(',')}`;
  }
};

describe('matchCompany', () => {
  it.each([
    ['acme', 'match acme'], // exact id beats the prefix hit on "Acme UK Ltd"
    ['ACME-UK', 'match acme-uk'],
    ['Acme Corp', 'match acme'],
    ['acme corp', 'match acme'],
    ['  Contoso  ', 'match contoso'],
    ['acm', 'ambiguous acme,acme-uk'],
    ['acme u', 'match acme-uk (loose)'],
    ['fabri', 'match fabrikam (loose)'],
    ['north', 'match northwind (loose)'],
    ['world', 'match wwi (loose)'], // word prefix
    ['wide imp', 'match wwi (loose)'],
    ['zurich', 'match zurich'], // accents ignored
    ['Zürich', 'match zurich'],
    ['contosso', 'match contoso (loose)'], // one typo
    ['fabrikan industries', 'match fabrikam (loose)'],
    ['northwnd', 'match northwind (loose)'],
    ['globex', 'unknown '],
    ['contosxyz', 'unknown contoso'],
    ['', 'unknown '],
    ['xy', 'unknown '],
  ])('%j → %s', (query, expected) => {
    expect(summary(matchCompany(query, companies))).toBe(expected);
  });

  it('keeps the caller’s company objects', () => {
    const rich = companies.map((c) => ({ ...c, paused: false }));
    const result = matchCompany('contoso', rich);
    expect(result.kind === 'match' && result.company).toBe(rich[2]);
  });

  it('returns unknown for an empty list', () => {
    expect(matchCompany('acme', [])).toEqual({ kind: 'unknown', suggestions: [] });
  });
});

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', 'abc', 0],
    ['kitten', 'sitting', 3],
    ['acme', 'acne', 1],
    ['', 'abc', 3],
  ])('%s / %s = %i', (a, b, d) => expect(editDistance(a, b)).toBe(d));

  it('stops early past the maximum', () => {
    expect(editDistance('aaaaaaaa', 'bbbbbbbb', 2)).toBeGreaterThan(2);
  });
});
