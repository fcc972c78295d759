import type { WarehouseAdapter } from '@pgshift/warehouse';
import type { Kafka } from 'kafkajs';
import { checkConnect } from './connect.js';
import { lagFinding, measureLag } from './consumer-lag.js';
import { type Area, type DoctorReport, doctorReport, type Finding, unchecked } from './finding.js';
import { checkLoader } from './loader-readiness.js';
import { checkSource, type SourceCheckOptions } from './source.js';
import { checkWarehouse } from './warehouse.js';

/** What doctor checks; each part left out is reported as skipped, with how to include it. */
export interface DoctorOptions {
  source?: SourceCheckOptions | undefined;
  /** Opened only when configured; closed by runDoctor. */
  warehouse?: WarehouseAdapter | undefined;
  targetSchema?: string | undefined;
  connect?: { url: string; connector: string } | undefined;
  kafka?:
    | {
        client: Kafka;
        batcherGroup: string;
        loaderGroup: string;
        /** The batcher's PGSHIFT_TOPIC_PATTERN. */
        changeTopics: RegExp;
        batchesTopic: string;
      }
    | undefined;
  loaderUrls?: readonly string[] | undefined;
}

const skipped = (area: Area, check: string, message: string, fix: string): Finding => ({ area, check, severity: 'skipped', message, fix });

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const findings: Finding[] = [];
  let publishedSchemas: string[] = [];
  if (options.source) {
    const source = await checkSource(options.source);
    findings.push(...source.findings);
    publishedSchemas = source.publishedSchemas;
  } else findings.push(skipped('source', 'source', 'no source configured', 'give --source or PGSHIFT_SOURCE_URL'));

  if (options.warehouse) {
    try {
      findings.push(...(await checkWarehouse(options.warehouse, { targetSchema: options.targetSchema, sourceSchemas: publishedSchemas })));
    } finally {
      await options.warehouse.close().catch(() => undefined);
    }
  } else
    findings.push(
      skipped('warehouse', 'warehouse', 'no warehouse configured', 'give --warehouse (PGSHIFT_WAREHOUSE) and its connection, as the loader has them'),
    );

  // The pipeline's parts are independent of each other: checked at once.
  const pipeline = await Promise.all([
    options.connect
      ? checkConnect(options.connect.url, options.connect.connector)
      : [skipped('pipeline', 'connector', 'Kafka Connect not configured', 'give --connect-url or PGSHIFT_CONNECT_URL')],
    options.kafka ? checkLag(options.kafka) : [skipped('pipeline', 'consumer-lag', 'Kafka not configured', 'give --brokers or PGSHIFT_KAFKA_BROKERS')],
    options.loaderUrls && options.loaderUrls.length > 0
      ? Promise.all(options.loaderUrls.map((url) => checkLoader(url))).then((lists) => lists.flat())
      : [skipped('pipeline', 'loader', 'no loader URL given', "give --loader-url or PGSHIFT_LOADER_URLS (each loader's http://host:PGSHIFT_HTTP_PORT)")],
  ]);
  findings.push(...pipeline.flat());
  return doctorReport(findings);
}

async function checkLag(kafka: NonNullable<DoctorOptions['kafka']>): Promise<Finding[]> {
  const admin = kafka.client.admin();
  try {
    await admin.connect();
    const batcher = await measureLag(admin, kafka.batcherGroup, 'change topics', (t) => kafka.changeTopics.test(t));
    const loader = await measureLag(admin, kafka.loaderGroup, 'batches topic', (t) => t === kafka.batchesTopic);
    return [lagFinding(batcher, 'batcher'), lagFinding(loader, 'loader')];
  } catch (error) {
    return [unchecked('pipeline', 'consumer-lag', error, 'check PGSHIFT_KAFKA_BROKERS (or --brokers): the brokers did not answer')];
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
