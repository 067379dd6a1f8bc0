"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { consoleAction, formList } from "@/lib/http/action";
import { createConsoleApiKey, revokeConsoleApiKey } from "@/lib/console/api-keys";
import { actorOf } from "@/lib/console/rules";

export const createApiKeyAction = consoleAction(
  { permission: "apikeys:manage", input: z.object({ name: z.string().trim().min(2, "needs at least 2 characters").max(80), scopes: formList }) },
  async (session, input) => {
    const { key } = await createConsoleApiKey(session.org.id, actorOf(session), input);
    revalidatePath("/settings/api-keys");
    return {
      ok: true,
      message: `API key ${input.name} created.`,
      secret: { label: "Copy the key now: Vigil keeps only its hash and can't show it again.", values: [key] },
    };
  },
);

export const revokeApiKeyAction = consoleAction(
  { permission: "apikeys:manage", input: z.object({ id: z.string().uuid() }) },
  async (session, input) => {
    await revokeConsoleApiKey(session.org.id, actorOf(session), input);
    revalidatePath("/settings/api-keys");
    return { ok: true, message: "Key revoked." };
  },
);
