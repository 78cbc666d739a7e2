import type { DirectoryServiceDeps } from '../shared/service-deps.ts';

/** admin role assignments. Every mutation checks permissions, persists and logs its System Log event. */
export class RoleService {
  constructor(private readonly deps: DirectoryServiceDeps) {}
}
