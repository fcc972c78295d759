/**
 * "The change did not carry this column's value": Debezium's placeholder for an unchanged TOAST column.
 * It never becomes data: the batcher fills it from an earlier event of the same key, or marks the
 * column unchanged so that the loader keeps the warehouse's current value.
 */
export const UNCHANGED: unique symbol = Symbol('unchanged TOAST value');

/** A column's value on its way to a batch file: its exact text form, NULL, or not sent. */
export type CellValue = string | null | typeof UNCHANGED;
