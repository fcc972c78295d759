import type { ControlAction, ReplayFrom, ReplayRequest, TableControl } from '@pgshift/contracts';
import { parseReplayFrom, parseSchedule, ReplayFromError, ScheduleError } from '@pgshift/contracts';
import type { Logger } from '@pgshift/runtime';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { actorFrom, carriesToken } from './auth.js';
import type { ControlMetrics } from './metrics.js';
import { addStatusPage, isStatusPagePath } from './status-page.js';
import type { TableView } from './table-views.js';

/** What the API reads and changes (the control service over Kafka; a fake in the API's tests). */
export interface ControlStore {
  views(): TableView[];
  view(table: string): TableView | null;
  /** Writes the table's new control record; resolves once Kafka has it. */
  act(table: string, action: ControlAction, actor: string): Promise<{ before: TableControl; after: TableControl; changes: Record<string, unknown> }>;
  /** Where a replay of the table's change topic starts on each partition; null when no loader has reported the table's topic. */
  replayRequest(table: string, from: ReplayFrom, text: string): Promise<ReplayRequest | null>;
}

export const ACTOR_HEADER = 'x-pgshift-actor';

const TABLE_NAME = /^[^./\s][^/\s]*\.[^/\s]+$/;

/**
 * The control API, JSON over HTTP; every route needs `Authorization: Bearer <PGSHIFT_CONTROL_TOKEN>`,
 * and every action an actor (`X-Pgshift-Actor`), which is logged with what changed.
 *   GET  /v1/tables                    every table: state, lag, rows applied, last batch, last error …
 *   GET  /v1/tables/:table             one table (`schema.table`)
 *   POST /v1/tables/:table/pause       its batches wait, in order, until resumed
 *   POST /v1/tables/:table/resume
 *   POST /v1/tables/:table/retry       a stopped table tries its batch now
 *   PUT  /v1/tables/:table/schedule    body {"schedule": "continuous" | "every 1h" | "at 02:00,14:00"}
 *   POST /v1/tables/:table/replay      body {"from": "earliest" | "<ISO time>" | "<offset>" | "0:120,2:7"}:
 *                                      the batchers read the table's change topic again from there
 * and the status page (GET /status, / redirects there): the one thing answered without the token, as it
 * holds no data; it asks for the token and sends it with every call.
 */
export function buildControlApi(options: { token: string; store: ControlStore; logger: Logger; metrics: ControlMetrics }): FastifyInstance {
  const { token, store, logger, metrics } = options;
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
  const fail = (reply: FastifyReply, code: number, error: string) => reply.code(code).send({ error });

  app.addHook('onRequest', async (request, reply) => {
    if (isStatusPagePath(request.method, request.url)) return;
    if (carriesToken(request.headers.authorization, token)) return;
    metrics.refused.inc({ reason: 'unauthorized' });
    logger.warn({ method: request.method, url: request.url, from: request.ip }, 'request refused: no valid bearer token');
    await reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="pgshift-control"')
      .send({ error: 'unauthorized: send Authorization: Bearer <PGSHIFT_CONTROL_TOKEN>' });
  });

  addStatusPage(app);
  app.get('/v1/tables', async () => ({ tables: store.views() }));

  app.get<{ Params: { table: string } }>('/v1/tables/:table', async (request, reply) => {
    const view = store.view(request.params.table);
    return view ?? fail(reply, 404, `no table ${request.params.table} is known (no loader reported it, no control record)`);
  });

  const act = async (
    reply: FastifyReply,
    table: string,
    actorHeader: string | string[] | undefined,
    name: ControlAction['kind'],
    action: () => ControlAction | Promise<ControlAction | null>,
  ) => {
    const actor = actorFrom(actorHeader);
    if (actor === null) {
      metrics.refused.inc({ reason: 'no-actor' });
      return fail(reply, 400, `say who asks: header ${ACTOR_HEADER} (a name, at most 100 characters)`);
    }
    if (!TABLE_NAME.test(table)) {
      metrics.actions.inc({ action: name, outcome: 'invalid' });
      return fail(reply, 400, `expected schema.table, got ${JSON.stringify(table)}`);
    }
    let wanted: ControlAction | null;
    try {
      wanted = await action();
    } catch (error) {
      metrics.actions.inc({ action: name, outcome: 'invalid' });
      if (error instanceof ScheduleError || error instanceof ReplayFromError) return fail(reply, 400, error.message);
      throw error;
    }
    if (wanted === null) {
      metrics.actions.inc({ action: name, outcome: 'invalid' });
      return fail(reply, 404, `no loader has reported ${table} yet: its change topic is not known`);
    }
    // Whether a loader has reported the table (a control record alone does not make it known).
    const known = (store.view(table)?.state ?? 'unknown') !== 'unknown';
    try {
      const { after, changes } = await store.act(table, wanted, actor);
      metrics.actions.inc({ action: name, outcome: 'ok' });
      logger.info({ actor, action: name, table, changes, known }, `table ${name} by ${actor}`);
      return { table, action: name, actor, changes, control: after, known, view: store.view(table) };
    } catch (error) {
      metrics.actions.inc({ action: name, outcome: 'failed' });
      logger.error({ err: error, actor, action: name, table }, 'table action failed: nothing changed');
      return fail(
        reply,
        503,
        `the control record could not be written (${error instanceof Error ? error.message : String(error)}); nothing changed, try again`,
      );
    }
  };

  for (const kind of ['pause', 'resume', 'retry'] as const) {
    app.post<{ Params: { table: string } }>(`/v1/tables/:table/${kind}`, (request, reply) =>
      act(reply, request.params.table, request.headers[ACTOR_HEADER], kind, () => ({ kind })),
    );
  }
  app.put<{ Params: { table: string }; Body: { schedule?: unknown } }>('/v1/tables/:table/schedule', (request, reply) =>
    act(reply, request.params.table, request.headers[ACTOR_HEADER], 'schedule', () => {
      const text = request.body?.schedule;
      if (typeof text !== 'string') throw new ScheduleError('send {"schedule": "continuous" | "every 1h" | "at 02:00,14:00"}');
      return { kind: 'schedule', schedule: parseSchedule(text) };
    }),
  );
  app.post<{ Params: { table: string }; Body: { from?: unknown } }>('/v1/tables/:table/replay', (request, reply) =>
    act(reply, request.params.table, request.headers[ACTOR_HEADER], 'replay', async () => {
      const text = request.body?.from;
      if (typeof text !== 'string') throw new ReplayFromError('send {"from": "earliest" | "<ISO time>" | "<offset>" | "0:120,2:7"}');
      const replay = await store.replayRequest(request.params.table, parseReplayFrom(text), text);
      return replay && { kind: 'replay', replay };
    }),
  );
  return app;
}
