"use server";

import { z } from "zod";
import { consoleFormAction } from "@/lib/http/action";
import { INCIDENT_STATUSES, blockFromAlert, openIncident, setAlertStatus, updateIncident } from "@/lib/alerts/actions";
import { ALERT_STATUSES } from "@/lib/alerts/store";

/**
 * The alerts page's actions: change an alert's status, block its IP or actor, open and
 * work an incident. Each needs alerts:manage and is recorded as an audit event by lib/alerts.
 * They are plain form posts: a refusal comes back to the page as ?error=… (consoleFormAction).
 */

const alertId = z.string().uuid("That alert doesn't exist.");
const incidentId = z.string().uuid("That incident doesn't exist.");
const optionalText = (max: number) => z.preprocess((v) => (typeof v === "string" ? v.trim().slice(0, max) : ""), z.string()).transform((v) => v || undefined);
const manage = { permission: "alerts:manage", what: "act on alerts", revalidate: "/alerts" } as const;
const alertPage = (input: { alertId: string } | undefined) => (input ? `/alerts/${input.alertId}` : "/alerts");
const incidentPage = (input: { incidentId: string } | undefined) => (input ? `/alerts/incidents/${input.incidentId}` : "/alerts");

export const changeAlertStatus = consoleFormAction(
  { ...manage, input: z.object({ alertId, status: z.enum(ALERT_STATUSES, "Choose a status."), note: optionalText(2000) }), back: alertPage },
  async (session, input) => {
    await setAlertStatus(session.org.id, input.alertId, input.status, session.actor, input.note);
    return alertPage(input);
  },
);

export const blockAlertSubject = consoleFormAction(
  { ...manage, input: z.object({ alertId, what: z.enum(["ip", "actor"], "Choose what to block.") }), back: alertPage },
  async (session, input) => {
    await blockFromAlert(session.org.id, input.alertId, input.what, session.actor);
    return alertPage(input);
  },
);

export const openAlertIncident = consoleFormAction(
  { ...manage, input: z.object({ alertId, assignee: optionalText(320) }), back: alertPage },
  async (session, input) => {
    const incident = await openIncident(session.org.id, session.actor, { alertId: input.alertId, assignee: input.assignee ?? null });
    return `/alerts/incidents/${incident.id}`;
  },
);

export const workIncident = consoleFormAction(
  {
    ...manage,
    input: z.object({
      incidentId,
      status: z.preprocess((v) => v || undefined, z.enum(INCIDENT_STATUSES, "Choose a status.").optional()),
      // Absent leaves the assignee as it is; sent empty clears it.
      assignee: z.preprocess((v) => (typeof v === "string" ? v.trim().slice(0, 320) || null : undefined), z.string().nullable().optional()),
      note: optionalText(5000),
    }),
    back: incidentPage,
  },
  async (session, input) => {
    await updateIncident(session.org.id, input.incidentId, session.actor, { status: input.status, assignee: input.assignee, note: input.note });
    return incidentPage(input);
  },
);
