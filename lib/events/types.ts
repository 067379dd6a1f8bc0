import type { Category, Severity, Source, Status } from "@/lib/events/catalog";

export interface EventActor {
  type: string | null;
  id: string | null;
  email: string | null;
  name: string | null;
}

export interface EventTarget {
  type: string;
  id: string;
  name: string | null;
}

export interface EventChange {
  field: string;
  before: unknown;
  after: unknown;
}

export type JsonObject = { [key: string]: unknown };

/**
 * An event exactly as the API returns and exports it. Its content (everything but
 * received_at and the three hashes) is what content_hash covers.
 */
export interface AuditEvent {
  id: string;
  org_id: string;
  seq: number;
  occurred_at: string;
  received_at: string;
  action: string;
  category: Category;
  status: Status;
  severity: Severity;
  actor: EventActor | null;
  targets: EventTarget[];
  context: { ip: string | null; user_agent: string | null; location: string | null; request_id: string | null };
  reason: string | null;
  changes: EventChange[];
  metadata: JsonObject;
  source: Source;
  idempotency_key: string | null;
  content_hash: string;
  prev_hash: string;
  hash: string;
}

export type EventContent = Omit<AuditEvent, "received_at" | "content_hash" | "prev_hash" | "hash">;
