"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { consoleAccess, redirectToSignIn, type ConsoleSession } from "@/lib/auth/session";
import { VigilError } from "@/lib/errors";
import { INCIDENT_STATUSES, blockFromAlert, openIncident, setAlertStatus, updateIncident } from "@/lib/alerts/actions";
import type { ActionActor } from "@/lib/alerts/audit";
import { ALERT_STATUSES } from "@/lib/alerts/store";

/**
 * The alerts page's actions: change an alert's status, block its IP or actor, open and
 * work an incident. Each needs alerts:manage and is recorded as an audit event by lib/alerts.
 * A refusal comes back to the page as ?error=… so the form shows it.
 */

async function manager(): Promise<{ session: ConsoleSession; by: ActionActor }> {
  const { session, refusal } = await consoleAccess("alerts:manage");
  if (refusal === "signed_out") return redirectToSignIn();
  if (refusal === "mfa_setup") redirect("/settings/account?mfa=required");
  if (refusal) redirect("/alerts?error=" + encodeURIComponent("Your role doesn't allow you to act on alerts."));
  const by: ActionActor = { type: "user", id: session.user.id, email: session.user.email, name: session.user.name, ip: session.ip, userAgent: session.userAgent };
  return { session, by };
}

const uuid = z.string().uuid();

/** A form field, or back to the alerts page saying what was wrong (a crafted post gets a clear answer, not an error). */
function valid<T>(schema: z.ZodType<T>, value: unknown, problem: string): T {
  const r = schema.safeParse(value);
  if (!r.success) redirect("/alerts?error=" + encodeURIComponent(problem));
  return r.data;
}

async function run(back: string, fn: () => Promise<unknown>): Promise<never> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof VigilError) redirect(`${back}?error=${encodeURIComponent(err.message)}`);
    throw err;
  }
  revalidatePath("/alerts");
  redirect(back);
}

export async function changeAlertStatus(form: FormData): Promise<void> {
  const { session, by } = await manager();
  const id = valid(uuid, form.get("alertId"), "That alert doesn't exist.");
  const status = valid(z.enum(ALERT_STATUSES), form.get("status"), "Choose a status.");
  const note = String(form.get("note") ?? "").trim().slice(0, 2000) || undefined;
  await run(`/alerts/${id}`, () => setAlertStatus(session.org.id, id, status, by, note));
}

export async function blockAlertSubject(form: FormData): Promise<void> {
  const { session, by } = await manager();
  const id = valid(uuid, form.get("alertId"), "That alert doesn't exist.");
  const what = valid(z.enum(["ip", "actor"]), form.get("what"), "Choose what to block.");
  await run(`/alerts/${id}`, () => blockFromAlert(session.org.id, id, what, by));
}

export async function openAlertIncident(form: FormData): Promise<void> {
  const { session, by } = await manager();
  const id = valid(uuid, form.get("alertId"), "That alert doesn't exist.");
  const assignee = String(form.get("assignee") ?? "").trim().slice(0, 320) || null;
  let incidentId: string;
  try {
    incidentId = (await openIncident(session.org.id, by, { alertId: id, assignee })).id;
  } catch (err) {
    if (err instanceof VigilError) redirect(`/alerts/${id}?error=${encodeURIComponent(err.message)}`);
    throw err;
  }
  revalidatePath("/alerts");
  redirect(`/alerts/incidents/${incidentId}`);
}

export async function workIncident(form: FormData): Promise<void> {
  const { session, by } = await manager();
  const id = valid(uuid, form.get("incidentId"), "That incident doesn't exist.");
  const status = valid(z.enum(INCIDENT_STATUSES).optional(), form.get("status") || undefined, "Choose a status.");
  const assigneeRaw = form.get("assignee");
  const assignee = assigneeRaw === null ? undefined : String(assigneeRaw).trim().slice(0, 320) || null;
  const note = String(form.get("note") ?? "").trim().slice(0, 5000) || undefined;
  await run(`/alerts/incidents/${id}`, () => updateIncident(session.org.id, id, by, { status, assignee, note }));
}
