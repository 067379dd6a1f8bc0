import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { expect, test } from "@playwright/test";
import { demoCredentials } from "./fixtures";
import { signIn } from "./console-helpers";

/** The e2e server's database (scripts/e2e-server.ts writes it beside the demo's credentials). */
function e2eDatabaseUrl(): string {
  const port = Number(process.env.E2E_PORT ?? 3100);
  const file = JSON.parse(fs.readFileSync(path.join(os.tmpdir(), `vigil-e2e-${port}.json`), "utf8")) as { databaseUrl?: string };
  if (!file.databaseUrl) throw new Error("the e2e server did not record its database URL");
  return file.databaseUrl;
}

test.describe("tenancy in the console", () => {
  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
  const other = { slug: `other-${suffix}`, admin: `someone-${suffix}@other.test`, password: `other-org-password-${suffix}-long-enough` };
  let otherKey = "";
  let otherEventId = "";
  const marker = `other-org-only-${suffix}`;

  test.beforeAll(async ({ request }) => {
    test.setTimeout(90_000);
    // A second organization in the same database, through the CLI, as an operator would make it.
    const out = execFileSync(
      process.execPath,
      ["bin/vigil.js", "org", "create", "Other", "--slug", other.slug, "--admin", other.admin, "--password", other.password, "--json"],
      { env: { ...process.env, DATABASE_URL: e2eDatabaseUrl(), VIGIL_SCHEDULER: "off" }, encoding: "utf8", timeout: 60_000 },
    );
    const created = JSON.parse(out.trim().split("\n").pop()!) as { org: { id: string; slug: string }; api_key: string };
    expect(created.org.slug).toBe(other.slug);
    otherKey = created.api_key;
    const res = await request.post("/api/v1/events", {
      headers: { authorization: `Bearer ${otherKey}` },
      data: {
        action: "INVOICE_DELETED",
        category: "data",
        actor: { type: "user", email: other.admin, name: "Someone Else" },
        targets: [{ type: "invoice", id: marker, name: `Invoice ${marker}` }],
        context: { ip: "198.51.100.23" },
      },
    });
    expect(res.status()).toBe(201);
    otherEventId = (await res.json()).data[0].id;
    expect(otherEventId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("the demo's admin gets the same 404 for another org's event as for a missing one", async ({ page }) => {
    await signIn(page, "admin@company.com");
    const missing = await page.goto("/events/01900000-0000-7000-8000-000000000000");
    expect(missing?.status()).toBe(404);
    await expect(page.getByTestId("not-found")).toBeVisible();
    const missingText = await page.locator("main").innerText();

    const foreign = await page.goto(`/events/${otherEventId}`);
    expect(foreign?.status()).toBe(404);
    await expect(page.getByTestId("not-found")).toBeVisible();
    await expect(page.getByTestId("event-action")).toHaveCount(0);
    expect(await page.locator("main").innerText()).toBe(missingText);
    await expect(page.locator("body")).not.toContainText(marker);
    await expect(page.locator("body")).not.toContainText("INVOICE_DELETED");

    // Nor does any search of the demo find it.
    await page.goto(`/events?period=any&text=${marker}`);
    await expect(page.getByTestId("empty-state")).toContainText("No events match this search");
  });

  test("the other org's admin sees its own event and none of the demo's", async ({ page }) => {
    await signIn(page, other.admin, other.password);
    await page.goto("/events?period=any");
    const rows = page.getByTestId("result-row");
    await expect(rows.filter({ hasText: "INVOICE_DELETED" })).toHaveCount(1);
    for (const text of await rows.allInnerTexts()) {
      expect(text).not.toMatch(/@company\.com|hacker@evil\.com|192\.0\.2\.100/);
    }
    // The demo's attacker is not there, searched for directly.
    await page.goto("/events?period=any&actor=hacker@evil.com");
    await expect(page.getByTestId("empty-state")).toContainText("No events match this search");
    // Its own event opens; the demo's events are 404s here too.
    await page.goto(`/events/${otherEventId}`);
    await expect(page.getByTestId("event-action")).toHaveText("INVOICE_DELETED");
  });

  test("the demo's events are 404s for the other org's admin", async ({ page, request }) => {
    const demoEvent = await request.get("/api/v1/events?actor=hacker@evil.com&limit=1", {
      headers: { authorization: `Bearer ${demoCredentials().apiKey}` },
    });
    expect(demoEvent.status()).toBe(200);
    const id = (await demoEvent.json()).data[0].id as string;
    // And the other org's API key can't read it either.
    expect((await request.get(`/api/v1/events/${id}`, { headers: { authorization: `Bearer ${otherKey}` } })).status()).toBe(404);
    await signIn(page, other.admin, other.password);
    const res = await page.goto(`/events/${id}`);
    expect(res?.status()).toBe(404);
    await expect(page.getByTestId("not-found")).toBeVisible();
    await expect(page.locator("body")).not.toContainText("hacker@evil.com");
  });
});
