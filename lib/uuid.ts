/**
 * A UUID in its canonical text form. Ids from URLs and forms are checked with this before
 * they reach a `uuid` cast in SQL, which would fail with an error instead of "not found".
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}
