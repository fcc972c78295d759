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
 * - `widen`: the batch type holds every value of the target type, each value cast exactly as the source
 *   PostgreSQL cast it when the column changed (a longer string, a longer integer or float, an integer
 *   into a decimal with as many integer digits, a decimal with more digits on both sides, an integer
 *   into a string): the target column can follow in place, keeping every row's value.
 * - `incompatible`: anything else (another family, a scale the target cannot hold, a narrowing that
 *   is not a mere fit): the rows already in the warehouse cannot be converted to what the source holds.
 */
export type TypeFit = { fit: 'holds' } | { fit: 'widen' } | { fit: 'incompatible'; reason: string };

/** Decimal digits of the longest value of an integer type: int2 5, int4 10, int8 19. */
const INTEGER_DIGITS: Readonly<Record<2 | 4 | 8, number>> = { 2: 5, 4: 10, 8: 19 };

/**
 * Whether a target column of type `target` holds a batch column of type `batch`, needs widening to it,
 * or cannot follow (see TypeFit). Pure: schema evolution decides from it alone.
 */
export function fitOf(target: TypeShape, batch: TypeShape): TypeFit {
  if (target.family === 'string' && batch.family === 'integer') {
    // An integer's text is its decimal digits, exactly what PostgreSQL's cast to text gives: a column
    // changed int → text (at the source, then by hand in the warehouse) keeps loading older int batches.
    return target.length === null || target.length >= 20 ? { fit: 'holds' } : { fit: 'incompatible', reason: 'integer values may not fit the string column' };
  }
  if (target.family === 'integer' && batch.family === 'string') {
    // int → text at the source: every row's new value is the integer's decimal text, which the
    // warehouse's cast gives too. A string too short for the longest integer could not have been
    // written by the source's cast either; it is no widening.
    return batch.length === null || batch.length >= INTEGER_DIGITS[target.bytes] + 1
      ? { fit: 'widen' }
      : { fit: 'incompatible', reason: `a string of ${batch.length} cannot hold every ${target.bytes}-byte integer` };
  }
  if (target.family === 'integer' && batch.family === 'decimal') {
    if (batch.precision === null || batch.scale === null) return { fit: 'widen' };
    return batch.precision - batch.scale >= INTEGER_DIGITS[target.bytes]
      ? { fit: 'widen' }
      : { fit: 'incompatible', reason: `${batch.precision - batch.scale} integer digits cannot hold every ${target.bytes}-byte integer` };
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
      return b.bytes <= target.bytes ? { fit: 'holds' } : { fit: 'widen' };
    }
    case 'float': {
      const b = batch as typeof target;
      return b.bytes <= target.bytes ? { fit: 'holds' } : { fit: 'widen' };
    }
    case 'decimal': {
      const b = batch as typeof target;
      if (target.precision === null || target.scale === null) return { fit: 'holds' };
      if (b.precision === null || b.scale === null) return { fit: 'widen' };
      const [targetInteger, batchInteger] = [target.precision - target.scale, b.precision - b.scale];
      if (b.scale <= target.scale && batchInteger <= targetInteger) return { fit: 'holds' };
      if (b.scale >= target.scale && batchInteger >= targetInteger) return { fit: 'widen' };
      return b.scale > target.scale
        ? { fit: 'incompatible', reason: `scale ${b.scale} does not fit scale ${target.scale}` }
        : { fit: 'incompatible', reason: `${batchInteger} integer digits do not fit ${targetInteger}` };
    }
    case 'exact': {
      const b = batch as typeof target;
      return b.type === target.type ? { fit: 'holds' } : { fit: 'incompatible', reason: 'different types' };
    }
  }
}

/**
 * Whether the warehouse changes a column from one type to the other with ALTER COLUMN … TYPE. Redshift
 * only lengthens a VARCHAR so (and never inside a transaction); every other widening there is a copy
 * into a new column of the new type, swapped in (sql/ddl.ts retypeByCopyStatements). PostgreSQL
 * alters every type in place.
 */
export function widensInPlace(dialect: 'redshift' | 'postgres', from: TypeShape, to: TypeShape): boolean {
  return dialect === 'postgres' || (from.family === 'string' && to.family === 'string');
}
