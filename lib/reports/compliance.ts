import { pool } from "@/lib/db/pool";
import { retentionPolicy } from "@/lib/retention/policy";
import { activeHolds } from "@/lib/retention/legal-holds";
import { formatCount, formatDateTime, plural } from "@/lib/reports/format";
import type { ReportPeriod } from "@/lib/reports/period";
import { BUCKETS_SQL, bucketParams, readSnapshot } from "@/lib/reports/rollups";
import { securityReport, type ChainCheck, type ReportAuthor, type SecurityReport } from "@/lib/reports/security";

/**
 * The compliance evidence report: for GDPR, SOC 2, ISO 27001 and LGPD, what Vigil recorded
 * in the period that an auditor asks for, each as a control with its evidence and a
 * status. It does not certify anything: "met" means the evidence is there and shows no
 * problem, "attention" that it shows one, "info" that it is context.
 *
 * The figures it shares with the security report (exports, failed logins, reviews of
 * settings changes) come from securityReport itself, so the two never disagree.
 */

export type ControlStatus = "met" | "attention" | "info";

export interface Control {
  ref: string;
  title: string;
  status: ControlStatus;
  evidence: string;
  figures: Record<string, number | string | boolean | null>;
}

export interface Framework {
  key: "gdpr" | "soc2" | "iso27001" | "lgpd";
  name: string;
  scope: string;
  controls: Control[];
}

export interface ComplianceReport {
  report: "compliance";
  org: SecurityReport["org"];
  period: SecurityReport["period"];
  generated_at: string;
  generated_by: ReportAuthor;
  trail: {
    events: number;
    by_category: SecurityReport["activity"]["by_category"];
    by_source: Record<string, number>;
    processing: Processing;
    chain: SecurityReport["chain"];
    retention: { hot_days: number; critical_days: number; legal_holds: number; archive_segments: number; archived_through_seq: number };
    access: { members: number; mfa_enabled: number; mfa_required: boolean | null; api_keys_active: number; api_keys_created: number; api_keys_revoked: number };
  };
  frameworks: Framework[];
}

/** Operations on the integrators' data, by kind, from the actions' suffixes. */
export interface Processing {
  viewed: number;
  created: number;
  updated: number;
  deleted: number;
  exported: number;
  erasures: number;
  /** Distinct people (actor email or id) who viewed or changed data. */
  actors: number;
  /**
   * Deletions the org recorded as a data subject's request under GDPR or LGPD: an event whose
   * reason names the law and a deletion or erasure (or whose action is a deletion). `count`
   * is all of them in the period; `listed` the first DELETION_REQUESTS_LISTED, oldest first.
   */
  deletion_requests: { count: number; listed: DeletionRequest[] };
}

export interface DeletionRequest {
  id: string;
  seq: number;
  occurred_at: string;
  action: string;
  /** Who carried it out: the actor's email or id. */
  by: string | null;
  /** What was deleted: the first target, as "type name" (or its id). */
  target: string | null;
  reason: string;
}

export const DELETION_REQUESTS_LISTED = 20;

/**
 * A GDPR or LGPD deletion request, as an org records one in its own events: the reason and
 * the action decide. (Not narrowed by search_text: it is cut at 2,000 characters and empty
 * for restored events, so a request could go uncounted.)
 */
const DELETION_REQUEST_SQL = `reason ~* '(gdpr|lgpd)'
  and (reason ~* '(delet|eras|remov|forget|esquec|elimin|exclu)' or action ~ '_(DELETED|ERASED|REMOVED|PURGED)$')`;

/** Checkpoints older than this are flagged: the verify job signs hourly. */
const CHECKPOINT_STALE_MS = 48 * 3600_000;

export async function complianceReport(
  orgId: string,
  period: ReportPeriod,
  opts: { generatedBy: ReportAuthor; now?: Date; verification?: ChainCheck },
): Promise<ComplianceReport> {
  const security = await securityReport(orgId, period, opts);
  const [processing, bySource, access] = await readSnapshot(async (db) => {
    const params = await bucketParams(db, orgId, period.from, period.to);
    const actions = await db.query<{ category: string; action: string; events: number }>(
      `select category, action, sum(events)::bigint as events from ${BUCKETS_SQL} b group by 1, 2`,
      params,
    );
    const p: Processing = { viewed: 0, created: 0, updated: 0, deleted: 0, exported: security.exports.count, erasures: 0, actors: 0, deletion_requests: { count: 0, listed: [] } };
    for (const r of actions.rows) {
      const n = Number(r.events);
      if (/(ERASED|ERASURE|REDACTED)$/.test(r.action) || /^(ERASURE|REDACTION)_/.test(r.action)) p.erasures += n;
      else if (r.category !== "data") continue;
      else if (r.action.endsWith("_VIEWED")) p.viewed += n;
      else if (r.action.endsWith("_CREATED")) p.created += n;
      else if (r.action.endsWith("_UPDATED")) p.updated += n;
      else if (r.action.endsWith("_DELETED")) p.deleted += n;
    }
    // Distinct people behind data operations: a raw count through (org, category, status, time).
    const actors = await db.query<{ n: number }>(
      `select count(distinct coalesce(actor_email, actor_id))::bigint as n from audit_events
       where org_id = $1 and category = 'data' and status = any('{success,failed,pending}') and occurred_at >= $2 and occurred_at < $3`,
      [orgId, period.from, period.to],
    );
    p.actors = Number(actors.rows[0]?.n ?? 0);

    const range = "org_id = $1 and occurred_at >= $2 and occurred_at < $3";
    // One read: the first rows, and the count of all of them (0 when none matched).
    const listed = await db.query<{ id: string; seq: number; occurred_at: Date; action: string; by: string | null; targets: Array<{ type: string; id: string; name?: string }>; reason: string; total: number }>(
      `select id, seq, occurred_at, action, coalesce(actor_email, actor_id) as by, targets, reason, count(*) over ()::bigint as total
       from audit_events where ${range} and ${DELETION_REQUEST_SQL} order by occurred_at, seq limit ${DELETION_REQUESTS_LISTED}`,
      [orgId, period.from, period.to],
    );
    p.deletion_requests = {
      count: Number(listed.rows[0]?.total ?? 0),
      listed: listed.rows.map((r) => {
        const t = r.targets[0];
        return { id: r.id, seq: r.seq, occurred_at: r.occurred_at.toISOString(), action: r.action, by: r.by, target: t ? `${t.type} ${t.name ?? t.id}` : null, reason: r.reason };
      }),
    };

    const sources = await db.query<{ source: string; n: number }>(
      `select source, sum(events)::bigint as n from ${BUCKETS_SQL} b group by 1`,
      params,
    );
    const bySource: Record<string, number> = { api: 0, console: 0, system: 0 };
    for (const r of sources.rows) bySource[r.source] = Number(r.n);

    const members = await db.query<{ members: number; mfa: number }>(
      `select count(*)::bigint as members, count(u.mfa_enabled_at)::bigint as mfa
       from memberships m join users u on u.id = m.user_id where m.org_id = $1`,
      [orgId],
    );
    const required = (await db.query<{ r: boolean }>("select require_mfa as r from organizations where id = $1", [orgId])).rows[0]?.r ?? null;
    const keys = await db.query<{ active: number; created: number; revoked: number }>(
      `select count(*) filter (where revoked_at is null)::bigint as active,
         count(*) filter (where created_at >= $2 and created_at < $3)::bigint as created,
         count(*) filter (where revoked_at >= $2 and revoked_at < $3)::bigint as revoked
       from api_keys where org_id = $1`,
      [orgId, period.from, period.to],
    );
    const k = keys.rows[0]!;
    const access = {
      members: Number(members.rows[0]?.members ?? 0),
      mfa_enabled: Number(members.rows[0]?.mfa ?? 0),
      mfa_required: required,
      api_keys_active: Number(k.active),
      api_keys_created: Number(k.created),
      api_keys_revoked: Number(k.revoked),
    };
    return [p, bySource, access] as const;
  });

  const [policy, holds, segments] = await Promise.all([
    retentionPolicy(orgId),
    activeHolds(orgId),
    pool().query<{ n: number; through: number | null }>("select count(*)::bigint as n, max(to_seq)::bigint as through from archive_segments where org_id = $1", [orgId]),
  ]);
  const retention = {
    hot_days: policy.hot_days,
    critical_days: policy.critical_days,
    legal_holds: holds.length,
    archive_segments: Number(segments.rows[0]?.n ?? 0),
    archived_through_seq: Number(segments.rows[0]?.through ?? 0),
  };

  const trail: ComplianceReport["trail"] = {
    events: security.activity.total,
    by_category: security.activity.by_category,
    by_source: bySource,
    processing,
    chain: security.chain,
    retention,
    access,
  };
  return {
    report: "compliance",
    org: security.org,
    period: security.period,
    generated_at: security.generated_at,
    generated_by: security.generated_by,
    trail,
    frameworks: frameworks(security, trail, new Date(security.generated_at)),
  };
}

const n = formatCount;

function chainControl(trail: ComplianceReport["trail"], now: Date, timezone: string): Pick<Control, "status" | "evidence" | "figures"> {
  const { head, checkpoint, verification } = trail.chain;
  const stale = !checkpoint || now.getTime() - Date.parse(checkpoint.signed_at) > CHECKPOINT_STALE_MS;
  const failed = verification !== null && !verification.ok;
  const parts = [`Hash chain head at seq ${head.seq}.`];
  if (verification) {
    parts.push(verification.ok
      ? `Re-verified at generation: ${plural(verification.checked, "event")} since the last verification, no problem found; ${verification.full_verified_at ? `whole chain re-verified ${formatDateTime(verification.full_verified_at, timezone)}.` : "whole chain not yet re-verified by the verify job."}`
      : `Verification FAILED at seq ${verification.first_bad_seq ?? "?"}.`);
  }
  parts.push(checkpoint ? `Latest signed checkpoint: seq ${checkpoint.seq}, signed ${formatDateTime(checkpoint.signed_at, timezone)}.` : "No signed checkpoint yet.");
  return {
    status: failed || stale ? "attention" : "met",
    evidence: parts.join(" "),
    figures: {
      head_seq: head.seq,
      verified: verification ? verification.ok : null,
      events_verified: verification?.checked ?? null,
      checkpoint_seq: checkpoint?.seq ?? null,
      checkpoint_signed_at: checkpoint?.signed_at ?? null,
    },
  };
}

function frameworks(security: SecurityReport, trail: ComplianceReport["trail"], now: Date): Framework[] {
  const p = trail.processing;
  const x = security.exports;
  const s = security.settings_changes;
  const f = security.failed_logins;
  const r = trail.retention;
  const a = trail.access;
  const mfaShare = a.members > 0 ? Math.round((a.mfa_enabled / a.members) * 1000) / 10 : null;

  const recordsOfProcessing: Omit<Control, "ref" | "title"> = {
    status: p.viewed + p.created + p.updated + p.deleted > 0 ? "met" : "info",
    evidence: `${n(p.viewed)} views, ${n(p.created)} creations, ${n(p.updated)} updates and ${n(p.deleted)} deletions of records by ${n(p.actors)} people were recorded, each with who, when, from where and what changed.`,
    figures: { viewed: p.viewed, created: p.created, updated: p.updated, deleted: p.deleted, actors: p.actors },
  };
  const exportsControl: Omit<Control, "ref" | "title"> = {
    status: x.unauthorized > 0 ? "attention" : x.count > 0 ? "met" : "info",
    evidence: `${n(x.count)} data exports (${n(x.records.total)} records in all) by ${n(x.by_exporter.length)} people; ` +
      (x.unauthorized > 0 ? `${n(x.unauthorized)} by a role without the export permission.` : "every exporter's role holds the export permission."),
    figures: { exports: x.count, records: x.records.total, exporters: x.by_exporter.length, unauthorized: x.unauthorized },
  };
  const erasure: Omit<Control, "ref" | "title"> = {
    status: "info",
    evidence: `${plural(p.deletion_requests.count, "deletion under a GDPR or LGPD request", "deletions under GDPR or LGPD requests")} recorded by the org` +
      (p.deletion_requests.listed.length > 0
        ? ` (${p.deletion_requests.listed.slice(0, 5).map((d) => `${d.occurred_at.slice(0, 10)} ${d.target ?? d.action}${d.by ? ` by ${d.by}` : ""}`).join("; ")}${p.deletion_requests.count > 5 ? "; …" : ""})`
        : "") +
      `, and ${plural(p.erasures, "erasure or redaction event")}. Vigil keeps each recorded event whole: erasing a person's data from the trail itself is not offered yet.`,
    figures: { deletion_requests: p.deletion_requests.count, erasures: p.erasures },
  };
  const retentionControl: Omit<Control, "ref" | "title"> = {
    status: "met",
    evidence: `Events are kept ${r.hot_days} days, critical events ${r.critical_days} days; ${plural(r.legal_holds, "legal hold")} in force; ${plural(r.archive_segments, "archive or backup segment", "archive and backup segments")}` +
      (r.archived_through_seq > 0 ? ` hold events up to seq ${r.archived_through_seq}.` : "."),
    figures: { ...r },
  };
  const chain = chainControl(trail, now, security.org.timezone);
  const reviewControl: Omit<Control, "ref" | "title"> = {
    status: s.review.state === "all_compliant" || s.review.state === "none" ? "met" : "attention",
    evidence: `${n(s.count)} settings and permission changes by ${n(s.administrators)} administrators. ${s.review.label}.`,
    figures: { changes: s.count, administrators: s.administrators, reviewed: s.review.reviewed, non_compliant: s.review.non_compliant, unreviewed: s.review.unreviewed },
  };
  const mfa: Omit<Control, "ref" | "title"> = {
    status: a.mfa_required || (a.members > 0 && a.mfa_enabled === a.members) ? "met" : "attention",
    evidence: `${n(a.mfa_enabled)} of ${n(a.members)} members use multi-factor authentication` +
      (mfaShare !== null ? ` (${mfaShare}%)` : "") + (a.mfa_required === null ? "." : a.mfa_required ? "; the organization requires it." : "; the organization does not require it."),
    figures: { members: a.members, mfa_enabled: a.mfa_enabled, mfa_share_percent: mfaShare, mfa_required: a.mfa_required },
  };
  const authMonitoring: Omit<Control, "ref" | "title"> = {
    status: "met",
    evidence: `${n(f.total)} failed logins from ${n(f.distinct_ips)} addresses were recorded` +
      (f.top_ips[0] ? `; the most active (${f.top_ips[0].ip}, ${n(f.top_ips[0].count)} attempts) is ${f.top_ips[0].blocked ? "blocked" : "not blocked"}` : "") +
      `; ${n(security.alerts.total)} alerts were raised.`,
    figures: { failed_logins: f.total, source_ips: f.distinct_ips, alerts: security.alerts.total },
  };
  const keys: Omit<Control, "ref" | "title"> = {
    status: "info",
    evidence: `${plural(a.api_keys_active, "API key")} active; ${n(a.api_keys_created)} created and ${n(a.api_keys_revoked)} revoked in the period. Keys are stored as hashes, scoped and revocable.`,
    figures: { active: a.api_keys_active, created: a.api_keys_created, revoked: a.api_keys_revoked },
  };
  const completeness: Omit<Control, "ref" | "title"> = {
    status: chain.status,
    evidence: `${n(trail.events)} events recorded in the period (${n(trail.by_source.api ?? 0)} from integrations, ${n(trail.by_source.console ?? 0)} from Vigil's own console, ${n(trail.by_source.system ?? 0)} from its jobs). ${chain.evidence}`,
    figures: { events: trail.events, ...chain.figures },
  };

  return [
    {
      key: "gdpr", name: "GDPR", scope: "Records of access to and exports of personal data",
      controls: [
        { ref: "Art. 30", title: "Records of processing activities", ...recordsOfProcessing },
        { ref: "Art. 32", title: "Security of processing: exports of personal data", ...exportsControl },
        { ref: "Art. 17", title: "Right to erasure", ...erasure },
        { ref: "Art. 5(1)(e)", title: "Storage limitation: retention in force", ...retentionControl },
      ],
    },
    {
      key: "soc2", name: "SOC 2", scope: "A complete, tamper-evident audit trail",
      controls: [
        { ref: "CC7.2", title: "System activity is logged and the log is complete", ...completeness },
        { ref: "CC7.2", title: "Integrity of the log: hash chain and signed checkpoints", ...chain },
        { ref: "CC6.1", title: "Logical access: API keys", ...keys },
        { ref: "A1.2 / C1.2", title: "Retention and disposal", ...retentionControl },
      ],
    },
    {
      key: "iso27001", name: "ISO 27001", scope: "Security controls",
      controls: [
        { ref: "A.8.5", title: "Secure authentication: multi-factor adoption", ...mfa },
        { ref: "A.8.16", title: "Monitoring: failed logins and alerts", ...authMonitoring },
        { ref: "A.8.2 / A.8.32", title: "Privileged changes and their review", ...reviewControl },
        { ref: "A.8.15", title: "Logging and protection of log information", ...chain },
      ],
    },
    {
      key: "lgpd", name: "LGPD", scope: "Records of access and processing of personal data",
      controls: [
        { ref: "Art. 37", title: "Records of processing operations", ...recordsOfProcessing },
        { ref: "Art. 46", title: "Security measures: exports and access", ...exportsControl },
        { ref: "Art. 18", title: "Data subject requests: erasure", ...erasure },
        { ref: "Art. 16", title: "Retention and elimination after processing", ...retentionControl },
      ],
    },
  ];
}
