import type { GroupStore } from '../domain/groups/ports.ts';
import { UserPorts } from './user-ports.ts';

/** The groups tables (migration 0005). */
export abstract class GroupPorts extends UserPorts implements GroupStore {}
