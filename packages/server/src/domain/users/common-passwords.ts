import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * `dictionary.common.exclude`: the ~49,000 most common passwords of zxcvbn-ts's maintained
 * `passwords-common` list (ranked from public breach corpora), compared case-insensitively.
 * Built on first use: the list decompresses in a few milliseconds and only password checks need it.
 */
let common: ReadonlySet<string> | undefined;

export function isCommonPassword(password: string): boolean {
  common ??= new Set(dictionary['passwords-common'].map((p) => String(p).toLowerCase()));
  return common.has(password.toLowerCase());
}
