"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { consoleAction } from "@/lib/http/action";
import { blockFromConsole, unblockFromConsole } from "@/lib/console/org-settings";

export const blockAction = consoleAction(
  {
    permission: "settings:manage",
    input: z.object({
      value: z.string().trim().min(1, "enter an IP address, a CIDR range or an actor").max(320),
      reason: z.string().trim().max(500).optional(),
      days: z.enum(["", "1", "7", "30", "90"]).optional(),
    }),
  },
  async (session, input) => {
    const expiresAt = input.days ? new Date(Date.now() + Number(input.days) * 86_400_000) : null;
    await blockFromConsole(session.org.id, session.actor, { value: input.value, reason: input.reason, expiresAt });
    revalidatePath("/settings/blocklist");
    return { ok: true, message: `Blocked ${input.value}.` };
  },
);

export const unblockAction = consoleAction(
  { permission: "settings:manage", input: z.object({ id: z.string().uuid() }) },
  async (session, input) => {
    await unblockFromConsole(session.org.id, session.actor, input);
    revalidatePath("/settings/blocklist");
    return { ok: true, message: "Entry removed." };
  },
);
