/**
 * Rendered response pages, each valid while a generation counter read from the store still has
 * the value it was rendered at. Bounded in entries and bytes; the oldest entry goes first.
 * Bodies are kept encoded, so a hit costs no serialisation and no UTF-8 encoding.
 * Used for policy lists, which SDKs and Terraform read far more often than they change them and
 * whose rendering (hundreds of rules, parsed and serialised) dominates the request.
 */
export class RenderedPages {
  private readonly entries = new Map<string, { generation: number; body: Buffer; link: string[] }>();
  private bytes = 0;

  constructor(private readonly limits: { maxEntries: number; maxBytes: number }) {}

  get(key: string, generation: number): { body: Buffer; link: string[] } | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.generation !== generation) {
      this.remove(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, generation: number, body: Buffer, link: string[]): void {
    if (body.length > this.limits.maxBytes) return;
    this.remove(key);
    while (this.entries.size >= this.limits.maxEntries || this.bytes + body.length > this.limits.maxBytes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
    this.entries.set(key, { generation, body, link });
    this.bytes += body.length;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.body.length;
  }
}
