import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { batcherConfigShape, readBatcherConfig } from '@pgshift/batcher';
import { loaderConfigShape, readLoaderConfig } from '@pgshift/loader';
import { parse } from 'yaml';
import { chartDir, chartTestsSkip, type Manifest, render, renderError } from './helm.js';

const skip = chartTestsSkip();
if (skip) console.log(`# chart tests skipped: ${skip}`);

const VALUE_SETS = ['defaults-values.yaml', 'redshift-existing-secret-values.yaml', 'postgres-monitoring-job-values.yaml'];
/** Variables that carry credentials: only ever from the Secret. */
const CREDENTIALS = [
  'PGSHIFT_WAREHOUSE_URL',
  'PGSHIFT_SCHEMA_REGISTRY_USERNAME',
  'PGSHIFT_SCHEMA_REGISTRY_PASSWORD',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'PGSHIFT_CONTROL_TOKEN',
  'PGSHIFT_SOURCE_PASSWORD',
];

const deployments = (ms: Manifest[]) => ms.filter((m) => m.kind === 'Deployment');
const named = (ms: Manifest[], kind: string, name: string) => {
  const m = ms.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(m, `${kind} ${name} is rendered`);
  return m;
};
// biome-ignore lint/suspicious/noExplicitAny: rendered YAML
type Container = any;
const containersOf = (m: Manifest): Container[] => m.spec.template.spec.containers;
const secretValuesOf = (file: string): string[] => {
  const values = parse(readFileSync(`${chartDir}/ci/${file}`, 'utf8')) as { secret?: { values?: Record<string, string> } };
  return Object.values(values.secret?.values ?? {});
};

describe('the Helm chart', { skip }, () => {
  for (const file of VALUE_SETS) {
    describe(`rendered with ${file}`, () => {
      const manifests = skip ? [] : render([file]);

      it('gives every Deployment liveness on /healthz and readiness on /readyz, on its http port', () => {
        assert.ok(deployments(manifests).length >= 2);
        for (const d of deployments(manifests)) {
          for (const c of containersOf(d)) {
            assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'http' }, `${d.metadata.name} liveness`);
            assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'http' }, `${d.metadata.name} readiness`);
            assert.ok(
              c.ports.some((p: { name: string }) => p.name === 'http'),
              `${d.metadata.name} names its http port`,
            );
            assert.ok(c.resources?.requests?.memory && c.resources?.limits?.memory, `${d.metadata.name} has resources`);
          }
        }
      });

      it('passes credentials only as Secret references, and no ConfigMap holds one', () => {
        const secretName = file.includes('existing-secret') ? 'pgshift-credentials' : 'pgshift';
        const secrets = secretValuesOf(file);
        for (const d of deployments(manifests)) {
          for (const c of containersOf(d)) {
            for (const e of c.env ?? []) {
              if (CREDENTIALS.includes(e.name) || e.valueFrom?.secretKeyRef) {
                assert.equal(e.value, undefined, `${e.name} has no literal value`);
                assert.equal(e.valueFrom.secretKeyRef.name, secretName, `${e.name} comes from the Secret`);
                assert.equal(e.valueFrom.secretKeyRef.key, e.name);
              }
              for (const s of secrets) assert.ok(!String(e.value ?? '').includes(s), `${e.name} carries no credential`);
            }
            assert.ok(
              c.envFrom.every((f: object) => 'configMapRef' in f),
              'envFrom names ConfigMaps only',
            );
          }
        }
        for (const cm of manifests.filter((m) => m.kind === 'ConfigMap')) {
          for (const [key, value] of Object.entries(cm.data ?? {})) {
            assert.ok(!CREDENTIALS.includes(key), `ConfigMap ${cm.metadata.name} has no ${key}`);
            assert.doesNotMatch(value, /:\/\/[^/\s:@]+:[^/\s@]+@/, `ConfigMap ${cm.metadata.name} ${key} has no URL with a password`);
            assert.doesNotMatch(value, /"database\.password"/, `ConfigMap ${cm.metadata.name} ${key} has no connector password`);
            for (const s of secrets) assert.ok(!value.includes(s), `ConfigMap ${cm.metadata.name} ${key} carries no credential`);
          }
        }
        const rendered = manifests.filter((m) => m.kind === 'Secret');
        if (file.includes('existing-secret')) assert.equal(rendered.length, 0, 'an existing Secret is used, none rendered');
        else
          assert.deepEqual(
            Object.keys(rendered[0]?.data ?? {}).sort(),
            Object.keys(parse(readFileSync(`${chartDir}/ci/${file}`, 'utf8')).secret.values).sort(),
          );
      });

      it('configures the batcher and the loader with variables they read, in values their own config loaders accept', () => {
        const secretValues = (parse(readFileSync(`${chartDir}/ci/${file}`, 'utf8')) as { secret?: { values?: Record<string, string> } }).secret?.values ?? {};
        const services = [
          { name: 'pgshift-batcher', shape: batcherConfigShape, read: readBatcherConfig },
          { name: 'pgshift-loader', shape: loaderConfigShape, read: readLoaderConfig },
        ];
        for (const { name, shape, read } of services) {
          const data = named(manifests, 'ConfigMap', name).data ?? {};
          const unknown = Object.keys(data).filter((key) => !(key in shape));
          assert.deepEqual(unknown, [], `${name}'s ConfigMap names only variables the service reads`);
          const [c] = containersOf(named(manifests, 'Deployment', name));
          const environment: Record<string, string> = { ...data };
          for (const e of c.env) {
            if (e.value !== undefined) environment[e.name] = e.value;
            else if (e.valueFrom?.fieldRef) environment[e.name] = 'pod-0';
            else if (e.valueFrom?.secretKeyRef) {
              const key = e.valueFrom.secretKeyRef.key as string;
              // An existing Secret: a stand-in for what it holds where the configuration needs it.
              const value =
                secretValues[key] ?? (key === 'PGSHIFT_WAREHOUSE_URL' && !e.valueFrom.secretKeyRef.optional ? 'postgres://u:p@warehouse/db' : undefined);
              if (value !== undefined) environment[e.name] = value;
              if (!key.startsWith('AWS_')) assert.ok(key in shape, `${name} reads ${key}`);
            }
          }
          assert.doesNotThrow(() => read(environment), `${name} accepts its rendered configuration`);
        }
      });

      it('gives each Deployment a PodDisruptionBudget over its pods that lets unready pods be evicted', () => {
        for (const d of deployments(manifests)) {
          const pdb = named(manifests, 'PodDisruptionBudget', d.metadata.name);
          assert.deepEqual(pdb.spec.selector, d.spec.selector);
          assert.equal(pdb.spec.unhealthyPodEvictionPolicy, 'AlwaysAllow');
        }
      });
    });
  }

  it('gives the batcher its flush age plus the shutdown allowance to stop, past the services’ own 60 s deadline', () => {
    const grace = (file: string, set: string[] = []) => {
      const ms = render([file], set);
      return {
        batcher: named(ms, 'Deployment', 'pgshift-batcher').spec.template.spec.terminationGracePeriodSeconds,
        loader: named(ms, 'Deployment', 'pgshift-loader').spec.template.spec.terminationGracePeriodSeconds,
      };
    };
    assert.deepEqual(grace('defaults-values.yaml'), { batcher: 70, loader: 120 }); // 10s + 60
    assert.equal(grace('redshift-existing-secret-values.yaml').batcher, 180); // 2m + 60
    assert.equal(grace('postgres-monitoring-job-values.yaml').batcher, 61); // 500ms rounds up to 1 s
    assert.equal(grace('defaults-values.yaml', ['batcher.flushAge=30s', 'batcher.shutdownAllowanceSeconds=90']).batcher, 120);
    assert.equal(grace('defaults-values.yaml', ['batcher.terminationGracePeriodSeconds=300']).batcher, 300);
    const cm = named(render(['defaults-values.yaml'], ['batcher.flushAge=30s']), 'ConfigMap', 'pgshift-batcher');
    assert.equal(cm.data?.PGSHIFT_FLUSH_AGE, '30s', 'the batcher flushes at the age its grace period was derived from');
    assert.match(renderError(['defaults-values.yaml'], ['batcher.flushAge=ten']), /is not a duration/);
  });

  it('sets the replica counts, the consumer group sizes, from the values', () => {
    const ms = render(['redshift-existing-secret-values.yaml']);
    assert.equal(named(ms, 'Deployment', 'pgshift-batcher').spec.replicas, 6);
    assert.equal(named(ms, 'Deployment', 'pgshift-loader').spec.replicas, 3);
  });

  it('refuses a credential-looking variable in a service’s plain env', () => {
    assert.match(renderError(['defaults-values.yaml'], ['loader.env.PGSHIFT_SCHEMA_REGISTRY_PASSWORD=x']), /looks like a credential/);
    assert.match(renderError(['defaults-values.yaml'], ['secret.values.PGSHIFT_WAREHOUSE_URL=']), /PGSHIFT_WAREHOUSE_URL/);
  });

  it('renders the control API only when enabled, with its token from the Secret, on port 8080', () => {
    assert.equal(
      render(['defaults-values.yaml']).some((m) => m.metadata.name === 'pgshift-control'),
      false,
    );
    const ms = render(['redshift-existing-secret-values.yaml']);
    const [c] = containersOf(named(ms, 'Deployment', 'pgshift-control'));
    assert.equal(c.ports[0].containerPort, 8080);
    assert.deepEqual(c.args, ['services/control/dist/main.js']);
    const token = c.env.find((e: { name: string }) => e.name === 'PGSHIFT_CONTROL_TOKEN');
    assert.deepEqual(token.valueFrom.secretKeyRef, { name: 'pgshift-credentials', key: 'PGSHIFT_CONTROL_TOKEN', optional: false });
    assert.match(renderError(['defaults-values.yaml'], ['control.enabled=true']), /PGSHIFT_CONTROL_TOKEN/);
  });

  it('ships the connector as a Job that adds the password from the Secret, or as a KafkaConnector with a provider reference', () => {
    const job = render(['postgres-monitoring-job-values.yaml']);
    const config = JSON.parse(named(job, 'ConfigMap', 'pgshift-connector').data?.['connector.json'] ?? '');
    assert.equal(config['database.password'], undefined);
    assert.equal(config['database.hostname'], 'source');
    const registration = job.find((m) => m.kind === 'Job');
    assert.ok(registration);
    const [register] = containersOf(registration);
    assert.deepEqual(register.env.find((e: { name: string }) => e.name === 'PGSHIFT_SOURCE_PASSWORD').valueFrom.secretKeyRef, {
      name: 'pgshift',
      key: 'PGSHIFT_SOURCE_PASSWORD',
      optional: false,
    });
    const strimzi = named(render(['redshift-existing-secret-values.yaml']), 'KafkaConnector', 'pgshift-source');
    assert.equal(strimzi.metadata.labels?.['strimzi.io/cluster'], 'connect');
    assert.equal(strimzi.spec.class, 'io.debezium.connector.postgresql.PostgresConnector');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Kafka config provider reference, not a template
    assert.equal(strimzi.spec.config['database.password'], '${secrets:pgshift/pgshift-credentials:PGSHIFT_SOURCE_PASSWORD}');
    assert.equal(
      render(['defaults-values.yaml']).some((m) => m.kind === 'Job' || m.kind === 'KafkaConnector'),
      false,
      'connector.mode defaults to none',
    );
    assert.match(renderError(['postgres-monitoring-job-values.yaml'], ['connector.overrides.database\\.password=secret']), /credential/);
  });

  it('registers the connector the stack runs: connect-config/pgshift-source.json but for hosts, credentials and replication', () => {
    const stack = JSON.parse(readFileSync(new URL('../../connect-config/pgshift-source.json', import.meta.url), 'utf8')).config as Record<string, string>;
    const config = JSON.parse(named(render(['postgres-monitoring-job-values.yaml']), 'ConfigMap', 'pgshift-connector').data?.['connector.json'] ?? '');
    const deployed = new Set(['database.hostname', 'database.port', 'database.dbname', 'database.password', 'tasks.max']);
    const differences = Object.keys({ ...stack, ...config })
      .filter((k) => !deployed.has(k) && !k.endsWith('apicurio.registry.url'))
      .filter((k) => stack[k] !== config[k])
      .sort();
    assert.deepEqual(differences, ['topic.creation.default.replication.factor'], 'only the replication factor (1 on the one-broker stack, 3 in production)');
  });

  it('scrapes every service with a ServiceMonitor when enabled', () => {
    const ms = render(['postgres-monitoring-job-values.yaml']);
    const monitor = named(ms, 'ServiceMonitor', 'pgshift');
    assert.deepEqual(monitor.spec.endpoints[0].port, 'http');
    assert.equal(monitor.metadata.labels?.release, 'kube-prometheus-stack');
    for (const d of deployments(ms)) {
      const service = named(ms, 'Service', d.metadata.name);
      assert.deepEqual(service.spec.selector, d.spec.selector.matchLabels);
      assert.equal(service.spec.ports[0].name, 'http');
    }
    assert.equal(
      render(['defaults-values.yaml']).some((m) => m.kind === 'ServiceMonitor'),
      false,
    );
  });
});
