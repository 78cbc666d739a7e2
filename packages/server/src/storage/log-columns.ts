import type { LogEvent } from '../domain/system-log/types.ts';

/** The indexed columns of one System Log event (see migration 0003), and its target ids. */
export function logEventColumns(event: LogEvent) {
  return {
    uuid: event.uuid,
    published: Date.parse(event.published),
    event_type: event.eventType,
    actor_id: event.actor.id,
    severity: event.severity,
    outcome_result: event.outcome.result,
    transaction_id: event.transaction?.id ?? null,
    api_token_id: event.transaction?.detail?.requestApiTokenId ?? null,
    keywords: keywordText(event),
    targets: (event.target ?? []).map((t) => t.id),
  };
}

/**
 * Every string value of the event, lower-cased and separated by newlines (which keywords
 * cannot contain), so `q` matches values and never property names.
 */
function keywordText(value: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v.toLowerCase());
    else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return `\n${out.join('\n')}\n`;
}
