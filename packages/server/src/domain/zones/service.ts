import type { DirectoryServiceDeps } from '../shared/service-deps.ts';

/** network zones. Every mutation checks permissions, persists and logs its System Log event. */
export class ZoneService {
  constructor(private readonly deps: DirectoryServiceDeps) {}
}
