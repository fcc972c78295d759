type State = 'applying' | 'done' | 'parked';

/**
 * In-order completion per partition of the batches topic. Batches of different tables share a
 * partition but are applied in parallel; an offset may be committed only once every batch at or below
 * it is applied, so the committable offset is the end of the completed prefix.
 *
 * A batch of a stopped table is parked: it is neither applied nor committed past, so that the loader
 * consumes it again after the next restart or rebalance, but it no longer counts as pending work
 * (other tables keep flowing).
 */
export class PartitionProgress {
  private readonly inFlight = new Map<number, State>();
  private committable: number | null = null;
  private parkedCount = 0;
  private applyingCount = 0;

  /** Registers a consumed batch event; must be called in offset order. */
  start(offset: number): void {
    if (this.inFlight.get(offset) === 'applying') return;
    this.inFlight.set(offset, 'applying');
    this.applyingCount++;
  }

  /** Marks an event done; returns the new committable offset (next to read) when it moved. */
  complete(offset: number): number | null {
    const state = this.inFlight.get(offset);
    if (state === undefined || state === 'done') return null;
    if (state === 'parked') this.parkedCount--;
    else this.applyingCount--;
    this.inFlight.set(offset, 'done');
    let moved = false;
    for (const [pending, done] of this.inFlight) {
      if (done !== 'done') break;
      this.inFlight.delete(pending);
      this.committable = pending + 1;
      moved = true;
    }
    return moved ? this.committable : null;
  }

  /** Sets an event aside: it holds the committable offset back but is no longer pending work. */
  park(offset: number): void {
    if (this.inFlight.get(offset) !== 'applying') return;
    this.inFlight.set(offset, 'parked');
    this.applyingCount--;
    this.parkedCount++;
  }

  /** Events consumed and still being applied: neither done (even if not committable yet) nor parked. */
  get pending(): number {
    return this.applyingCount;
  }

  get parked(): number {
    return this.parkedCount;
  }
}
