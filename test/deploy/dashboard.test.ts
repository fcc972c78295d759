import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { checkExpression } from './expression-check.js';
import { externalMetrics, type MetricInfo, serviceMetrics } from './metric-catalogue.js';
import { parsePromQL } from './promql.js';

const root = new URL('../../', import.meta.url);
const dashboard = JSON.parse(readFileSync(new URL('deploy/grafana/pgshift.json', root), 'utf8'));
const rules = parse(readFileSync(new URL('deploy/prometheus/pgshift-rules.yml', root), 'utf8')) as {
  groups: { rules: { alert: string; expr: string }[] }[];
};
const external = externalMetrics(new URL('deploy/external-metrics.json', root).pathname);

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string }[];
  panels?: Panel[];
}
const panels: Panel[] = (dashboard.panels as Panel[]).flatMap((p) => [p, ...(p.panels ?? [])]);
const dashboardExpressions = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr })));
const ruleExpressions = rules.groups.flatMap((g) => g.rules.map((r) => ({ where: r.alert, expr: String(r.expr) })));
/** label_values(metric, label) of the dashboard's query variables, as PromQL selectors with that label. */
const variableExpressions = (dashboard.templating.list as { type: string; definition?: string }[])
  .filter((v) => v.type === 'query' && v.definition)
  .map((v) => {
    const [, metric, label] = /^label_values\((\w+),\s*(\w+)\)$/.exec(v.definition ?? '') ?? [];
    assert.ok(metric && label, `variable query ${v.definition} is label_values(metric, label)`);
    return { where: `variable ${v.definition}`, expr: `${metric}{${label}!=""}` };
  });

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template
const GRAFANA_DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

async function known(): Promise<Map<string, MetricInfo>> {
  return new Map([...(await serviceMetrics()), ...external]);
}

describe('the Grafana dashboard and the alerting rules', () => {
  it('name only metrics and labels the services define, or the documented external ones', async () => {
    const metrics = await known();
    const problems = [...dashboardExpressions, ...variableExpressions, ...ruleExpressions].flatMap(({ where, expr }) =>
      checkExpression(expr, metrics).map((p) => `${where}: ${p}`),
    );
    assert.deepEqual(problems, []);
    assert.ok(dashboardExpressions.length >= 30 && ruleExpressions.length >= 10, 'the expressions were found');
  });

  it('the check finds a misspelt metric, a label the metric lacks, a grouping label nobody has and a syntax error', async () => {
    const metrics = await known();
    assert.match(checkExpression('rate(pgshift_batcher_event_consumed_total[5m])', metrics).join(), /unknown metric pgshift_batcher_event_consumed_total/);
    assert.match(checkExpression('pgshift_loader_table_stopped{topic="x"}', metrics).join(), /has no label topic/);
    assert.match(checkExpression('sum by (op) (pgshift_batcher_consumer_lag)', metrics).join(), /groups by/);
    assert.match(checkExpression('sum(rate(pgshift_loader_retries_total[5m])', metrics).join(), /syntax error/);
    assert.deepEqual(checkExpression('histogram_quantile(0.99, sum by (le, table) (rate(pgshift_loader_load_seconds_bucket[$__rate_interval])))', metrics), []);
  });

  it('use every documented external metric, and no pgshift name is documented as external', () => {
    const used = new Set([...dashboardExpressions, ...ruleExpressions].flatMap(({ expr }) => parsePromQL(expr).selectors.map((s) => s.metric)));
    for (const name of external.keys()) {
      assert.ok(used.has(name), `${name} is documented as external but not used`);
      assert.ok(!name.startsWith('pgshift_'), `${name} is pgshift's own`);
    }
  });

  it('show per-table lag and state, throughput by op, batch sizes, load latency, dead letters and the slot', () => {
    const shown = (metric: string, by?: string) =>
      dashboardExpressions.some(({ expr }) => {
        const parsed = parsePromQL(expr);
        return parsed.selectors.some((s) => s.metric === metric) && (by === undefined || parsed.groupingLabels.includes(by));
      });
    assert.ok(shown('pgshift_loader_end_to_end_lag_seconds', 'table'), 'lag by table');
    assert.ok(shown('pgshift_loader_table_stopped', 'table') && shown('pgshift_loader_table_waiting', 'table'), 'state by table');
    assert.ok(shown('pgshift_batcher_events_consumed_total', 'op') && shown('pgshift_loader_rows_applied_total', 'op'), 'throughput by op');
    assert.ok(shown('pgshift_batcher_rows_flushed_total') && shown('pgshift_batcher_batches_flushed_total'), 'batch sizes');
    assert.ok(shown('pgshift_loader_load_seconds_bucket', 'le'), 'load latency');
    assert.ok(shown('pgshift_batcher_dead_letters_total'), 'dead letters');
    assert.ok(shown('pg_replication_slot_slot_current_wal_lsn'), "the source slot's retained WAL");
  });

  it('alert on lag, a stopped table, dead letters, the slot and an empty consumer group', () => {
    const alerts = new Set(ruleExpressions.map((r) => r.where));
    for (const name of ['PgshiftTableLagHigh', 'PgshiftTableStopped', 'PgshiftDeadLettersGrowing', 'PgshiftSlotRetainingWal', 'PgshiftConsumerGroupEmpty']) {
      assert.ok(alerts.has(name), name);
    }
  });

  it('is a dashboard Grafana can import: unique panel ids, a 24-column grid, the datasource as a variable', () => {
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const p of panels) assert.ok(p.gridPos.x >= 0 && p.gridPos.x + p.gridPos.w <= 24, `${p.title} fits the grid`);
    assert.equal(dashboard.uid, 'pgshift');
    assert.ok((dashboard.templating.list as { name: string }[]).some((v) => v.name === 'datasource'));
    for (const p of panels.filter((p) => p.type !== 'row')) assert.deepEqual((p as unknown as { datasource: unknown }).datasource, GRAFANA_DATASOURCE);
  });
});
