import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';

export function roleRoutes(api: FastifyInstance, deps: { services: Services; orgUrl: () => string }): void {}
