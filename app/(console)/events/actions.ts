"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { consoleAction } from "@/lib/http/action";
import { deleteSavedSearch, saveSearch } from "@/lib/console/saved-searches";

export const saveSearchAction = consoleAction(
  { permission: "events:read", input: z.object({ name: z.string().trim().min(1, "name it").max(80), query: z.string().max(4000) }) },
  async (session, input) => {
    await saveSearch(session.org.id, session.user.id, input);
    revalidatePath("/events");
    return { ok: true, message: `Saved “${input.name}”.` };
  },
);

export const deleteSavedSearchAction = consoleAction(
  { permission: "events:read", input: z.object({ id: z.string().uuid() }) },
  async (session, input) => {
    await deleteSavedSearch(session.org.id, session.user.id, input.id);
    revalidatePath("/events");
    return { ok: true, message: "Deleted." };
  },
);
