import { createRequire } from 'node:module';

/** The slice of ua-parser-js 1.x (MIT; 2.x is AGPL) this module uses; the package ships no types. */
type ParseUserAgent = (ua: string) => { os: { name?: string; version?: string }; browser: { name?: string } };
const parse = createRequire(import.meta.url)('ua-parser-js') as ParseUserAgent;

export interface LogUserAgent {
  rawUserAgent: string;
  os: string;
  browser: string;
}

/** ua-parser-js names whose Okta spelling differs. */
const OS_NAMES: Record<string, string> = { 'Mac OS': 'Mac OS X', linux: 'Linux' };

/**
 * The System Log's `client.userAgent`, in Okta's spelling: `os` like "Mac OS X", "Windows 10" or
 * "Linux", `browser` upper-case like "CHROME" or "FIREFOX"; "Unknown" / "UNKNOWN" when the
 * agent (an SDK, curl) names neither, as Okta shows for API clients.
 */
export function parseUserAgent(raw: string): LogUserAgent {
  const { os, browser } = parse(raw);
  let osName = os.name ? (OS_NAMES[os.name] ?? os.name) : 'Unknown';
  if (osName === 'Windows' && os.version) osName = `Windows ${os.version}`;
  const browserName = browser.name ? browser.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_') : 'UNKNOWN';
  return { rawUserAgent: raw, os: osName, browser: browserName };
}
