/**
 * Kafka Connect's view of a schema, recovered from either wire format: the Avro schema the Connect
 * AvroConverter wrote (with its `connect.*` attributes) or the `schema` part of a JsonConverter message.
 * Logical types are recognised by `name`, their settings by `parameters`.
 */
export type ConnectType = 'int8' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64' | 'boolean' | 'string' | 'bytes' | 'array' | 'map' | 'struct';

export interface ConnectField {
  name: string;
  schema: ConnectSchema;
  /**
   * The field's default as the schema carries it (Debezium: a column's constant default), in the
   * form of a value on the wire (Avro bytes as a Buffer); absent without one, or when it is null.
   */
  defaultValue?: unknown;
}

export interface ConnectSchema {
  type: ConnectType;
  optional: boolean;
  /** The logical type or struct name, e.g. `io.debezium.time.MicroTimestamp`. */
  name?: string;
  parameters: Readonly<Record<string, string>>;
  fields?: ConnectField[];
  items?: ConnectSchema;
  keys?: ConnectSchema;
  values?: ConnectSchema;
}

export class SchemaShapeError extends Error {}

const AVRO_PRIMITIVES: Readonly<Record<string, ConnectType>> = {
  int: 'int32',
  long: 'int64',
  float: 'float32',
  double: 'float64',
  boolean: 'boolean',
  string: 'string',
  bytes: 'bytes',
};

type AvroSchemaJson = string | AvroSchemaJson[] | { [key: string]: unknown };

/** Converts a Connect-written Avro schema; named types may be referenced by (full or relative) name. */
export function connectSchemaFromAvro(raw: unknown): ConnectSchema {
  const named = new Map<string, ConnectSchema>();
  return fromAvro(raw as AvroSchemaJson, '', named);
}

function fromAvro(schema: AvroSchemaJson, namespace: string, named: Map<string, ConnectSchema>): ConnectSchema {
  if (typeof schema === 'string') {
    const primitive = AVRO_PRIMITIVES[schema];
    if (primitive) return { type: primitive, optional: false, parameters: {} };
    const found = named.get(schema.includes('.') ? schema : qualify(namespace, schema)) ?? named.get(schema);
    if (!found) throw new SchemaShapeError(`undefined Avro type name ${schema}`);
    return found;
  }
  if (Array.isArray(schema)) {
    const branches = schema.filter((branch) => branch !== 'null');
    if (branches.length !== 1) throw new SchemaShapeError(`unsupported Avro union ${JSON.stringify(schema)}`);
    const inner = fromAvro(branches[0]!, namespace, named);
    return branches.length < schema.length ? { ...inner, optional: true } : inner;
  }
  const avroType = schema.type as AvroSchemaJson;
  const connectName = typeof schema['connect.name'] === 'string' ? (schema['connect.name'] as string) : undefined;
  const parameters = stringRecord(schema['connect.parameters']);
  switch (avroType) {
    case 'record': {
      const name = String(schema.name);
      const fullName = name.includes('.') ? name : qualify(typeof schema.namespace === 'string' ? schema.namespace : namespace, name);
      const ownNamespace = fullName.includes('.') ? fullName.slice(0, fullName.lastIndexOf('.')) : '';
      const struct: ConnectSchema = { type: 'struct', optional: false, name: connectName ?? fullName, parameters, fields: [] };
      named.set(fullName, struct);
      for (const field of schema.fields as { name: string; type: AvroSchemaJson; default?: unknown }[]) {
        const fieldSchema = fromAvro(field.type, ownNamespace, named);
        const connectField: ConnectField = { name: field.name, schema: fieldSchema };
        const defaultValue = avroDefault(field, fieldSchema);
        if (defaultValue !== undefined) connectField.defaultValue = defaultValue;
        struct.fields!.push(connectField);
      }
      return struct;
    }
    case 'array':
      return { type: 'array', optional: false, name: connectName, parameters, items: fromAvro(schema.items as AvroSchemaJson, namespace, named) };
    case 'map':
      return {
        type: 'map',
        optional: false,
        name: connectName,
        parameters,
        keys: { type: 'string', optional: false, parameters: {} },
        values: fromAvro(schema.values as AvroSchemaJson, namespace, named),
      };
    case 'enum': {
      const fullName = qualify(typeof schema.namespace === 'string' ? schema.namespace : namespace, String(schema.name));
      const enumSchema: ConnectSchema = { type: 'string', optional: false, name: connectName, parameters };
      named.set(fullName, enumSchema);
      return enumSchema;
    }
    case 'fixed': {
      const fullName = qualify(typeof schema.namespace === 'string' ? schema.namespace : namespace, String(schema.name));
      const fixed: ConnectSchema = { type: 'bytes', optional: false, name: connectName, parameters };
      named.set(fullName, fixed);
      return fixed;
    }
    default: {
      if (typeof avroType !== 'string' || !AVRO_PRIMITIVES[avroType]) {
        // `{"type": {...}}` nests a full schema.
        if (typeof avroType === 'object') return fromAvro(avroType, namespace, named);
        throw new SchemaShapeError(`unsupported Avro type ${JSON.stringify(avroType)}`);
      }
      // Connect writes int8/int16 as Avro int and says so in `connect.type`.
      const connectType = schema['connect.type'];
      const type = connectType === 'int8' || connectType === 'int16' ? connectType : AVRO_PRIMITIVES[avroType]!;
      return { type, optional: false, name: connectName, parameters };
    }
  }
}

/**
 * A field's default: Avro's own `default` (JSON-encoded: bytes as a string of byte-valued characters)
 * or the `connect.default` the Connect AvroConverter also writes on the field's type.
 */
function avroDefault(field: { type: AvroSchemaJson; default?: unknown }, schema: ConnectSchema): unknown {
  const typeSchema = Array.isArray(field.type) ? field.type.find((branch) => branch !== 'null') : field.type;
  const connectDefault = typeof typeSchema === 'object' && typeSchema !== null && !Array.isArray(typeSchema) ? typeSchema['connect.default'] : undefined;
  const value = field.default ?? connectDefault;
  if (value === undefined || value === null) return undefined;
  return schema.type === 'bytes' && typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
}

function qualify(namespace: string, name: string): string {
  return namespace === '' ? name : `${namespace}.${name}`;
}

function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  const record: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) record[key] = String(entry);
  return record;
}

const JSON_TYPES = new Set<string>(['int8', 'int16', 'int32', 'int64', 'float32', 'float64', 'boolean', 'string', 'bytes', 'array', 'map', 'struct']);

/** Converts the `schema` of a JsonConverter message (`schemas.enable=true`). */
export function connectSchemaFromJson(raw: unknown): ConnectSchema {
  if (typeof raw !== 'object' || raw === null) throw new SchemaShapeError('a JSON schema must be an object');
  const schema = raw as Record<string, unknown>;
  const type = schema.type;
  if (typeof type !== 'string' || !JSON_TYPES.has(type)) throw new SchemaShapeError(`unsupported Connect type ${JSON.stringify(type)}`);
  const result: ConnectSchema = {
    type: type as ConnectType,
    optional: schema.optional === true,
    parameters: stringRecord(schema.parameters),
  };
  if (typeof schema.name === 'string') result.name = schema.name;
  if (type === 'struct') {
    const fields = Array.isArray(schema.fields) ? (schema.fields as Record<string, unknown>[]) : [];
    result.fields = fields.map((field) => ({
      name: String(field.field),
      schema: connectSchemaFromJson(field),
      ...(field.default !== undefined && field.default !== null ? { defaultValue: field.default } : {}),
    }));
  } else if (type === 'array') {
    result.items = connectSchemaFromJson(schema.items);
  } else if (type === 'map') {
    result.keys = connectSchemaFromJson(schema.keys);
    result.values = connectSchemaFromJson(schema.values);
  }
  return result;
}

/** The field of a struct schema by name, or undefined. */
export function fieldOf(schema: ConnectSchema, name: string): ConnectSchema | undefined {
  return schema.fields?.find((field) => field.name === name)?.schema;
}
