import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/db/generated/client";
import { pool } from "@/lib/db/pool";

/**
 * prisma/schema.prisma and the migrated database must agree, because the migrations are
 * hand-written SQL (lib/db/migrate.ts applies them; Prisma's migrate engine is not used).
 *
 * The model side is the generated Prisma client: its runtime data model (models, fields,
 * dbName) and the schema text it was generated from (for `?`, `[]` and `@db.*`, which the
 * runtime data model leaves out). The database side is information_schema of the test
 * database, migrated by the global setup from prisma/migrations.
 *
 * A column added on one side only fails here: a field without a column fails "every field
 * has its column", a column without a field fails "every column has its field", a new
 * table without a model fails "every table has a model", and a model edited without
 * `npx prisma generate` fails "the generated client is the current schema".
 */

interface RuntimeField { name: string; kind: "scalar" | "object" | "enum" | "unsupported"; type: string; dbName?: string | null }
interface RuntimeModel { dbName: string | null; fields: RuntimeField[] }
interface RuntimeDataModel { models: Record<string, RuntimeModel>; enums: Record<string, { dbName?: string | null; values: Array<{ name: string; dbName?: string | null }> }> }

// A client that never connects: only its data model is read.
const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: "postgres://unused@127.0.0.1:1/unused" }) });
const internals = client as unknown as { _runtimeDataModel: RuntimeDataModel; _engineConfig: { inlineSchema: string } };
const dataModel = internals._runtimeDataModel;
const generatedFrom = internals._engineConfig.inlineSchema;

afterAll(async () => {
  await client.$disconnect();
});

interface Modifiers { optional: boolean; list: boolean; native?: string; nativeArgs?: string }

/** Field modifiers per model, read from the schema text the client was generated from. */
function modifiers(schema: string): Map<string, Map<string, Modifiers>> {
  const out = new Map<string, Map<string, Modifiers>>();
  for (const m of schema.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    const fields = new Map<string, Modifiers>();
    for (const raw of m[2]!.split("\n")) {
      const line = raw.replace(/\/\/.*$/, "").trim();
      if (!line || line.startsWith("@@")) continue;
      const f = /^(\w+)\s+(\w+)(\[\])?(\?)?(.*)$/.exec(line);
      if (!f) continue;
      const native = /@db\.(\w+)(?:\(([^)]*)\))?/.exec(f[5]!);
      fields.set(f[1]!, { list: !!f[3], optional: !!f[4], native: native?.[1], nativeArgs: native?.[2] });
    }
    out.set(m[1]!, fields);
  }
  return out;
}

/** The PostgreSQL types a Prisma scalar may be stored as, by its native type attribute. */
function expectedTypes(type: string, native: string | undefined, enumDbName?: string): string[] {
  if (enumDbName) return [`USER-DEFINED:${enumDbName}`];
  const byNative: Record<string, string> = {
    Uuid: "uuid", Inet: "inet", Text: "text", VarChar: "character varying", Char: "character", Citext: "citext",
    Timestamptz: "timestamp with time zone", Timestamp: "timestamp without time zone", Date: "date", Time: "time without time zone",
    JsonB: "jsonb", Json: "json", Integer: "integer", SmallInt: "smallint", BigInt: "bigint", DoublePrecision: "double precision",
    Real: "real", Decimal: "numeric", Money: "money", Boolean: "boolean", ByteA: "bytea",
  };
  if (native) return byNative[native] ? [byNative[native]!] : [`(unknown native type @db.${native})`];
  const defaults: Record<string, string> = {
    String: "text", Int: "integer", BigInt: "bigint", DateTime: "timestamp without time zone", Json: "jsonb", Boolean: "boolean",
    Float: "double precision", Decimal: "numeric", Bytes: "bytea",
  };
  return [defaults[type] ?? `(unknown Prisma type ${type})`];
}

interface Column { table: string; column: string; nullable: boolean; dataType: string; udt: string; precision: number | null }

async function databaseTables(): Promise<string[]> {
  // Partitions of audit_events are the same table (also while detached by retention, which
  // other test files may be doing right now); _prisma_migrations is the migration runner's.
  const { rows } = await pool().query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
       and c.relname <> '_prisma_migrations' and c.relname !~ '^audit_events_\\d{4}_\\d{2}$'
     order by 1`,
  );
  return rows.map((r) => r.name);
}

async function databaseColumns(): Promise<Map<string, Map<string, Column>>> {
  const { rows } = await pool().query<{ table_name: string; column_name: string; is_nullable: string; data_type: string; udt_name: string; datetime_precision: number | null }>(
    "select table_name, column_name, is_nullable, data_type, udt_name, datetime_precision from information_schema.columns where table_schema = 'public'",
  );
  const out = new Map<string, Map<string, Column>>();
  for (const r of rows) {
    if (!out.has(r.table_name)) out.set(r.table_name, new Map());
    out.get(r.table_name)!.set(r.column_name, {
      table: r.table_name, column: r.column_name, nullable: r.is_nullable === "YES", dataType: r.data_type, udt: r.udt_name, precision: r.datetime_precision,
    });
  }
  return out;
}

const tableOf = (name: string, m: RuntimeModel) => m.dbName ?? name;
const columnOf = (f: RuntimeField) => f.dbName ?? f.name;
const scalars = (m: RuntimeModel) => m.fields.filter((f) => f.kind === "scalar" || f.kind === "enum");

describe("prisma/schema.prisma and the migrated database agree", () => {
  it("the generated client is the current schema.prisma (run `npx prisma generate` after editing it)", () => {
    const squash = (s: string) => s.replace(/\s+/g, " ").trim();
    const current = fs.readFileSync(path.resolve("prisma/schema.prisma"), "utf8");
    expect(squash(generatedFrom) === squash(current), "lib/db/generated is stale: run `npx prisma generate`").toBe(true);
  });

  it("reads a data model worth checking", () => {
    const models = Object.keys(dataModel.models);
    expect(models).toEqual(expect.arrayContaining(["Organization", "ApiKey", "ChainHead", "Checkpoint", "AuditEvent"]));
    const mods = modifiers(generatedFrom);
    // The schema text and the runtime data model describe the same fields.
    for (const [name, model] of Object.entries(dataModel.models)) {
      expect([...(mods.get(name)?.keys() ?? [])].sort(), name).toEqual(model.fields.map((f) => f.name).sort());
    }
  });

  it("every table has a model, and every model has its table", async () => {
    const tables = await databaseTables();
    const modelTables = Object.entries(dataModel.models).map(([name, m]) => tableOf(name, m)).sort();
    expect(tables.filter((t) => !modelTables.includes(t)), "tables without a model in prisma/schema.prisma").toEqual([]);
    expect(modelTables.filter((t) => !tables.includes(t)), "models without a table in prisma/migrations").toEqual([]);
  });

  it("every field has its column, with the same nullability and a matching type", async () => {
    expect(fieldProblems(dataModel, generatedFrom, await databaseColumns())).toEqual([]);
  });

  it("every column has its field", async () => {
    expect(columnProblems(dataModel, await databaseColumns())).toEqual([]);
  });

  it("the checks see a column added on one side only, and a changed type or nullability", async () => {
    // Reasoning made executable, without touching schema.prisma: run the same checks on an
    // altered copy of the runtime data model and of the schema text, against the real columns.
    const columns = await databaseColumns();
    const model = structuredClone(dataModel);
    const events = model.models.AuditEvent!;
    // A field only in the model.
    events.fields.push({ name: "riskScore", kind: "scalar", type: "Int", dbName: "risk_score" });
    // A column only in the database: the model loses `reason`.
    events.fields = events.fields.filter((f) => f.name !== "reason");
    // A type that no longer matches (the runtime data model has the type)…
    events.fields.find((f) => f.name === "seq")!.type = "Int";
    // …and a nullability that no longer matches (the schema text has the modifiers).
    const text = generatedFrom
      .replace(/^(model AuditEvent \{)/m, "$1\n  riskScore Int @map(\"risk_score\")")
      .replace(/^(\s*actorEmail\s+)String\?/m, "$1String");
    expect(text).not.toBe(generatedFrom);
    const fields = fieldProblems(model, text, columns);
    expect(fields).toEqual(expect.arrayContaining([
      expect.stringMatching(/^AuditEvent\.riskScore \(audit_events\.risk_score\): no such column/),
      expect.stringMatching(/^AuditEvent\.seq .*Int in the model, bigint in the database/),
      expect.stringMatching(/^AuditEvent\.actorEmail .*required in the model, nullable in the database/),
    ]));
    expect(fields.length).toBe(3);
    expect(columnProblems(model, columns)).toEqual(["audit_events.reason: no field in model AuditEvent"]);
    // A table with no model.
    const onlyModels = Object.fromEntries(Object.entries(dataModel.models).filter(([n]) => n !== "SigningKey"));
    const tables = await databaseTables();
    const modelTables = Object.entries(onlyModels).map(([n, m]) => tableOf(n, m));
    expect(tables.filter((t) => !modelTables.includes(t))).toEqual(["signing_keys"]);
  });
});

/** Fields whose column is missing, differently nullable or of another type. */
function fieldProblems(dm: RuntimeDataModel, schemaText: string, columns: Map<string, Map<string, Column>>): string[] {
  const mods = modifiers(schemaText);
  const problems: string[] = [];
  for (const [name, model] of Object.entries(dm.models)) {
    const table = tableOf(name, model);
    const cols = columns.get(table);
    if (!cols) continue; // reported by the table test
    for (const field of scalars(model)) {
      const where = `${name}.${field.name} (${table}.${columnOf(field)})`;
      const col = cols.get(columnOf(field));
      if (!col) {
        problems.push(`${where}: no such column`);
        continue;
      }
      const mod = mods.get(name)?.get(field.name);
      if (!mod) {
        problems.push(`${where}: not found in the schema text`);
        continue;
      }
      // Prisma can't declare a list optional, and keeps list columns nullable itself: not compared.
      if (!mod.list && mod.optional !== col.nullable) {
        problems.push(`${where}: ${mod.optional ? "optional" : "required"} in the model, ${col.nullable ? "nullable" : "NOT NULL"} in the database`);
      }
      const enumDb = field.kind === "enum" ? (dm.enums[field.type]?.dbName ?? field.type) : undefined;
      const allowed = expectedTypes(field.type, mod.native, enumDb);
      if (mod.list) {
        const element = col.udt.replace(/^_/, "");
        const ok = col.dataType === "ARRAY" && allowed.some((t) => elementUdt(t) === element || t === `USER-DEFINED:${element}`);
        if (!ok) problems.push(`${where}: ${field.type}[] in the model, ${col.dataType} (${col.udt}) in the database`);
      } else {
        const actual = col.dataType === "USER-DEFINED" ? `USER-DEFINED:${col.udt}` : col.dataType;
        if (!allowed.includes(actual)) problems.push(`${where}: ${field.type}${mod.native ? ` @db.${mod.native}` : ""} in the model, ${actual} in the database`);
      }
      if (mod.native && /^Timestamp/.test(mod.native) && mod.nativeArgs && Number(mod.nativeArgs) !== col.precision) {
        problems.push(`${where}: @db.${mod.native}(${mod.nativeArgs}) in the model, precision ${col.precision} in the database`);
      }
    }
  }
  return problems;
}

/** Columns of a model's table that no field maps. */
function columnProblems(dm: RuntimeDataModel, columns: Map<string, Map<string, Column>>): string[] {
  const problems: string[] = [];
  for (const [name, model] of Object.entries(dm.models)) {
    const table = tableOf(name, model);
    const fields = new Set(scalars(model).map(columnOf));
    for (const column of columns.get(table)?.keys() ?? []) {
      if (!fields.has(column)) problems.push(`${table}.${column}: no field in model ${name}`);
    }
  }
  return problems;
}

/** The udt name of an array's element for a data_type. */
function elementUdt(dataType: string): string {
  const udt: Record<string, string> = {
    text: "text", uuid: "uuid", integer: "int4", bigint: "int8", boolean: "bool", jsonb: "jsonb", json: "json", inet: "inet",
    "timestamp with time zone": "timestamptz", "timestamp without time zone": "timestamp", "double precision": "float8",
    numeric: "numeric", "character varying": "varchar", bytea: "bytea", smallint: "int2", real: "float4", date: "date",
  };
  return udt[dataType] ?? dataType;
}
