import { Badge } from "@/components/ui/badge";

export function SeverityBadge({ severity }: { severity: string }) {
  const tone = severity === "critical" ? "red" : severity === "warning" ? "amber" : "neutral";
  return <Badge tone={tone}>{severity}</Badge>;
}

export function AlertStatusBadge({ status }: { status: string }) {
  const tone = status === "open" ? "red" : status === "acknowledged" || status === "investigating" ? "amber" : status === "resolved" ? "green" : "neutral";
  return <Badge tone={tone}>{status.replace("_", " ")}</Badge>;
}

export const RULE_LABELS: Record<string, string> = {
  brute_force: "Brute force",
  large_export: "Large export",
  off_hours: "Outside business hours",
  privilege_escalation: "Privilege escalation",
  mass_deletion: "Mass deletion",
  chain_integrity: "Chain integrity",
};

export function subjectText(subject: { ip?: string; actor?: string }): string {
  return [subject.actor, subject.ip].filter(Boolean).join(" · ") || "—";
}
