/**
 * The `$filter` subset the Graph sandbox answers on /users: what Graph serves by default (without
 * `ConsistencyLevel: eventual`) for finding someone by address:
 *
 *   mail eq 'a'   userPrincipalName eq 'a'   proxyAddresses/any(p:p eq 'smtp:a')
 *
 * joined with `or`, optionally in parentheses. String literals double an inner quote ('o''neil').
 * Graph compares these strings case-insensitively. Anything else is refused the way Graph refuses
 * a clause it does not support, because silently ignoring part of a filter would return the wrong
 * people.
 */

/** What a user record must offer for the filter to be evaluated. */
export interface FilterableUser {
  mail: string | null;
  userPrincipalName: string;
  proxyAddresses: readonly string[];
}

export type UserPredicate = (user: FilterableUser) => boolean;

/** Why a filter was refused; the server turns it into Graph's 400 error body. */
export class FilterRefused extends Error {
  constructor(
    readonly code: 'BadRequest' | 'Request_UnsupportedQuery',
    message: string,
  ) {
    super(message);
    this.name = 'FilterRefused';
  }
}

type Token = { kind: 'word'; text: string; at: number } | { kind: 'string'; text: string; at: number } | { kind: 'punct'; text: '(' | ')' | '/' | ':'; at: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "'") {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new FilterRefused('BadRequest', `Invalid filter clause: unterminated string literal at position ${start} in '${text}'.`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i];
        i++;
      }
      tokens.push({ kind: 'string', text: value, at: start });
    } else if (ch === '(' || ch === ')' || ch === '/' || ch === ':') {
      tokens.push({ kind: 'punct', text: ch, at: i });
      i++;
    } else {
      const m = /^[A-Za-z_$][A-Za-z0-9_.$]*/.exec(text.slice(i));
      if (!m) throw new FilterRefused('BadRequest', `Invalid filter clause: syntax error at position ${i} in '${text}'.`);
      tokens.push({ kind: 'word', text: m[0], at: i });
      i += m[0].length;
    }
  }
  return tokens;
}

const lower = (s: string | null | undefined) => (s ?? '').toLowerCase();
const SCALAR_PROPERTIES: Record<string, (u: FilterableUser) => string | null> = {
  mail: (u) => u.mail,
  userprincipalname: (u) => u.userPrincipalName,
};

/** Parses a `$filter` on users into a predicate, or throws FilterRefused. */
export function parseUserFilter(text: string): UserPredicate {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const syntax = (token: Token | undefined): never => {
    throw new FilterRefused('BadRequest', `Invalid filter clause: syntax error at position ${token?.at ?? text.length} in '${text}'.`);
  };
  const unsupported = (property: string): never => {
    throw new FilterRefused('Request_UnsupportedQuery', `Unsupported or invalid query filter clause specified for property '${property}' of resource 'User'.`);
  };
  const expectPunct = (p: string) => {
    const t = tokens[pos];
    if (t?.kind !== 'punct' || t.text !== p) syntax(t);
    pos++;
  };
  const expectWord = (w: string): void => {
    const t = tokens[pos];
    if (t?.kind !== 'word' || t.text.toLowerCase() !== w) syntax(t);
    pos++;
  };
  const literal = (property: string): string => {
    const t = tokens[pos];
    if (t?.kind !== 'string') return unsupported(property);
    pos++;
    return t.text;
  };

  const comparison = (): UserPredicate => {
    const t = peek();
    if (t?.kind === 'punct' && t.text === '(') {
      pos++;
      const inner = disjunction();
      expectPunct(')');
      return inner;
    }
    if (t?.kind !== 'word') return syntax(t);
    pos++;
    const call = peek();
    if (call?.kind === 'punct' && call.text === '(') {
      throw new FilterRefused('Request_UnsupportedQuery', `Unsupported query: the sandbox does not model the filter function '${t.text}'.`);
    }
    const property = t.text.toLowerCase();
    if (property === 'proxyaddresses') {
      // Collections need a lambda: proxyAddresses/any(p:p eq '…').
      expectPunct('/');
      expectWord('any');
      expectPunct('(');
      const variable = tokens[pos];
      if (variable?.kind !== 'word') return syntax(variable);
      pos++;
      expectPunct(':');
      const again = tokens[pos];
      if (again?.kind !== 'word' || again.text !== variable.text) return unsupported(t.text);
      pos++;
      const op = tokens[pos];
      if (op?.kind !== 'word' || op.text.toLowerCase() !== 'eq') return unsupported(t.text);
      pos++;
      const value = lower(literal(t.text));
      expectPunct(')');
      return (u) => u.proxyAddresses.some((p) => lower(p) === value);
    }
    const read = SCALAR_PROPERTIES[property];
    if (!read) return unsupported(t.text);
    const op = peek();
    if (op?.kind !== 'word' || op.text.toLowerCase() !== 'eq') return unsupported(t.text);
    pos++;
    const value = lower(literal(t.text));
    return (u) => {
      const v = read(u);
      return v !== null && lower(v) === value;
    };
  };

  const disjunction = (): UserPredicate => {
    const terms = [comparison()];
    for (let t = peek(); t?.kind === 'word' && t.text.toLowerCase() === 'or'; t = peek()) {
      pos++;
      terms.push(comparison());
    }
    return terms.length === 1 ? (terms[0] as UserPredicate) : (u) => terms.some((term) => term(u));
  };

  if (tokens.length === 0) syntax(undefined);
  const predicate = disjunction();
  const rest = peek();
  if (rest !== undefined) {
    // `and`, `not`, `ne`, functions…: valid OData the sandbox does not model.
    if (rest.kind === 'word') throw new FilterRefused('Request_UnsupportedQuery', `Unsupported query: the sandbox does not model the filter operator '${rest.text}'.`);
    syntax(rest);
  }
  return predicate;
}
