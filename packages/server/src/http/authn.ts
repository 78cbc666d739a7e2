import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';

export function authnRoutes(api: FastifyInstance, deps: { services: Services; orgUrl: () => string }): void {}
