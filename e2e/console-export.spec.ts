import fs from "node:fs";
import { spawnSync } from "node:child_process";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { demoCredentials } from "./fixtures";
import { signIn } from "./console-helpers";

const api = () => ({ authorization: `Bearer ${demoCredentials().apiKey}` });

/** RFC 4180 CSV: quoted cells may hold commas, quotes ("") and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  if (cell !== "" || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

async function ingest(request: APIRequestContext, events: unknown[]): Promise<string[]> {
  const res = await request.post("/api/v1/events", { headers: api(), data: { events } });
  expect(res.status()).toBe(201);
  return ((await res.json()).data as Array<{ id: string }>).map((r) => r.id);
}

test.describe("export from the search page", () => {
  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
  const subject = `export-subject-${suffix}@company.com`;
  let viewedIds: string[] = [];

  test.beforeAll(async ({ request }) => {
    // Three events the filter keeps, and one of the same actor it must leave out.
    const viewed = (n: number) => ({
      action: "CONTACT_VIEWED", category: "data", actor: { type: "user", email: subject },
      targets: [{ type: "contact", id: `c-${suffix}-${n}`, name: `Contact ${n}, "quoted"` }], context: { ip: "203.0.113.45" },
    });
    viewedIds = await ingest(request, [viewed(1), viewed(2), viewed(3)]);
    await ingest(request, [{ action: "CONTACT_DELETED", category: "data", actor: { type: "user", email: subject }, targets: [{ type: "contact", id: `c-${suffix}-9` }] }]);
  });

  test("a manager exports the filtered events as CSV, and the export is an event", async ({ page, request }) => {
    await signIn(page, "manager@company.com");
    await page.getByLabel("Period").selectOption("any");
    await page.getByLabel("Query", { exact: true }).fill(`actor:${subject} action:CONTACT_VIEWED`);
    await expect(page.getByLabel("User")).toHaveValue(subject);
    await page.getByTestId("search-submit").click();
    await expect(page).toHaveURL(/action=CONTACT_VIEWED/);
    const rows = page.getByTestId("result-row");
    await expect(rows).toHaveCount(3);

    // The export asks why before it starts.
    await page.getByTestId("export-open").click();
    const dialog = page.getByTestId("export-dialog");
    await expect(dialog.getByRole("radio", { name: "CSV (spreadsheets)" })).toBeChecked();
    await dialog.getByTestId("export-start").click();
    await expect(dialog.getByTestId("export-reason-error")).toContainText("Say why");
    const reason = `Access review ${suffix}`;
    await dialog.getByLabel("Reason").fill(reason);
    const [download] = await Promise.all([page.waitForEvent("download"), dialog.getByTestId("export-start").click()]);
    await expect(dialog.getByTestId("export-progress")).toHaveAttribute("data-status", "done");
    await expect(dialog.getByTestId("export-progress")).toContainText("Done: 3 events exported");
    expect(download.suggestedFilename()).toMatch(/^vigil-events-.*\.csv$/);
    const csv = parseCsv(fs.readFileSync((await download.path())!, "utf8"));
    const [header, ...records] = csv.filter((r) => r.length > 1 || r[0] !== "");
    expect(header!.slice(0, 5)).toEqual(["id", "seq", "occurred_at", "received_at", "action"]);
    const col = (name: string) => header!.indexOf(name);
    expect(records).toHaveLength(3);
    expect(records.map((r) => r[col("id")]).sort()).toEqual([...viewedIds].sort());
    for (const r of records) {
      expect(r).toHaveLength(header!.length);
      expect(r[col("action")]).toBe("CONTACT_VIEWED");
      expect(r[col("actor_email")]).toBe(subject);
    }
    expect(records.map((r) => r[col("targets")]).join("\n")).toContain('Contact 1, \\"quoted\\"');

    // The export is in the trail, with what it held.
    const res = await request.get("/api/v1/events?action=DATA_EXPORTED&actor=manager@company.com&period=24h", { headers: api() });
    const recorded = ((await res.json()).data as Array<{ metadata: Record<string, unknown>; source: string }>).find(
      (e) => String(e.metadata.filter).includes(subject),
    );
    expect(recorded).toMatchObject({ source: "console", reason, metadata: { records: 3, format: "csv" } });
    await page.goto("/events?period=24h&action=DATA_EXPORTED&actor=manager@company.com");
    const exported = page.getByTestId("result-row").first();
    await expect(exported).toContainText("DATA_EXPORTED");
    await expect(exported).toContainText("manager@company.com");
    await exported.getByRole("link", { name: "DATA_EXPORTED" }).click();
    await expect(page.getByTestId("event-action")).toHaveText("DATA_EXPORTED");
    await expect(page.locator("main")).toContainText(subject);
  });

  test("a manager downloads the CSV with its proof (ZIP), and vigil verify proves it", async ({ page }) => {
    await signIn(page, "manager@company.com");
    await page.goto(`/events?period=any&actor=${encodeURIComponent(subject)}&action=CONTACT_VIEWED`);
    await expect(page.getByTestId("result-row")).toHaveCount(3);
    await page.getByTestId("export-open").click();
    const dialog = page.getByTestId("export-dialog");
    await dialog.getByRole("radio", { name: "CSV with its proof (ZIP)" }).check();
    await dialog.getByLabel("Reason").fill(`Auditor's copy ${suffix}`);
    const [download] = await Promise.all([page.waitForEvent("download"), dialog.getByTestId("export-start").click()]);
    await expect(dialog.getByTestId("export-progress")).toHaveAttribute("data-status", "done");
    expect(download.suggestedFilename()).toMatch(/^vigil-events-.*\.zip$/);
    const file = (await download.path())! + ".zip";
    fs.copyFileSync((await download.path())!, file);
    const verified = spawnSync(process.execPath, ["bin/vigil.js", "verify", file], { encoding: "utf8", env: { ...process.env, DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" } });
    expect(verified.stdout).toMatch(/^OK: 3 event\(s\) checked/);
    expect(verified.stdout).toContain("3 event(s) proven in org");
    expect(verified.status).toBe(0);
  });

  test("a director has no export control, and the export URL refuses them", async ({ page }) => {
    await signIn(page, "director@company.com");
    const url = `/events?period=any&actor=${encodeURIComponent(subject)}&action=CONTACT_VIEWED`;
    await page.goto(url);
    await expect(page.getByTestId("result-row")).toHaveCount(3);
    await expect(page.getByTestId("export-actions")).toHaveCount(0);
    await expect(page.getByRole("button", { name: /Export/ })).toHaveCount(0);
    const res = await page.request.get(`/events/export?format=csv&reason=curious&period=any&actor=${encodeURIComponent(subject)}`);
    expect(res.status()).toBe(403);
  });

  test("an export URL without a reason is refused, saying what is missing", async ({ page }) => {
    await signIn(page, "manager@company.com");
    const res = await page.request.get(`/events/export?format=csv&period=any&actor=${encodeURIComponent(subject)}`);
    expect(res.status()).toBe(400);
    expect(await res.text()).toContain("reason is required");
    const progress = await page.request.get(`/events/export/progress?id=${crypto.randomUUID()}`);
    expect(progress.status()).toBe(404);
  });
});
