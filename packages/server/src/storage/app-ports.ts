import type { AppStore } from '../domain/apps/ports.ts';
import { ZonePorts } from './zone-ports.ts';

/** The apps tables (migration 0005). */
export abstract class AppPorts extends ZonePorts implements AppStore {}
