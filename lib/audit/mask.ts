/**
 * Sensitive values are never shown or recorded in clear: a field whose name says it holds
 * a credential (password, secret, token, API key, …) is masked wherever it appears — in
 * the before/after of a change and in metadata.
 */

/** Whole words of a field name (snake, kebab or camel case) that mark it as sensitive. */
const SENSITIVE = /_(pass|password|passwd|passphrase|secrets?|tokens?|api_?keys?|private_?key|credentials?|authorization|cookies?|session_?id|otp|totp|recovery_?codes?|ssn|card_?number|cvv|pin)_/;

export const MASK = "••••••••";

export function isSensitiveField(name: string): boolean {
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase().replace(/[^a-z0-9]+/g, "_");
  return SENSITIVE.test(`_${words}_`);
}

/** The value as it may be shown: masked when the field is sensitive and a value is present. */
export function maskValue(field: string, value: unknown): unknown {
  if (value === null || value === undefined || value === "") return value;
  return isSensitiveField(field) ? MASK : value;
}

/** Masks sensitive keys at any depth of a JSON value. */
export function maskDeep(value: unknown, depth = 0): unknown {
  if (depth > 12 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, isSensitiveField(k) ? maskValue(k, v) : maskDeep(v, depth + 1)]),
  );
}

export interface Change {
  field: string;
  before: unknown;
  after: unknown;
}

export function maskChanges(changes: Change[]): Change[] {
  return changes.map((c) => ({ field: c.field, before: maskValue(c.field, maskDeep(c.before)), after: maskValue(c.field, maskDeep(c.after)) }));
}

/** The changes between two flat records, masked, in the order of `fields`. */
export function diff(before: Record<string, unknown>, after: Record<string, unknown>, fields = Object.keys(after)): Change[] {
  const changes: Change[] = [];
  for (const field of fields) {
    const b = before[field] ?? null;
    const a = after[field] ?? null;
    if (JSON.stringify(b) !== JSON.stringify(a)) changes.push({ field, before: b, after: a });
  }
  return maskChanges(changes);
}
