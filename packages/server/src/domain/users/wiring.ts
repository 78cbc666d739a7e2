import type { PolicyEngine } from '../policy-engine/service.ts';
import type { DirectoryServiceDeps } from '../shared/service-deps.ts';
import { PasswordHasher } from './password-hash.ts';
import { PasswordPolicyResolver } from './password-policy.ts';
import { UserService } from './service.ts';
import { SignInService } from './sign-in.ts';

/** The users service and sign-in, sharing one password hasher (one cost, one counter) and the org's policy engine. */
export function userServices(directory: DirectoryServiceDeps, passwordHashCost: number, engine: PolicyEngine): { users: UserService; signIn: SignInService } {
  const passwords = new PasswordHasher({ ids: directory.ids, log2N: passwordHashCost });
  const passwordPolicies = new PasswordPolicyResolver(engine);
  return {
    users: new UserService({ ...directory, passwords, passwordPolicies }),
    signIn: new SignInService({ ...directory, passwords, passwordPolicies, engine }),
  };
}
