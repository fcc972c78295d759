/**
 * In-order completion per partition of the batches topic. Batches of different tables share a
 * partition but are applied in parallel; an offset may be committed only once every batch at or below
 * it is applied, so the committable offset is the end of the completed prefix.
 */
export class PartitionProgress {
  private readonly inFlight = new Map<number, boolean>(); // offset → done
  private committable: number | null = null;

  /** Registers a consumed batch event; must be called in offset order. */
  start(offset: number): void {
    this.inFlight.set(offset, false);
  }

  /** Marks an event done; returns the new committable offset (next to read) when it moved. */
  complete(offset: number): number | null {
    if (!this.inFlight.has(offset)) return null;
    this.inFlight.set(offset, true);
    let moved = false;
    for (const [pending, done] of this.inFlight) {
      if (!done) break;
      this.inFlight.delete(pending);
      this.committable = pending + 1;
      moved = true;
    }
    return moved ? this.committable : null;
  }

  get pending(): number {
    return this.inFlight.size;
  }
}
