import type { DirectoryServiceDeps } from '../shared/service-deps.ts';

/** groups. Every mutation checks permissions, persists and logs its System Log event. */
export class GroupService {
  constructor(private readonly deps: DirectoryServiceDeps) {}
}
