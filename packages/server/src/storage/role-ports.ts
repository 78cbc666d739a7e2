import type { RoleStore } from '../domain/roles/ports.ts';
import { AppPorts } from './app-ports.ts';

/** The roles tables (migration 0005). */
export abstract class RolePorts extends AppPorts implements RoleStore {}
