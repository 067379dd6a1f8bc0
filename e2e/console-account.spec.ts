import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { generate } from "otplib";
import { setClientIp, signIn } from "./console-helpers";

/**
 * Coming back to the page asked for after sign-in (MFA step included, never to another
 * site), the org's record-reads policy, and replacing MFA recovery codes. Everything runs
 * in an org of its own, made with the CLI, so reads and MFA leave the demo's trail alone.
 */

function e2eDatabaseUrl(): string {
  const port = Number(process.env.E2E_PORT ?? 3100);
  const file = JSON.parse(fs.readFileSync(path.join(os.tmpdir(), `vigil-e2e-${port}.json`), "utf8")) as { databaseUrl?: string };
  if (!file.databaseUrl) throw new Error("the e2e server did not record its database URL");
  return file.databaseUrl;
}

const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
const org = { slug: `account-${suffix}`, admin: `owner-${suffix}@account.test`, password: `account-org-password-${suffix}-long` };
let apiKey = "";
let eventId = "";

async function fillCredentials(page: Page) {
  await page.getByLabel("Email").fill(org.admin);
  await page.getByLabel("Password").fill(org.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function freshPage(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await setClientIp(page);
  return page;
}

async function setRecordReads(page: Page, on: boolean) {
  await page.goto("/settings/organization");
  const form = page.getByTestId("org-settings");
  await form.getByRole("checkbox", { name: /Record reads/ }).setChecked(on);
  await form.getByRole("button", { name: "Save settings" }).click();
  await expect(form.getByTestId("form-message")).toHaveText("Settings saved.");
}

test.describe("account, sign-in return and reads", () => {
  test.beforeAll(async ({ request }) => {
    test.setTimeout(90_000);
    const out = execFileSync(
      process.execPath,
      ["bin/vigil.js", "org", "create", "Account Co", "--slug", org.slug, "--admin", org.admin, "--password", org.password, "--json"],
      { env: { ...process.env, DATABASE_URL: e2eDatabaseUrl(), VIGIL_SCHEDULER: "off" }, encoding: "utf8", timeout: 60_000 },
    );
    apiKey = (JSON.parse(out.trim().split("\n").pop()!) as { api_key: string }).api_key;
    const res = await request.post("/api/v1/events", {
      headers: { authorization: `Bearer ${apiKey}` },
      data: {
        action: "CONTACT_UPDATED", actor: { type: "user", email: "agent@account.test" },
        targets: [{ type: "contact", id: "12345", name: "John Silva" }],
        changes: [{ field: "plan", before: "Free", after: "Premium" }],
      },
    });
    expect(res.status()).toBe(201);
    eventId = (await res.json()).data[0].id;
  });

  test("a signed-out visit to a search comes back to that search after sign-in, and never to another site", async ({ browser }) => {
    const page = await freshPage(browser);
    await page.goto(`/events?q=${encodeURIComponent("action:CONTACT_UPDATED")}&period=24h`);
    await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Fevents%3Fq%3D/);
    await fillCredentials(page);
    await expect(page).toHaveURL((url) => url.pathname === "/events" && url.searchParams.get("q") === "action:CONTACT_UPDATED" && url.searchParams.get("period") === "24h");
    await expect(page.getByTestId("result-row")).toHaveCount(1);
    await expect(page.getByTestId("result-row")).toContainText("CONTACT_UPDATED");
    await page.context().close();

    // A callback to another origin is ignored: the person lands on this site's events page.
    const base = new URL(test.info().project.use.baseURL!);
    for (const evil of ["//evil.example/phish", "/\\evil.example/phish", "https://evil.example/phish"]) {
      const other = await freshPage(browser);
      await other.goto(`/sign-in?callbackUrl=${encodeURIComponent(evil)}`);
      await fillCredentials(other);
      await expect(other).toHaveURL((url) => url.origin === base.origin && url.pathname === "/events");
      await other.context().close();
    }
  });

  test("with the record-reads policy on, opening an event and searching are events; with it off, they are not", async ({ page }) => {
    await signIn(page, org.admin, org.password);
    await setRecordReads(page, true);
    await page.goto("/events?period=24h&action=CONTACT_UPDATED");
    await page.getByTestId("result-row").getByRole("link", { name: "CONTACT_UPDATED" }).click();
    await expect(page).toHaveURL(new RegExp(`/events/${eventId}$`));
    await expect(page.getByTestId("event-action")).toHaveText("CONTACT_UPDATED");

    // Exactly one view: the link prefetched on the results page doesn't count as one.
    await page.goto("/events?period=24h&action=EVENT_VIEWED");
    const viewed = page.getByTestId("result-row");
    await expect(viewed).toHaveCount(1);
    await expect(viewed).toContainText(org.admin);
    await viewed.getByRole("link", { name: "EVENT_VIEWED" }).click();
    const tree = page.getByTestId("event-tree");
    await expect(page.getByTestId("tree-target")).toContainText(`CONTACT_UPDATED (#${eventId})`);
    await expect(tree).toContainText("event_action");
    await expect(page.getByTestId("tree-who")).toContainText(org.admin);

    // The searches are there too, with their filter (the one for CONTACT_UPDATED, the one for EVENT_VIEWED).
    await page.goto("/events?period=24h&action=EVENTS_SEARCHED");
    const searched = page.getByTestId("result-row");
    await expect(searched).toHaveCount(2);
    await searched.last().getByRole("link", { name: "EVENTS_SEARCHED" }).click();
    await expect(page.getByTestId("event-tree")).toContainText("action:CONTACT_UPDATED");

    // Off again: opening an event and searching are no longer recorded.
    const reads = async () => (await (await page.request.get("/api/v1/events?period=24h&action=EVENT_VIEWED,EVENTS_SEARCHED&limit=100", {
      headers: { authorization: `Bearer ${apiKey}` },
    })).json()).data.length as number;
    await setRecordReads(page, false);
    const before = await reads();
    // Three searches and three events opened above; reading reads is a read too.
    expect(before).toBe(6);
    await page.goto(`/events/${eventId}`);
    await expect(page.getByTestId("event-action")).toHaveText("CONTACT_UPDATED");
    await page.goto("/events?period=24h&action=CONTACT_UPDATED");
    await expect(page.getByTestId("result-row")).toHaveCount(1);
    expect(await reads()).toBe(before);
    // Both changes of the policy are in the trail with before and after.
    await page.goto("/events?period=24h&action=SETTINGS_CHANGED");
    await expect(page.getByTestId("result-row")).toHaveCount(2);
  });

  test("new recovery codes replace the old ones; a new one signs in through the MFA step back to the event asked for", async ({ page }) => {
    // A TOTP code is good once: replacing the codes waits for the step after enrollment's.
    test.setTimeout(90_000);
    await signIn(page, org.admin, org.password);
    await page.goto("/settings/account");
    await page.getByTestId("mfa-start").click();
    const secret = (await page.getByTestId("mfa-secret").innerText()).trim();
    await page.getByLabel("Code", { exact: true }).fill(await generate({ secret }));
    const enrolledStep = Math.floor(Date.now() / 30_000);
    await page.getByRole("button", { name: "Turn on" }).click();
    await expect(page.getByTestId("recovery-codes")).toBeVisible();
    const oldCodes = (await page.getByTestId("recovery-codes").locator("span").allInnerTexts()).map((c) => c.trim());
    expect(oldCodes).toHaveLength(10);

    await page.reload();
    const regenerate = page.getByTestId("regenerate-codes");
    await regenerate.getByLabel(/New recovery codes/).fill("000000");
    await regenerate.getByRole("button", { name: "Replace recovery codes" }).click();
    await expect(regenerate).toContainText("That code didn't work");
    while (Math.floor(Date.now() / 30_000) <= enrolledStep) await page.waitForTimeout(1000);
    await regenerate.getByLabel(/New recovery codes/).fill(await generate({ secret }));
    await regenerate.getByRole("button", { name: "Replace recovery codes" }).click();
    await expect(page.getByTestId("new-recovery-codes")).toBeVisible();
    const newCodes = (await page.getByTestId("new-recovery-codes").locator("span").allInnerTexts()).map((c) => c.trim());
    expect(newCodes).toHaveLength(10);
    expect(newCodes.filter((c) => oldCodes.includes(c))).toEqual([]);

    // Signed out, the event's URL goes through sign-in and its MFA step, then back to it.
    await page.getByTestId("user-menu").click();
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(page).toHaveURL(/\/sign-in/);
    await page.goto(`/events/${eventId}`);
    await expect(page).toHaveURL(new RegExp(`/sign-in\\?callbackUrl=%2Fevents%2F${eventId}$`));
    await fillCredentials(page);
    await expect(page.getByRole("heading", { name: "Two-factor authentication" })).toBeVisible();
    await page.getByLabel("Authentication code").fill(oldCodes[1]!);
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(page.getByTestId("sign-in-error")).toContainText("That code didn't work");
    await page.getByLabel("Authentication code").fill(newCodes[0]!);
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(page).toHaveURL(new RegExp(`/events/${eventId}$`));
    await expect(page.getByTestId("event-action")).toHaveText("CONTACT_UPDATED");

    await page.goto("/events?period=24h&category=authentication&action=MFA_RECOVERY_CODES_REGENERATED");
    await expect(page.getByTestId("result-row")).toHaveCount(1);
    await expect(page.getByTestId("result-row")).toContainText(org.admin);
  });
});
