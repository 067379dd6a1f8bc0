import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pool } from "@/lib/db/pool";

/**
 * prisma/schema.prisma and the migrated database must agree, because the migrations are
 * hand-written SQL (lib/db/migrate.ts applies them; Prisma's migrate engine is not used, and
 * the Prisma client isn't either: docs/decisions.md says why).
 *
 * The model side is prisma/schema.prisma itself: `prisma validate` (Prisma's public CLI)
 * says it is a valid schema, and `dataModelOf` reads its models, fields, `@map`/`@@map`
 * names, `?`, `[]` and `@db.*` types from the text. The database side is information_schema
 * of the test database, migrated by the global setup from prisma/migrations.
 *
 * A column added on one side only fails here: a field without a column fails "every field
 * has its column", a column without a field fails "every column has its field", and a new
 * table without a model fails "every table has a model".
 */

interface SchemaField { name: string; kind: "scalar" | "object" | "enum" | "unsupported"; type: string; dbName?: string | null }
interface SchemaModel { dbName: string | null; fields: SchemaField[] }
interface SchemaDataModel { models: Record<string, SchemaModel>; enums: Record<string, { dbName?: string | null }> }

const SCALARS = new Set(["String", "Int", "BigInt", "Boolean", "DateTime", "Json", "Decimal", "Float", "Bytes"]);

/** The models, their table names and their fields (with column names and kinds), from the schema's text. */
function dataModelOf(schema: string): SchemaDataModel {
  const text = schema.replace(/\/\/.*$/gm, "");
  const mapOf = (attrs: string, attr: string) => new RegExp(`${attr}\\(\\s*(?:name:\\s*)?"([^"]+)"`).exec(attrs)?.[1] ?? null;
  const enums: SchemaDataModel["enums"] = {};
  for (const m of text.matchAll(/^enum\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) enums[m[1]!] = { dbName: mapOf(m[2]!, "@@map") };
  const models: SchemaDataModel["models"] = {};
  for (const m of text.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    const fields: SchemaField[] = [];
    for (const raw of m[2]!.split("\n")) {
      const line = raw.trim();
      if (!line || line.startsWith("@@")) continue;
      const f = /^(\w+)\s+(\w+(?:\("[^"]*"\))?)(\[\])?(\?)?(.*)$/.exec(line);
      if (!f) continue;
      const type = f[2]!;
      const kind = type.startsWith("Unsupported(") ? "unsupported" : SCALARS.has(type) ? "scalar" : enums[type] ? "enum" : "object";
      fields.push({ name: f[1]!, kind, type, dbName: mapOf(f[5]!, "@map") });
    }
    models[m[1]!] = { dbName: mapOf(m[2]!, "@@map"), fields };
  }
  return { models, enums };
}

const SCHEMA_FILE = path.resolve("prisma/schema.prisma");
const schemaText = fs.readFileSync(SCHEMA_FILE, "utf8");
const dataModel = dataModelOf(schemaText);

interface Modifiers { optional: boolean; list: boolean; native?: string; nativeArgs?: string }

/** Field modifiers per model, read from the schema text. */
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

const tableOf = (name: string, m: SchemaModel) => m.dbName ?? name;
const columnOf = (f: SchemaField) => f.dbName ?? f.name;
const scalars = (m: SchemaModel) => m.fields.filter((f) => f.kind === "scalar" || f.kind === "enum");

describe("prisma/schema.prisma and the migrated database agree", () => {
  it("prisma/schema.prisma is a valid Prisma schema (`prisma validate`)", () => {
    const out = execFileSync(path.resolve("node_modules/.bin/prisma"), ["validate"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    expect(out).toMatch(/is valid/);
  }, 60_000);

  it("reads a data model worth checking", () => {
    const models = Object.keys(dataModel.models);
    expect(models).toEqual(expect.arrayContaining(["Organization", "ApiKey", "ChainHead", "Checkpoint", "AuditEvent"]));
    const mods = modifiers(schemaText);
    // The field lines and the modifiers read from them describe the same fields.
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
    expect(fieldProblems(dataModel, schemaText, await databaseColumns())).toEqual([]);
  });

  it("every column has its field", async () => {
    expect(columnProblems(dataModel, await databaseColumns())).toEqual([]);
  });

  it("the checks see a column added on one side only, and a changed type or nullability", async () => {
    // Reasoning made executable, without touching schema.prisma: run the same checks on an
    // altered copy of the data model and of the schema text, against the real columns.
    const columns = await databaseColumns();
    const model = structuredClone(dataModel);
    const events = model.models.AuditEvent!;
    // A field only in the model.
    events.fields.push({ name: "riskScore", kind: "scalar", type: "Int", dbName: "risk_score" });
    // A column only in the database: the model loses `reason`.
    events.fields = events.fields.filter((f) => f.name !== "reason");
    // A type that no longer matches (the data model has the type)…
    events.fields.find((f) => f.name === "seq")!.type = "Int";
    // …and a nullability that no longer matches (the schema text has the modifiers).
    const text = schemaText
      .replace(/^(model AuditEvent \{)/m, "$1\n  riskScore Int @map(\"risk_score\")")
      .replace(/^(\s*actorEmail\s+)String\?/m, "$1String");
    expect(text).not.toBe(schemaText);
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
function fieldProblems(dm: SchemaDataModel, schemaText: string, columns: Map<string, Map<string, Column>>): string[] {
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
function columnProblems(dm: SchemaDataModel, columns: Map<string, Map<string, Column>>): string[] {
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
