import { accessPolicy } from './access-policy.ts';
import { entityRisk } from './entity-risk.ts';
import { idpDiscovery } from './idp-discovery.ts';
import type { PolicyKind, PolicyType } from './kind.ts';
import { mfaEnroll } from './mfa-enroll.ts';
import { oktaSignOn } from './okta-sign-on.ts';
import { password } from './password.ts';
import { postAuthSession } from './post-auth-session.ts';
import { profileEnrollment } from './profile-enrollment.ts';

/** Every policy type Tollgate serves and what it knows about it. */
export const POLICY_KINDS: Readonly<Record<PolicyType, PolicyKind>> = Object.freeze({
  OKTA_SIGN_ON: oktaSignOn,
  PASSWORD: password,
  MFA_ENROLL: mfaEnroll,
  IDP_DISCOVERY: idpDiscovery,
  ACCESS_POLICY: accessPolicy,
  PROFILE_ENROLLMENT: profileEnrollment,
  POST_AUTH_SESSION: postAuthSession,
  ENTITY_RISK: entityRisk,
});

export function policyKind(type: PolicyType): PolicyKind {
  return POLICY_KINDS[type];
}
