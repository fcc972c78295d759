import type { Logger } from '@pgshift/runtime';
import type { Gauge } from 'prom-client';

export interface FailedTask {
  connector: string;
  task: number;
  /** The first line of the trace and its "Caused by" lines. */
  summary: string;
}

interface ExpandedStatus {
  [connector: string]: { status?: { connector?: { state: string }; tasks?: { id: number; state: string; trace?: string }[] } };
}

/**
 * Watches Kafka Connect's REST API for failed connector tasks. Connect leaves a FAILED task failed (the
 * connector itself still says RUNNING) until someone restarts it, and meanwhile no change reaches the
 * pipeline: nothing else in pgshift would notice. Reported as a gauge per task, one log line per failure
 * with the trace's summary, and in /readyz.
 */
export class ConnectorWatcher {
  #failed = new Map<string, FailedTask>();
  #unreachable: string | null = null;
  #timer: NodeJS.Timeout | null = null;
  #polling: Promise<void> | null = null;

  constructor(
    private readonly options: { url: string; intervalMs: number; logger: Logger; taskFailed: Gauge<'connector' | 'task'>; fetchTimeoutMs?: number },
  ) {}

  start(): void {
    const tick = () => {
      this.#polling = this.poll().finally(() => {
        this.#polling = null;
        if (this.#timer) this.#timer = setTimeout(tick, this.options.intervalMs);
      });
    };
    this.#timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#polling;
  }

  get failedTasks(): FailedTask[] {
    return [...this.#failed.values()];
  }

  describe(): { failedTasks?: FailedTask[]; connectUnreachable?: string } {
    return {
      ...(this.#failed.size > 0 ? { failedTasks: this.failedTasks } : {}),
      ...(this.#unreachable ? { connectUnreachable: this.#unreachable } : {}),
    };
  }

  /** One look at every connector's status. */
  async poll(): Promise<void> {
    const { url, logger, taskFailed, fetchTimeoutMs = 10_000 } = this.options;
    let statuses: ExpandedStatus;
    try {
      const response = await fetch(`${url.replace(/\/+$/, '')}/connectors?expand=status`, { signal: AbortSignal.timeout(fetchTimeoutMs) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      statuses = (await response.json()) as ExpandedStatus;
    } catch (error) {
      // Connect restarting is not a failed task: say so, keep what was known.
      const message = `GET /connectors?expand=status: ${(error as Error).message}`;
      if (this.#unreachable === null) logger.warn({ url, error: message }, 'Kafka Connect does not answer');
      this.#unreachable = message;
      return;
    }
    this.#unreachable = null;
    const seen = new Set<string>();
    for (const [connector, { status }] of Object.entries(statuses)) {
      for (const task of status?.tasks ?? []) {
        const key = `${connector}/${task.id}`;
        seen.add(key);
        const failed = task.state === 'FAILED';
        taskFailed.set({ connector, task: String(task.id) }, failed ? 1 : 0);
        if (failed && !this.#failed.has(key)) {
          const entry = { connector, task: task.id, summary: summariseTrace(task.trace ?? '') };
          this.#failed.set(key, entry);
          logger.error(
            { ...entry, restart: `POST /connectors/${connector}/restart?includeTasks=true&onlyFailed=true` },
            'Kafka Connect task FAILED: no change of its tables reaches the pipeline until it is restarted',
          );
        } else if (!failed && this.#failed.delete(key)) {
          logger.info({ connector, task: task.id, state: task.state }, 'Kafka Connect task running again');
        }
      }
    }
    // A connector deleted, or its task count lowered: forget its tasks.
    for (const [key, entry] of this.#failed) {
      if (!seen.has(key)) {
        this.#failed.delete(key);
        taskFailed.remove({ connector: entry.connector, task: String(entry.task) });
      }
    }
  }
}

/** A Java stack trace's first line and every "Caused by" line: what failed and why, without the frames. */
export function summariseTrace(trace: string): string {
  const lines = trace.split('\n').map((line) => line.trim());
  return [lines[0] ?? '', ...lines.filter((line) => line.startsWith('Caused by:'))].filter(Boolean).join(' | ').slice(0, 2_000);
}
