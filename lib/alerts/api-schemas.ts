import { z } from "zod";
import { ALERT_STATUSES } from "@/lib/alerts/store";

/** Query of GET /api/v1/alerts; also feeds the OpenAPI document. */
export const alertsQuerySchema = z.strictObject({
  status: z.enum(ALERT_STATUSES).optional().describe("open, acknowledged, resolved or false_positive; all when absent"),
  rule: z.string().max(64).optional().describe("brute_force, large_export, off_hours, privilege_escalation, mass_deletion, chain_integrity"),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
