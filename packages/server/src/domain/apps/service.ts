import type { DirectoryServiceDeps } from '../shared/service-deps.ts';

/** apps. Every mutation checks permissions, persists and logs its System Log event. */
export class AppService {
  constructor(private readonly deps: DirectoryServiceDeps) {}
}
