"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { consoleAction, formFlag, formList } from "@/lib/http/action";
import { isTimeZone } from "@/lib/auth/session";
import { updateOrgSettings } from "@/lib/console/org-settings";

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time like 08:00");

export const updateOrgAction = consoleAction(
  {
    permission: "settings:manage",
    input: z.object({
      name: z.string().trim().min(2, "needs at least 2 characters").max(100),
      timezone: z.string().refine(isTimeZone, "is not a time zone"),
      days: formList.refine((d) => d.length > 0, "choose at least one day").refine((d) => d.every((v) => /^[0-6]$/.test(v)), "days are 0 (Sunday) to 6"),
      start: time,
      end: time,
      requireMfa: formFlag,
      recordReads: formFlag,
    }),
  },
  async (session, input) => {
    const { changed } = await updateOrgSettings(session.org.id, { audit: session.actor, mfaEnabled: session.user.mfaEnabled }, {
      name: input.name,
      timezone: input.timezone,
      businessHours: { days: [...new Set(input.days.map(Number))].sort(), start: input.start, end: input.end },
      requireMfa: input.requireMfa,
      recordReads: input.recordReads,
    });
    revalidatePath("/", "layout");
    return { ok: true, message: changed ? "Settings saved." : "Nothing changed." };
  },
);
