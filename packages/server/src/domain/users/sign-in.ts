import type { DirectoryServiceDeps } from '../shared/service-deps.ts';

/** primary authentication (POST /api/v1/authn). Every mutation checks permissions, persists and logs its System Log event. */
export class SignInService {
  constructor(private readonly deps: DirectoryServiceDeps) {}
}
