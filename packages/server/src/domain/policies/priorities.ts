import type { PrioritySlot } from './types.ts';

export interface OrderSpec {
  /** The priority of the first non-default slot: 1, or 0 for ACCESS_POLICY rules. */
  first: number;
  /** Where default (system) entries sit: right after the others, or at a fixed number. */
  pinned: 'last' | number;
}

/**
 * Okta's priority rules as one pure function. Non-default entries take contiguous priorities
 * from `spec.first`; default entries follow them (or sit at the pinned number). Placing an entry
 * at priority p puts it before the current holder of p, shifting the rest down; p beyond the
 * end clamps to the last non-default slot, and no p keeps a present entry where it is (a new one
 * goes last). Removing an entry (`place` undefined) closes the gap.
 *
 * Returns the priority the placed entry ends up with and every slot whose stored priority must
 * change, the placed one included when it is new or moved.
 */
export function reorder(
  current: readonly PrioritySlot[],
  spec: OrderSpec,
  place?: { id: string; system: boolean; requested?: number | null },
  remove?: string,
): { priority: number | undefined; changes: { id: string; priority: number }[] } {
  const sorted = [...current].sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const regular = sorted.filter((s) => !s.system && s.id !== remove);
  const defaults = sorted.filter((s) => s.system && s.id !== remove);
  if (place && !place.system) {
    const at = regular.findIndex((s) => s.id === place.id);
    const existing = at >= 0 ? regular.splice(at, 1)[0] : undefined;
    const index =
      place.requested === undefined || place.requested === null
        ? at >= 0
          ? at
          : regular.length
        : Math.min(Math.max(place.requested - spec.first, 0), regular.length);
    regular.splice(index, 0, existing ?? { id: place.id, priority: Number.NaN, system: false });
  } else if (place && !defaults.some((s) => s.id === place.id)) {
    defaults.push({ id: place.id, priority: Number.NaN, system: true });
  }
  const changes: { id: string; priority: number }[] = [];
  let placed: number | undefined;
  const assign = (slot: PrioritySlot, priority: number) => {
    if (slot.priority !== priority) changes.push({ id: slot.id, priority });
    if (slot.id === place?.id) placed = priority;
  };
  regular.forEach((slot, i) => assign(slot, spec.first + i));
  defaults.forEach((slot, i) => assign(slot, spec.pinned === 'last' ? spec.first + regular.length + i : spec.pinned + i));
  return { priority: placed, changes };
}
