import type { DirectoryServiceDeps } from '../shared/service-deps.ts';

/** users. Every mutation checks permissions, persists and logs its System Log event. */
export class UserService {
  constructor(private readonly deps: DirectoryServiceDeps) {}
}
