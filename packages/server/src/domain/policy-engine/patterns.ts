/**
 * The string and version matching of policy conditions: `userIdentifier` patterns (IdP routing)
 * and `platform` OS versions. Compiled once per policy set; matching allocates nothing beyond
 * what a RegExp test does.
 */

/**
 * Compiles a `userIdentifier` EXPRESSION pattern. Okta's routing regexes are Java regexes
 * matched against the whole value ("`.*\+devtest@company.com` matches logins for the domain") and
 * are case-sensitive; Java's leading inline flag `(?i)`, which Okta's support articles suggest for
 * case-insensitive routing, is honoured. Throws SyntaxError when the pattern is not a valid
 * regular expression (the save-time check in `kinds/conditions.ts` uses this same function, so a
 * stored pattern always compiles).
 */
export function compileIdentifierRegExp(source: string): RegExp {
  const insensitive = source.startsWith('(?i)');
  const body = insensitive ? source.slice(4) : source;
  // Compiling the body alone first makes a pattern that only "works" inside the group, such as
  // `a)|(b`, fail as it would on its own. No `u` flag: Java accepts escapes such as `\@` that
  // JavaScript's unicode mode refuses.
  new RegExp(body);
  return new RegExp(`^(?:${body})$`, insensitive ? 'i' : '');
}

export type IdentifierMatchType = 'SUFFIX' | 'EQUALS' | 'STARTS_WITH' | 'CONTAINS' | 'EXPRESSION';

/** One compiled `userIdentifier` pattern: true when `value` matches. */
export type IdentifierMatcher = (value: string, lowered: string) => boolean;

/**
 * SUFFIX, EQUALS, STARTS_WITH and CONTAINS compare case-insensitively (Okta usernames and email
 * domains are case-insensitive: `Alice@Example.com` is routed like `alice@example.com`);
 * EXPRESSION is a case-sensitive whole-value regex (see `compileIdentifierRegExp`). The matcher
 * is given the value and its lower-case form, so a request lowers each value once.
 */
export function compileIdentifierPattern(matchType: IdentifierMatchType, value: string): IdentifierMatcher {
  const lower = value.toLowerCase();
  switch (matchType) {
    case 'SUFFIX':
      return (_, lowered) => lowered.endsWith(lower);
    case 'EQUALS':
      return (_, lowered) => lowered === lower;
    case 'STARTS_WITH':
      return (_, lowered) => lowered.startsWith(lower);
    case 'CONTAINS':
      return (_, lowered) => lowered.includes(lower);
    case 'EXPRESSION': {
      const regex = compileIdentifierRegExp(value);
      return (original) => regex.test(original);
    }
  }
}

/** A version as numbers: `14.2` is [14, 2]. Missing trailing parts compare as 0. */
export type Version = readonly number[];

const VERSION = /^v?(\d{1,9})(?:\.(\d{1,9}))?(?:\.(\d{1,9}))?(?:\.(\d{1,9}))?(?:[-+][0-9A-Za-z.+-]*)?$/;

/** Parses `14`, `14.2`, `14.2.1`, `10.0.19045.1` (a pre-release or build suffix is ignored); undefined otherwise. */
export function parseVersion(text: string): Version | undefined {
  const match = VERSION.exec(text.trim());
  if (!match) return undefined;
  const parts: number[] = [];
  for (let i = 1; i <= 4; i++) if (match[i] !== undefined) parts.push(Number(match[i]));
  return parts;
}

export function compareVersions(a: Version, b: Version): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference < 0 ? -1 : 1;
  }
  return 0;
}

type Comparator = '=' | '>' | '>=' | '<' | '<=';

/**
 * A SEMVER version condition: an optional comparator (`=`, `>`, `>=`, `<`, `<=`; none means `=`)
 * followed by a version. Equality compares the parts given (`14` equals `14.0.0`). A value that
 * does not parse matches no version. Returns a test of the client's parsed version.
 */
export function compileSemverCondition(value: string): (version: Version) => boolean {
  const match = /^\s*(>=|<=|>|<|=)?\s*(.+?)\s*$/.exec(value);
  const bound = match ? parseVersion(match[2]!) : undefined;
  if (!match || !bound) return () => false;
  const comparator = (match[1] ?? '=') as Comparator;
  return (version) => {
    const order = compareVersions(version, bound);
    switch (comparator) {
      case '=':
        return order === 0;
      case '>':
        return order > 0;
      case '>=':
        return order >= 0;
      case '<':
        return order < 0;
      case '<=':
        return order <= 0;
    }
  };
}
