import { z } from 'zod';
import { type ConfigProblem, env } from './config.js';

/** The schema registry variables, shared by both services. */
export const schemaRegistryShape = {
  PGSHIFT_SCHEMA_REGISTRY_URL: env.httpUrl().describe('Confluent-compatible schema registry base URL (Apicurio: `…/apis/ccompat/v7`)'),
  PGSHIFT_SCHEMA_REGISTRY_TIMEOUT: env
    .duration()
    .prefault('5s')
    .describe('a registry request fails after this and is retried; below PGSHIFT_SESSION_TIMEOUT, so a hung registry never stalls a consumer past its session'),
  PGSHIFT_SCHEMA_REGISTRY_USERNAME: z
    .string()
    .optional()
    .describe('HTTP basic auth user, with the password, for a registry that needs it (Confluent Cloud: the API key)'),
  PGSHIFT_SCHEMA_REGISTRY_PASSWORD: z.string().optional().describe('HTTP basic auth password (Confluent Cloud: the API secret)'),
};

type RegistryVariables = z.infer<z.ZodObject<typeof schemaRegistryShape>> & { PGSHIFT_SESSION_TIMEOUT: number };

export function schemaRegistryRules(c: Partial<RegistryVariables>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (c.PGSHIFT_SCHEMA_REGISTRY_USERNAME !== undefined && c.PGSHIFT_SCHEMA_REGISTRY_PASSWORD === undefined) {
    problems.push({ variable: 'PGSHIFT_SCHEMA_REGISTRY_PASSWORD', message: 'required with PGSHIFT_SCHEMA_REGISTRY_USERNAME' });
  }
  if (c.PGSHIFT_SCHEMA_REGISTRY_PASSWORD !== undefined && c.PGSHIFT_SCHEMA_REGISTRY_USERNAME === undefined) {
    problems.push({ variable: 'PGSHIFT_SCHEMA_REGISTRY_USERNAME', message: 'required with PGSHIFT_SCHEMA_REGISTRY_PASSWORD' });
  }
  if (
    c.PGSHIFT_SCHEMA_REGISTRY_TIMEOUT !== undefined &&
    c.PGSHIFT_SESSION_TIMEOUT !== undefined &&
    c.PGSHIFT_SCHEMA_REGISTRY_TIMEOUT >= c.PGSHIFT_SESSION_TIMEOUT
  ) {
    problems.push({
      variable: 'PGSHIFT_SCHEMA_REGISTRY_TIMEOUT',
      message: `must be below PGSHIFT_SESSION_TIMEOUT (${c.PGSHIFT_SESSION_TIMEOUT} ms), or a hung registry stalls the consumer past its session`,
    });
  }
  return problems;
}

/** The settings @pgshift/debezium's createSchemaRegistry takes. */
export function schemaRegistrySettings(c: z.infer<z.ZodObject<typeof schemaRegistryShape>>) {
  return {
    url: c.PGSHIFT_SCHEMA_REGISTRY_URL,
    timeoutMs: c.PGSHIFT_SCHEMA_REGISTRY_TIMEOUT,
    ...(c.PGSHIFT_SCHEMA_REGISTRY_USERNAME !== undefined && c.PGSHIFT_SCHEMA_REGISTRY_PASSWORD !== undefined
      ? { auth: { username: c.PGSHIFT_SCHEMA_REGISTRY_USERNAME, password: c.PGSHIFT_SCHEMA_REGISTRY_PASSWORD } }
      : {}),
  };
}
