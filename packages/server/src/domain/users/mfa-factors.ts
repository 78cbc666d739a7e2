import type { JsonObject } from '../policies/kinds/kind.ts';

/** A factor the authn API's MFA_ENROLL answer lists (`_embedded.factors[]`, without links). */
export interface EnrollableFactor {
  factorType: string;
  provider: string;
  vendorName: string;
  enrollment: 'REQUIRED' | 'OPTIONAL';
}

type Factor = Omit<EnrollableFactor, 'enrollment'>;
const okta = (factorType: string): Factor => ({ factorType, provider: 'OKTA', vendorName: 'OKTA' });
const vendor = (factorType: string, provider: string): Factor => ({ factorType, provider, vendorName: provider });

/**
 * The Classic authn factors behind each MFA_ENROLL key: Identity Engine authenticator keys
 * (`settings.authenticators[].key`) and Classic factor keys (`settings.factors.<key>`). The
 * password (`okta_password`) is not a second factor, and an external IdP is not enrolled here:
 * neither is listed.
 */
const FACTORS: Record<string, Factor[]> = {
  // Identity Engine authenticators
  okta_email: [okta('email')],
  okta_verify: [okta('push'), okta('token:software:totp')],
  phone_number: [okta('sms'), okta('call')],
  security_question: [okta('question')],
  google_otp: [vendor('token:software:totp', 'GOOGLE')],
  webauthn: [vendor('webauthn', 'FIDO')],
  yubikey_token: [vendor('token:hardware', 'YUBICO')],
  rsa_token: [vendor('token', 'RSA')],
  symantec_vip: [vendor('token', 'SYMANTEC')],
  duo: [vendor('web', 'DUO')],
  custom_otp: [vendor('token:hotp', 'CUSTOM')],
  // Classic factor keys
  okta_otp: [okta('token:software:totp')],
  okta_push: [okta('push')],
  okta_sms: [okta('sms')],
  okta_call: [okta('call')],
  okta_question: [okta('question')],
  fido_webauthn: [vendor('webauthn', 'FIDO')],
  fido_u2f: [vendor('u2f', 'FIDO')],
};

const objectOf = (value: unknown): JsonObject | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined);

/**
 * The factors an MFA_ENROLL policy's settings let a user enroll, in the policy's order: those
 * whose `enroll.self` is REQUIRED or OPTIONAL (NOT_ALLOWED ones are left out), each once.
 */
export function enrollableFactors(settings: JsonObject | null): EnrollableFactor[] {
  const entries: [string, unknown][] = [];
  const authenticators = settings?.authenticators;
  if (Array.isArray(authenticators)) for (const a of authenticators) entries.push([String(objectOf(a)?.key ?? ''), objectOf(objectOf(a)?.enroll)?.self]);
  const factors = objectOf(settings?.factors);
  if (factors) for (const [key, f] of Object.entries(factors)) entries.push([key, objectOf(objectOf(f)?.enroll)?.self]);

  const listed = new Map<string, EnrollableFactor>();
  for (const [key, self] of entries) {
    if (self !== 'REQUIRED' && self !== 'OPTIONAL') continue;
    for (const factor of FACTORS[key] ?? []) {
      const id = `${factor.factorType}/${factor.provider}`;
      const seen = listed.get(id);
      if (!seen) listed.set(id, { ...factor, enrollment: self });
      else if (self === 'REQUIRED') seen.enrollment = 'REQUIRED';
    }
  }
  return [...listed.values()];
}
