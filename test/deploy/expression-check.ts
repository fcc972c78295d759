import type { MetricInfo } from './metric-catalogue.js';
import { parsePromQL } from './promql.js';

/**
 * What is wrong with one PromQL expression against the known metrics: a metric nobody exports, a matcher
 * on a label the metric does not have, a grouping label none of its metrics has, or a syntax error.
 */
export function checkExpression(expr: string, known: Map<string, MetricInfo>): string[] {
  let parsed: ReturnType<typeof parsePromQL>;
  try {
    parsed = parsePromQL(expr);
  } catch (error) {
    return [(error as Error).message];
  }
  const problems: string[] = [];
  const labelsInUse = new Set<string>();
  for (const { metric, labels } of parsed.selectors) {
    const info = known.get(metric);
    if (!metric) {
      problems.push(`a selector without a metric name in: ${expr}`);
      continue;
    }
    if (!info) {
      problems.push(`unknown metric ${metric} in: ${expr}`);
      continue;
    }
    for (const label of info.labels) labelsInUse.add(label);
    for (const label of labels) if (!info.labels.has(label)) problems.push(`${metric} has no label ${label} in: ${expr}`);
  }
  for (const label of parsed.groupingLabels) {
    if (!labelsInUse.has(label)) problems.push(`no metric of the expression has the label ${label} it groups by: ${expr}`);
  }
  return problems;
}
