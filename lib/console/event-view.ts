import { maskDeep, maskValue } from "@/lib/audit/mask";
import { describeDevice, type Device } from "@/lib/auth/device";
import { titleCase } from "@/lib/console/event-labels";
import type { AuditEvent } from "@/lib/events/types";
import type { ChainPosition } from "@/lib/events/event-detail";

/**
 * An event prepared for its detail tree (DESIGN.md's example): sensitive values masked by
 * field name, the user agent read into a device, values made printable.
 */

export interface ChangeView {
  field: string;
  before: string;
  after: string;
  masked: boolean;
}

export interface EventView {
  event: AuditEvent & { chain: ChainPosition };
  device: Device;
  changes: ChangeView[];
  metadata: Array<{ key: string; value: string }>;
}

/** A value as one line of text: strings as they are, anything else as JSON. */
export function printable(value: unknown): string {
  if (value === null || value === undefined) return "(empty)";
  if (typeof value === "string") return value === "" ? "(empty)" : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

export function toEventView(event: AuditEvent & { chain: ChainPosition }): EventView {
  const changes = event.changes.map((c) => {
    const before = maskValue(c.field, maskDeep(c.before));
    const after = maskValue(c.field, maskDeep(c.after));
    const masked = JSON.stringify([before, after]) !== JSON.stringify([c.before ?? null, c.after ?? null]);
    return { field: c.field, before: printable(before), after: printable(after), masked };
  });
  const metadata = Object.entries(maskDeep(event.metadata) as Record<string, unknown>).map(([key, value]) => ({ key, value: printable(value) }));
  return { event, device: describeDevice(event.context.user_agent), changes, metadata };
}

/** "Contact" for a target of type "contact" or "contact_list". */
export function targetTypeLabel(type: string): string {
  return titleCase(type);
}

export function shortHash(hash: string): string {
  return `${hash.slice(0, 4)}…${hash.slice(-2)}`;
}
