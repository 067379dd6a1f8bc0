"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { consoleAction, formFlag } from "@/lib/http/action";
import { RULE_NAMES } from "@/lib/alerts/rules";
import { ruleValuesFromForm } from "@/lib/alerts/rule-form";
import { updateAlertRule } from "@/lib/alerts/settings";
import { CHANNEL_KINDS, CHANNEL_SEVERITIES, addAlertChannel, removeAlertChannel, rotateChannelSecret, updateAlertChannel } from "@/lib/alerts/channels";

/**
 * Settings → Alert rules: each detector's settings and the notification channels. Every
 * action needs alerts:manage (consoleAction refuses others) and is recorded by lib/alerts
 * as a SETTINGS_CHANGED event in the same transaction as the change.
 */

const PAGE = "/settings/alerts";

export const updateRuleAction = consoleAction(
  {
    permission: "alerts:manage",
    // The rule's own fields are read and validated by lib/alerts (rule-form.ts, rules.ts).
    input: z.looseObject({ rule: z.enum(RULE_NAMES, "is not a rule"), enabled: formFlag }),
  },
  async (session, input) => {
    const values = ruleValuesFromForm(input.rule, input as Record<string, string | string[]>);
    const { changed } = await updateAlertRule(session.org.id, session.actor, input.rule, { enabled: input.enabled, values });
    revalidatePath(PAGE);
    return { ok: true, message: changed ? "Rule saved." : "Nothing changed." };
  },
);

const severity = z.enum(CHANNEL_SEVERITIES, "choose info, warning or critical");
const target = z.string().max(4000, "is too long");

export const addChannelAction = consoleAction(
  {
    permission: "alerts:manage",
    input: z.object({ kind: z.enum(CHANNEL_KINDS, "choose e-mail or webhook"), target, minSeverity: severity }),
  },
  async (session, input) => {
    const { channel, secret } = await addAlertChannel(session.org.id, session.actor, input);
    revalidatePath(PAGE);
    if (secret) {
      return {
        ok: true,
        message: "Webhook added. Copy its signing secret now: it won't be shown again.",
        secret: { label: `Signing secret for ${channel.target} (verify the vigil-signature header with it)`, values: [secret] },
      };
    }
    return { ok: true, message: "E-mail channel added." };
  },
);

export const updateChannelAction = consoleAction(
  {
    permission: "alerts:manage",
    input: z.object({ id: z.string().uuid("is not a channel"), target, minSeverity: severity, enabled: formFlag }),
  },
  async (session, input) => {
    const { changed } = await updateAlertChannel(session.org.id, session.actor, input);
    revalidatePath(PAGE);
    return { ok: true, message: changed ? "Channel saved." : "Nothing changed." };
  },
);

export const rotateSecretAction = consoleAction(
  { permission: "alerts:manage", input: z.object({ id: z.string().uuid("is not a channel") }) },
  async (session, input) => {
    const { secret } = await rotateChannelSecret(session.org.id, session.actor, input);
    return {
      ok: true,
      message: "New signing secret. The old one no longer verifies; copy this one now: it won't be shown again.",
      secret: { label: "Signing secret", values: [secret] },
    };
  },
);

export const removeChannelAction = consoleAction(
  { permission: "alerts:manage", input: z.object({ id: z.string().uuid("is not a channel") }) },
  async (session, input) => {
    await removeAlertChannel(session.org.id, session.actor, input);
    revalidatePath(PAGE);
    return { ok: true, message: "Channel removed." };
  },
);
