import type { UserStore } from '../domain/users/ports.ts';
import { RateLimitPorts } from './rate-limit-ports.ts';

/** The users tables (migration 0005). */
export abstract class UserPorts extends RateLimitPorts implements UserStore {}
