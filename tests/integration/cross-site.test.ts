// Sets up Next's request scope: must stay the first import (tests/helpers/next-request.ts).
import { inNextRequest, sessionCookie } from "@/tests/helpers/next-request";
import crypto from "node:crypto";
import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { GET as downloadReport } from "@/app/(console)/reports/download/[report]/route";
import { GET as reportRun } from "@/app/(console)/reports/runs/[id]/route";
import { GET as exportEvents } from "@/app/(console)/events/export/route";
import { eventsOf, orgWithUser } from "@/tests/integration/console-fixtures";

/**
 * docs/security.md, finding 10: a link or image on another site sends the victim's cookie; the
 * console routes that record something in the person's name must not answer it.
 */

type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

async function get(handler: Handler, url: string, headers: Record<string, string>, params: Record<string, string> = {}) {
  const req = new NextRequest(new URL(url, "http://localhost"), { headers });
  const scope = await inNextRequest({ path: url, headers }, async () => {
    const res = await handler(req, { params: Promise.resolve(params) });
    return { status: res.status, text: res.headers.get("content-type")?.includes("pdf") ? "(pdf)" : await res.text() };
  });
  if (scope.error) throw scope.error;
  return scope.result!;
}

describe("console downloads refuse requests another site started", () => {
  it.each(["cross-site", "same-site"])("Sec-Fetch-Site: %s gets 403 from report downloads, kept reports and exports, and records nothing", async (site) => {
    const { orgId, user } = await orgWithUser("admin");
    const headers = { cookie: await sessionCookie(user), "sec-fetch-site": site };
    const runId = crypto.randomUUID();
    const answers = [
      await get(downloadReport as unknown as Handler, "/reports/download/security?period=30d", headers, { report: "security" }),
      await get(downloadReport as unknown as Handler, "/reports/download/compliance?period=30d", headers, { report: "compliance" }),
      await get(reportRun as unknown as Handler, `/reports/runs/${runId}`, headers, { id: runId }),
      await get(exportEvents as unknown as Handler, "/events/export?format=csv&reason=audit", headers),
    ];
    expect(answers.map((a) => a.status)).toEqual([403, 403, 403, 403]);
    expect(await eventsOf(orgId, "REPORT_DOWNLOADED")).toEqual([]);
    expect(await eventsOf(orgId, "DATA_EXPORTED")).toEqual([]);
  });

  it("a download the person starts on the site (same-origin) or by hand (none) is answered and recorded", async () => {
    const { orgId, user } = await orgWithUser("admin");
    const cookie = await sessionCookie(user);
    const same = await get(downloadReport as unknown as Handler, "/reports/download/security?period=30d", { cookie, "sec-fetch-site": "same-origin" }, { report: "security" });
    expect(same).toEqual({ status: 200, text: "(pdf)" });
    const typed = await get(downloadReport as unknown as Handler, "/reports/download/compliance?period=30d", { cookie, "sec-fetch-site": "none" }, { report: "compliance" });
    expect(typed.status).toBe(200);
    expect(await eventsOf(orgId, "REPORT_DOWNLOADED")).toHaveLength(2);
  }, 60_000);
});
