import { type Finding, findingIn, unchecked } from './finding.js';

/** Kafka Connect's `GET /connectors/<name>/status`. */
export interface ConnectorStatus {
  name: string;
  connector: { state: string; trace?: string };
  tasks: { id: number; state: string; trace?: string }[];
}

const finding = findingIn('pipeline');

/** A Java trace's first line: the exception and its message. */
export function firstLine(trace: string | undefined): string {
  return (trace ?? '').split('\n')[0]!.trim().slice(0, 500) || 'no trace';
}

/**
 * The connector's state and each task's. A FAILED task stays failed (the connector itself may still
 * say RUNNING) until it is restarted: meanwhile no change reaches the pipeline and the slot retains WAL.
 */
export function connectorFindings(connectUrl: string, name: string, status: ConnectorStatus | null): Finding[] {
  const base = connectUrl.replace(/\/+$/, '');
  if (!status) {
    return [
      finding(
        'connector',
        'error',
        `connector ${name} is not registered in Kafka Connect: no change is captured`,
        `curl -X PUT -H 'content-type: application/json' ${base}/connectors/${name}/config -d @<its config> (connect-config/pgshift-source.json's "config")`,
        [name],
      ),
    ];
  }
  const findings: Finding[] = [];
  const restart = `curl -X POST '${base}/connectors/${name}/restart?includeTasks=true&onlyFailed=true'`;
  const state = status.connector.state;
  if (state === 'FAILED') {
    findings.push(finding('connector', 'error', `connector ${name} is FAILED: ${firstLine(status.connector.trace)}`, `fix the cause, then ${restart}`, [name]));
  } else if (state === 'PAUSED' || state === 'STOPPED') {
    findings.push(
      finding(
        'connector',
        'warn',
        `connector ${name} is ${state}: changes wait in the slot, which retains WAL`,
        `curl -X PUT ${base}/connectors/${name}/resume`,
        [name],
      ),
    );
  } else if (state !== 'RUNNING') {
    findings.push(finding('connector', 'warn', `connector ${name} is ${state}`, 'look again in a minute; if it stays so, read the Connect worker log', [name]));
  } else {
    findings.push(finding('connector', 'ok', `connector ${name} is RUNNING`, undefined, [name]));
  }
  if (status.tasks.length === 0 && state === 'RUNNING') {
    findings.push(
      finding(
        'connector-task',
        'error',
        `connector ${name} has no task: nothing captures changes`,
        `${restart.replace('&onlyFailed=true', '')}; if no task appears, read the Connect worker log`,
        [name],
      ),
    );
  }
  for (const task of status.tasks) {
    const subject = `${name}/${task.id}`;
    if (task.state === 'FAILED') {
      findings.push(
        finding(
          'connector-task',
          'error',
          `task ${subject} is FAILED: ${firstLine(task.trace)}; no change of its tables reaches the pipeline until it is restarted`,
          `fix the cause (the trace: GET ${base}/connectors/${name}/status), then ${restart}`,
          [subject],
        ),
      );
    } else if (task.state !== 'RUNNING' && task.state !== state) {
      findings.push(
        finding('connector-task', 'warn', `task ${subject} is ${task.state}`, 'look again in a minute; if it stays so, read the Connect worker log', [subject]),
      );
    } else if (task.state === 'RUNNING') {
      findings.push(finding('connector-task', 'ok', `task ${subject} is RUNNING`, undefined, [subject]));
    }
  }
  return findings;
}

/** Reads the connector's status from Connect's REST API; an unreachable Connect is "could not check". */
export async function checkConnect(connectUrl: string, name: string, fetchImpl: typeof fetch = fetch): Promise<Finding[]> {
  const url = `${connectUrl.replace(/\/+$/, '')}/connectors/${encodeURIComponent(name)}/status`;
  let response: Response;
  try {
    response = await fetchImpl(url, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    return [unchecked('pipeline', 'connector', error, `check PGSHIFT_CONNECT_URL (or --connect-url): GET ${url} did not answer`)];
  }
  if (response.status === 404) return connectorFindings(connectUrl, name, null);
  if (!response.ok)
    return [
      unchecked(
        'pipeline',
        'connector',
        new Error(`GET ${url}: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`),
        'read the Connect worker log',
      ),
    ];
  return connectorFindings(connectUrl, name, (await response.json()) as ConnectorStatus);
}
