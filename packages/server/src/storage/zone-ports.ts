import type { ZoneStore } from '../domain/zones/ports.ts';
import { GroupPorts } from './group-ports.ts';

/** The zones tables (migration 0005). */
export abstract class ZonePorts extends GroupPorts implements ZoneStore {}
