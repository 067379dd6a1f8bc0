"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { consoleAction, formList } from "@/lib/http/action";
import { reviewEvent } from "@/lib/reports/reviews";
import { setReportRecipients } from "@/lib/reports/schedule";

const reviewInput = z.object({
  eventId: z.string().uuid("Pick a change to review."),
  compliant: z.enum(["yes", "no"], { message: "Say whether the change is compliant." }),
  note: z.string().max(2000, "At most 2,000 characters.").optional(),
});

/** Marks a settings or permission change reviewed; reviewEvent checks who may, and records it. */
export const reviewChange = consoleAction({ input: reviewInput }, async (session, input) => {
  await reviewEvent(session.org.id, { eventId: input.eventId, reviewerUserId: session.user.id, compliant: input.compliant === "yes", note: input.note }, {
    ip: session.ip ?? undefined, userAgent: session.userAgent ?? undefined,
  });
  revalidatePath("/reports");
  return { ok: true, message: input.compliant === "yes" ? "Marked compliant." : "Marked not compliant." };
});

/**
 * Chooses who receives the monthly report by email, among members who may download reports.
 * Where reports go is an org setting: it needs settings:manage, so a reader can't redirect them.
 */
export const setMonthlyRecipients = consoleAction({ permission: "settings:manage", input: z.object({ recipients: formList }) }, async (session, input) => {
  const { recipients } = await setReportRecipients(session.org.id, session.actor, input.recipients);
  revalidatePath("/reports");
  return {
    ok: true,
    message: recipients.length === 0 ? "The monthly report is kept here and emailed to no one." : `The monthly report will be emailed to ${recipients.join(", ")}.`,
  };
});
