/**
 * What a warehouse column type can hold, in terms both dialects share, so that schema evolution can
 * decide whether a target column already fits a batch's column, needs widening, or cannot follow.
 */
export type TypeShape =
  /** VARCHAR(n) / varchar(n) / text. `length` null: unbounded (PostgreSQL text). */
  | { family: 'string'; length: number | null }
  | { family: 'integer'; bytes: 2 | 4 | 8 }
  /** `precision` and `scale` null: unconstrained (PostgreSQL numeric), holds any decimal. */
  | { family: 'decimal'; precision: number | null; scale: number | null }
  | { family: 'float'; bytes: 4 | 8 }
  /** Everything else: compatible only with the very same normalised type. */
  | { family: 'exact'; type: string };

/**
 * - `holds`: the target column takes every value of the batch column as it is (same type, or wider:
 *   VARCHAR(200) for VARCHAR(100), BIGINT for INTEGER, DECIMAL(12,4) for DECIMAL(10,2)).
 * - `widen`: a longer string column is needed; the only in-place type change Redshift allows.
 * - `incompatible`: anything else (another family, a scale the target cannot hold, a longer integer).
 */
export type TypeFit = { fit: 'holds' } | { fit: 'widen' } | { fit: 'incompatible'; reason: string };

export function fitOf(target: TypeShape, batch: TypeShape): TypeFit {
  if (target.family === 'string' && batch.family === 'integer') {
    // An integer's text is its decimal digits, exactly what PostgreSQL's cast to text gives: a column
    // changed int → text (at the source, then by hand in the warehouse) keeps loading older int batches.
    return target.length === null || target.length >= 20 ? { fit: 'holds' } : { fit: 'incompatible', reason: 'integer values may not fit the string column' };
  }
  if (target.family !== batch.family) return { fit: 'incompatible', reason: `${batch.family} values cannot go into a ${target.family} column` };
  switch (target.family) {
    case 'string': {
      const b = batch as typeof target;
      if (target.length === null) return { fit: 'holds' };
      if (b.length === null || b.length > target.length) return { fit: 'widen' };
      return { fit: 'holds' };
    }
    case 'integer': {
      const b = batch as typeof target;
      return b.bytes <= target.bytes ? { fit: 'holds' } : { fit: 'incompatible', reason: 'the target integer type is shorter' };
    }
    case 'float': {
      const b = batch as typeof target;
      return b.bytes <= target.bytes ? { fit: 'holds' } : { fit: 'incompatible', reason: 'the target float type is shorter' };
    }
    case 'decimal': {
      const b = batch as typeof target;
      if (target.precision === null || target.scale === null) return { fit: 'holds' };
      if (b.precision === null || b.scale === null) return { fit: 'incompatible', reason: 'an unconstrained numeric does not fit a fixed precision' };
      if (b.scale > target.scale) return { fit: 'incompatible', reason: `scale ${b.scale} does not fit scale ${target.scale}` };
      return b.precision - b.scale <= target.precision - target.scale
        ? { fit: 'holds' }
        : { fit: 'incompatible', reason: `${b.precision - b.scale} integer digits do not fit ${target.precision - target.scale}` };
    }
    case 'exact': {
      const b = batch as typeof target;
      return b.type === target.type ? { fit: 'holds' } : { fit: 'incompatible', reason: 'different types' };
    }
  }
}
