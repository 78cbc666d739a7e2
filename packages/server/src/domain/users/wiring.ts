import type { DirectoryServiceDeps } from '../shared/service-deps.ts';
import { PasswordHasher } from './password-hash.ts';
import { PasswordPolicyResolver } from './password-policy.ts';
import { UserService } from './service.ts';
import { SignInService } from './sign-in.ts';

/** The users service and sign-in, sharing one password hasher (one cost, one counter) and one policy cache. */
export function userServices(directory: DirectoryServiceDeps, passwordHashCost: number): { users: UserService; signIn: SignInService } {
  const passwords = new PasswordHasher({ ids: directory.ids, log2N: passwordHashCost });
  const passwordPolicies = new PasswordPolicyResolver(directory.store, directory.clock);
  return {
    users: new UserService({ ...directory, passwords, passwordPolicies }),
    signIn: new SignInService({ ...directory, passwords, passwordPolicies }),
  };
}
