"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { consoleAction } from "@/lib/http/action";
import { addWitnessFromConsole, removeWitnessFromConsole } from "@/lib/console/org-settings";

export const addWitnessAction = consoleAction(
  {
    permission: "settings:manage",
    input: z.object({
      url: z.string().trim().min(1, "enter the witness's submission URL").max(2000),
      verifierKey: z.string().trim().max(500).optional(),
    }),
  },
  async (session, input) => {
    await addWitnessFromConsole(session.org.id, session.actor, input);
    revalidatePath("/settings/witnesses");
    return { ok: true, message: "Witness added: the next signed head goes to it." };
  },
);

export const removeWitnessAction = consoleAction(
  { permission: "settings:manage", input: z.object({ id: z.string().uuid() }) },
  async (session, input) => {
    await removeWitnessFromConsole(session.org.id, session.actor, input);
    revalidatePath("/settings/witnesses");
    return { ok: true, message: "Witness removed." };
  },
);
