"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { consoleAction, formList } from "@/lib/http/action";
import { createRole, deleteRole, updateRole } from "@/lib/console/roles";
import { actorOf } from "@/lib/console/rules";

const name = z.string().trim().min(2, "needs at least 2 characters").max(60, "at most 60 characters");

export const createRoleAction = consoleAction(
  { permission: "members:manage", input: z.object({ name, permissions: formList }) },
  async (session, input) => {
    await createRole(session.org.id, actorOf(session), input);
    revalidatePath("/settings/roles");
    return { ok: true, message: `Role ${input.name} created.` };
  },
);

export const updateRoleAction = consoleAction(
  { permission: "members:manage", input: z.object({ roleId: z.string().uuid(), name, permissions: formList }) },
  async (session, input) => {
    await updateRole(session.org.id, actorOf(session), input);
    revalidatePath("/settings/roles");
    return { ok: true, message: "Role saved." };
  },
);

export const deleteRoleAction = consoleAction(
  { permission: "members:manage", input: z.object({ roleId: z.string().uuid() }) },
  async (session, input) => {
    await deleteRole(session.org.id, actorOf(session), input);
    revalidatePath("/settings/roles");
    return { ok: true, message: "Role deleted." };
  },
);
