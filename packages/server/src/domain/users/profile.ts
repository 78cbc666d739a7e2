import { ApiValidationError } from '../../errors/catalog.ts';
import type { FullProfile } from './types.ts';

/**
 * Okta's default user profile schema (the spec's `UserProfile`): every base attribute with its
 * maximum length. Tollgate has no custom profile attributes, so any other property is refused.
 */
const ATTRIBUTES: Record<string, number> = {
  login: 100,
  email: 100,
  firstName: 50,
  lastName: 50,
  middleName: 1024,
  honorificPrefix: 1024,
  honorificSuffix: 1024,
  title: 1024,
  displayName: 1024,
  nickName: 1024,
  profileUrl: 1024,
  secondEmail: 100,
  mobilePhone: 100,
  primaryPhone: 100,
  streetAddress: 1024,
  city: 128,
  state: 128,
  zipCode: 50,
  countryCode: 2,
  postalAddress: 4096,
  preferredLanguage: 1024,
  locale: 1024,
  timezone: 1024,
  userType: 1024,
  employeeNumber: 1024,
  costCenter: 1024,
  organization: 1024,
  division: 1024,
  department: 1024,
  managerId: 1024,
  manager: 1024,
};

/** The attributes Okta's default profile requires. */
const REQUIRED = ['login', 'email', 'firstName', 'lastName'] as const;

/** RFC 5322's dot-atom local part and a domain with at least one dot, as Okta's email check. */
const EMAIL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a complete profile (after merging a partial update) and answers it in stored form.
 * Every problem is reported at once as 400 E0000001 with one `attribute: message` cause each.
 */
export function checkProfile(input: unknown): FullProfile {
  if (!isObject(input)) throw new ApiValidationError(['profile: The field cannot be left blank'], 'profile');
  const causes: string[] = [];
  const profile: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(input)) {
    const max = ATTRIBUTES[name];
    if (max === undefined) {
      causes.push(`${name}: Property name '${name}' is not defined in the user profile schema`);
      continue;
    }
    if (value === null || value === undefined) {
      profile[name] = null;
      continue;
    }
    if (typeof value !== 'string') {
      causes.push(`${name}: must be a string`);
      continue;
    }
    if (value.length > max) causes.push(`${name}: must be at most ${max} characters`);
    profile[name] = value;
  }
  for (const name of REQUIRED) {
    const value = profile[name];
    if (value === undefined || value === null || value.trim() === '') causes.push(`${name}: The field cannot be left blank`);
  }
  const login = profile.login;
  if (typeof login === 'string' && login.trim() !== '') {
    if (login.length < 5) causes.push('login: must be at least 5 characters');
    else if (!EMAIL.test(login)) causes.push('login: Username must be in the form of an email address');
  }
  for (const name of ['email', 'secondEmail'] as const) {
    const value = profile[name];
    if (typeof value === 'string' && value.trim() !== '' && !EMAIL.test(value)) causes.push(`${name}: Does not match required pattern`);
  }
  if (typeof profile.email === 'string' && profile.email.length > 0 && profile.email.length < 5) causes.push('email: must be at least 5 characters');
  if (causes.length > 0) throw new ApiValidationError(causes);
  return profile as FullProfile;
}

/** A partial update: the given attributes replace the stored ones; `null` clears one. */
export function mergeProfile(stored: FullProfile, change: unknown): unknown {
  if (!isObject(change)) return change;
  return { ...stored, ...change };
}
