import type { Metadata } from "next";
import Link from "next/link";
import { requireSession, can } from "@/lib/auth/session";
import { RULE_NAMES, RULE_SEVERITY, ruleSettings } from "@/lib/alerts/rules";
import { RULE_DESCRIPTIONS, RULE_FIELDS, formValue, type RuleField } from "@/lib/alerts/rule-form";
import { CHANNEL_SEVERITIES, listAlertChannels, type AlertChannel } from "@/lib/alerts/channels";
import { NoAccess } from "@/components/console/no-access";
import { PageHeader } from "@/components/console/page-header";
import { ActionForm, FormCheckbox, FormInput, FormSelect } from "@/components/settings/action-form";
import { RULE_LABELS, SeverityBadge } from "@/components/alerts/badges";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { addChannelAction, removeChannelAction, rotateSecretAction, updateChannelAction, updateRuleAction } from "./actions";

export const metadata: Metadata = { title: "Alert rules" };
export const dynamic = "force-dynamic";

const SEVERITY_OPTIONS = CHANNEL_SEVERITIES.map((s) => ({ value: s, label: s === "info" ? "Every alert (info and up)" : s === "warning" ? "Warning and critical" : "Critical only" }));

function RuleInput({ rule, field, value }: { rule: string; field: RuleField; value: unknown }) {
  if (field.kind === "flag") return <FormCheckbox name={field.key} label={field.label} description={field.hint} defaultChecked={value === true} />;
  const numeric = field.kind === "int" || field.kind === "number";
  return (
    <FormInput
      id={`${rule}-${field.key}`}
      name={field.key}
      label={field.label}
      hint={field.hint}
      defaultValue={formValue(field.kind, value)}
      type={numeric ? "number" : "text"}
      step={field.kind === "number" ? "any" : undefined}
      inputMode={numeric ? "decimal" : undefined}
      className={numeric ? undefined : "sm:col-span-2"}
    />
  );
}

function ChannelRow({ channel }: { channel: AlertChannel }) {
  const label = channel.kind === "email" ? "Recipients" : "URL";
  return (
    <li className="space-y-3 px-5 py-4" data-testid="channel-row">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <Badge tone={channel.kind === "webhook" ? "indigo" : "neutral"}>{channel.kind === "email" ? "e-mail" : "webhook"}</Badge>
        {!channel.enabled && <Badge tone="amber">paused</Badge>}
        {channel.kind === "webhook" && (
          <span className="text-xs text-slate-500" data-testid="channel-secret">Signing secret: {channel.secret_set ? "set" : "not set"}</span>
        )}
      </div>
      <ActionForm action={updateChannelAction} submitLabel="Save channel" inline>
        <input type="hidden" name="id" value={channel.id} />
        <FormInput id={`ch-${channel.id}-target`} name="target" label={label} defaultValue={channel.target} className="min-w-72 flex-1 font-mono" required />
        <FormSelect id={`ch-${channel.id}-severity`} name="minSeverity" label="Notify on" defaultValue={channel.min_severity} options={SEVERITY_OPTIONS} />
        <div className="pb-2"><FormCheckbox name="enabled" label="Enabled" defaultChecked={channel.enabled} /></div>
      </ActionForm>
      <div className="flex flex-wrap gap-2">
        {channel.kind === "webhook" && (
          <ActionForm action={rotateSecretAction} submitLabel="Rotate secret" submitVariant="secondary" inline
            confirm="Rotate the signing secret? Deliveries signed with the new one fail at the receiver until it has the new secret.">
            <input type="hidden" name="id" value={channel.id} />
          </ActionForm>
        )}
        <ActionForm action={removeChannelAction} submitLabel="Remove" submitVariant="danger" inline confirm="Remove this channel? It will no longer be notified.">
          <input type="hidden" name="id" value={channel.id} />
        </ActionForm>
      </div>
    </li>
  );
}

export default async function AlertRulesPage() {
  const session = await requireSession();
  if (!can(session, "alerts:manage")) return <NoAccess what="alert rules" />;
  const [settings, channels] = await Promise.all([ruleSettings(session.org.id), listAlertChannels(session.org.id)]);
  return (
    <>
      <PageHeader
        title="Alert rules"
        description={<>The detectors run every minute over new events (<Link href="/alerts" className="text-indigo-700 hover:underline dark:text-indigo-300">Alerts</Link>). Every change here is recorded as a SETTINGS_CHANGED event with its before and after.</>}
      />
      <div className="space-y-5">
        {RULE_NAMES.map((rule) => {
          const { enabled, config } = settings[rule];
          const values = config as Record<string, unknown>;
          const thresholds = RULE_FIELDS[rule].filter((f) => !f.automatic);
          const automatic = RULE_FIELDS[rule].filter((f) => f.automatic);
          return (
            <Card key={rule} data-testid={`rule-card-${rule}`}>
              <CardHeader
                title={<span className="flex items-center gap-2">{RULE_LABELS[rule]} <SeverityBadge severity={RULE_SEVERITY[rule]} /></span>}
                description={RULE_DESCRIPTIONS[rule]}
                actions={<Badge tone={enabled ? "green" : "neutral"}>{enabled ? "enabled" : "disabled"}</Badge>}
              />
              <div className="p-5">
                <ActionForm action={updateRuleAction} submitLabel="Save rule" testId={`rule-${rule}`}>
                  <input type="hidden" name="rule" value={rule} />
                  <FormCheckbox name="enabled" label="Enabled" description="A disabled rule raises no alerts; the events are still recorded." defaultChecked={enabled} />
                  <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
                    {thresholds.map((f) => <RuleInput key={f.key} rule={rule} field={f} value={values[f.key]} />)}
                  </div>
                  {automatic.length > 0 && (
                    <fieldset className="space-y-2">
                      <legend className="mb-1.5 text-xs font-medium text-slate-600 dark:text-slate-400">Automatic response on a new alert</legend>
                      {automatic.map((f) => <RuleInput key={f.key} rule={rule} field={f} value={values[f.key]} />)}
                    </fieldset>
                  )}
                </ActionForm>
              </div>
            </Card>
          );
        })}

        <Card data-testid="channels">
          <CardHeader
            title="Notification channels"
            description="Who hears about alerts: e-mail over SMTP and HMAC-signed webhooks. A channel is notified of a new alert at or above its level, and again when an alert's severity rises."
          />
          <ul className="divide-y divide-slate-100 dark:divide-slate-800">
            {channels.length === 0 && <li className="px-5 py-4 text-sm text-slate-500">No channel yet: alerts are only shown here in the console.</li>}
            {channels.map((c) => <ChannelRow key={c.id} channel={c} />)}
          </ul>
          <div className="border-t border-slate-200 p-5 dark:border-slate-800">
            <h3 className="mb-3 text-sm font-semibold">Add a channel</h3>
            <ActionForm action={addChannelAction} submitLabel="Add channel" resetOnSuccess testId="add-channel">
              <div className="grid gap-3 sm:grid-cols-[10rem_1fr_14rem]">
                <FormSelect id="new-kind" name="kind" label="Kind" options={[{ value: "email", label: "E-mail" }, { value: "webhook", label: "Webhook" }]} />
                <FormInput id="new-target" name="target" label="Recipients or URL" placeholder="secops@company.com, oncall@company.com — or https://…" className="font-mono" required />
                <FormSelect id="new-severity" name="minSeverity" label="Notify on" defaultValue="warning" options={SEVERITY_OPTIONS} />
              </div>
            </ActionForm>
          </div>
        </Card>
      </div>
    </>
  );
}
