import { parser } from '@prometheus-io/lezer-promql';

/** A metric selected in an expression, with the labels its matchers name. */
export interface Selector {
  metric: string;
  labels: string[];
}

export interface ParsedExpression {
  selectors: Selector[];
  /** Labels named in `by (…)`, `without (…)`, `on (…)`, `ignoring (…)`, `group_left (…)`, `group_right (…)`. */
  groupingLabels: string[];
}

/** Grafana's interval variables are not PromQL; they stand for a range such as 5m. */
export function withoutGrafanaVariables(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}/g, '5m');
}

/** Parses one PromQL expression (Prometheus' own grammar) into the metrics and labels it names; throws on a syntax error. */
export function parsePromQL(source: string): ParsedExpression {
  const expr = withoutGrafanaVariables(source);
  const tree = parser.parse(expr);
  const selectors: Selector[] = [];
  const groupingLabels: string[] = [];
  const text = (from: number, to: number) => expr.slice(from, to);
  let error: number | null = null;
  tree.iterate({
    enter(node) {
      if (node.type.isError && error === null) error = node.from;
      if (node.name === 'VectorSelector') {
        const selector: Selector = { metric: '', labels: [] };
        const id = node.node.getChild('Identifier');
        if (id) selector.metric = text(id.from, id.to);
        const matchers = node.node.getChild('LabelMatchers');
        for (const matcher of matchers?.getChildren('UnquotedLabelMatcher') ?? []) {
          const name = matcher.getChild('LabelName');
          if (name) selector.labels.push(text(name.from, name.to));
        }
        selectors.push(selector);
      }
      if (node.name === 'GroupingLabels') {
        for (const name of node.node.getChildren('LabelName')) groupingLabels.push(text(name.from, name.to));
      }
    },
  });
  if (error !== null) throw new Error(`PromQL syntax error at ${error} in: ${source}`);
  return { selectors, groupingLabels };
}
