import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { demoCredentials } from "./fixtures";
import { signIn } from "./console-helpers";

/** The CRON_SECRET scripts/e2e-server.ts gives the server. */
const CRON = { authorization: "Bearer e2e-cron-secret-0123456789abcdef" };
const api = () => ({ authorization: `Bearer ${demoCredentials().apiKey}` });

interface ApiAlert {
  id: string;
  rule: string;
  status: string;
  subject: { ip?: string; actor?: string };
  count: number;
  event_ids: string[];
}

/** Runs the alerts job (the scheduler may hold its lock: then it is skipped) until `done` holds. */
async function runAlertsUntil<T>(request: APIRequestContext, done: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 30; attempt++) {
    const res = await request.get("/api/cron/alerts", { headers: CRON });
    expect([200, 503]).toContain(res.status());
    const found = await done();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error("the alerts job never raised the expected alert");
}

async function openBruteForceAlerts(request: APIRequestContext): Promise<ApiAlert[]> {
  const res = await request.get("/api/v1/alerts?rule=brute_force&status=open", { headers: api() });
  expect(res.status()).toBe(200);
  return (await res.json()).data as ApiAlert[];
}

async function expectNoAlertsAccess(page: Page): Promise<void> {
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Alerts" })).toHaveCount(0);
  await page.goto("/alerts");
  await expect(page.getByTestId("no-access")).toContainText("You don't have access to alerts");
  await expect(page.getByTestId("alerts-table")).toHaveCount(0);
}

test.describe("alerts", () => {
  // A pattern of its own per run: an address and an account no other spec or the seed uses.
  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
  const ip = `203.0.113.${200 + Math.floor(Math.random() * 50)}`;
  const account = `victim-${suffix}@company.com`;

  test("a brute force becomes an alert: its events, a block, an incident worked to investigating", async ({ page, request }) => {
    test.setTimeout(90_000);
    const events = Array.from({ length: 6 }, (_, i) => ({
      action: "LOGIN_FAILED",
      category: "authentication",
      status: "failed",
      actor: { type: "user", email: account },
      context: { ip, user_agent: "curl/8.5" },
      metadata: { attempt: i + 1 },
    }));
    const ingest = await request.post("/api/v1/events", { headers: api(), data: { events } });
    expect(ingest.status()).toBe(201);
    expect((await ingest.json()).summary).toEqual({ created: 6, duplicate: 0, rejected: 0 });
    const ingestedIds = ((await ingest.json()).data as Array<{ id: string }>).map((r) => r.id).sort();

    // The job folds the burst into two alerts: one on the address, one on the account.
    const { byIp, byAccount } = await runAlertsUntil(request, async () => {
      const alerts = await openBruteForceAlerts(request);
      const byIp = alerts.find((a) => a.subject.ip === ip);
      const byAccount = alerts.find((a) => a.subject.actor === account);
      return byIp && byAccount ? { byIp, byAccount } : undefined;
    });
    expect(byIp.count).toBe(6);
    expect([...byIp.event_ids].sort()).toEqual(ingestedIds);
    expect(byAccount.count).toBe(6);

    await signIn(page, "admin@company.com");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Alerts" }).click();
    await expect(page).toHaveURL(/\/alerts$/);
    // Open first, newest first: the two alerts of this burst lead the table.
    const rows = page.getByTestId("alerts-table").locator("tbody tr");
    const first = rows.first();
    await expect(first).toContainText("Brute force");
    await expect(first).toContainText(new RegExp(`${ip.replace(/\./g, "\\.")}|${account}`));
    await expect(first).toContainText("6 failed sign-ins");
    await expect(first).toContainText("open");
    const ipRow = rows.filter({ hasText: `6 failed sign-ins from ${ip} ` });
    await expect(ipRow).toHaveCount(1);
    expect(await rows.nth(0).innerText() + (await rows.nth(1).innerText())).toContain(`from ${ip} `);
    await expect(ipRow.locator("td").nth(3)).toHaveText("6");

    // The alert, and its events one click away.
    await ipRow.getByRole("link", { name: `6 failed sign-ins from ${ip} within 10 minutes` }).click();
    await expect(page).toHaveURL(new RegExp(`/alerts/${byIp.id}$`));
    await expect(page.getByRole("heading", { name: `6 failed sign-ins from ${ip} within 10 minutes` })).toBeVisible();
    const behind = page.locator("table").filter({ has: page.getByRole("link", { name: "LOGIN_FAILED" }) });
    await expect(behind.getByRole("link", { name: "LOGIN_FAILED" })).toHaveCount(6);
    await expect(behind.locator("tr").first()).toContainText(account);
    await expect(behind.locator("tr").first()).toContainText(ip);
    await behind.getByRole("link", { name: "LOGIN_FAILED" }).first().click();
    await expect(page).toHaveURL(/\/events\/[0-9a-f-]{36}$/);
    expect(ingestedIds).toContain(page.url().split("/").pop());
    await expect(page.getByTestId("event-action")).toHaveText("LOGIN_FAILED");
    await expect(page.getByTestId("event-tree")).toContainText(account);
    await page.goBack();
    await expect(page).toHaveURL(new RegExp(`/alerts/${byIp.id}$`));

    // A response: block the address. Integrators read it from the API's blocklist.
    // The page shows nothing new after a block: wait for the server action's answer.
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith(`/alerts/${byIp.id}`)),
      page.getByRole("button", { name: `Block ${ip}` }).click(),
    ]);
    await expect(page).toHaveURL(new RegExp(`/alerts/${byIp.id}$`));
    await expect(page.getByRole("status")).toHaveCount(0);
    const blocked = async () => {
      const res = await request.get("/api/v1/blocklist", { headers: api() });
      expect(res.status()).toBe(200);
      const entries = (await res.json()).data as Array<{ kind: string; value: string; reason: string | null }>;
      return entries.find((e) => e.value === ip || e.value === `${ip}/32`);
    };
    await expect.poll(blocked).toBeTruthy();
    expect((await blocked())!.reason).toContain("brute_force");

    // An incident from the alert, worked: a note, a new status, all on the timeline.
    // A fresh load: the block's redirect re-renders the page and may swallow typing.
    await page.goto(`/alerts/${byIp.id}`);
    await page.getByLabel("Assignee").fill("manager@company.com");
    await expect(page.getByLabel("Assignee")).toHaveValue("manager@company.com");
    await page.getByRole("button", { name: "Open incident" }).click();
    await expect(page).toHaveURL(/\/alerts\/incidents\/[0-9a-f-]{36}$/);
    const incidentUrl = page.url();
    await expect(page.getByText("Assigned to manager@company.com · opened by admin@company.com")).toBeVisible();
    await expect(page.getByTestId("incident-timeline")).toContainText("Incident opened, assigned to manager@company.com");
    const note = `Blocked ${ip} at the edge too; checking whether ${account} reused a password (${suffix}).`;
    await page.getByLabel("Note for the timeline").fill(note);
    await page.getByLabel("Status").selectOption("investigating");
    await page.getByRole("button", { name: "Save" }).click();
    const timeline = page.getByTestId("incident-timeline");
    await expect(timeline).toContainText(note);
    await expect(timeline).toContainText("Status open → investigating");
    await expect(timeline.locator("li").filter({ hasText: note })).toContainText("admin@company.com · note");
    await page.reload();
    await expect(page.getByLabel("Status")).toHaveValue("investigating");
    await expect(page.getByTestId("incident-timeline")).toContainText(note);

    // The alert links to its incident, and the Alerts page lists it.
    await page.getByRole("link", { name: "The alert" }).click();
    await expect(page.getByRole("link", { name: "Incident (investigating)" })).toBeVisible();
    await page.getByRole("link", { name: "← Alerts" }).click();
    await expect(page.getByRole("link", { name: `6 failed sign-ins from ${ip} within 10 minutes` }).last()).toBeVisible();
    await page.goto(incidentUrl);
    await expect(page.getByTestId("incident-timeline")).toContainText(note);
  });

  test("a manager works alerts; a director and an agent have no Alerts page", async ({ browser }) => {
    const manager = await browser.newPage();
    await signIn(manager, "manager@company.com");
    await manager.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Alerts" }).click();
    await expect(manager.getByTestId("alerts-table")).toBeVisible();
    await manager.close();

    for (const email of ["director@company.com", "agent@company.com"]) {
      const page = await browser.newPage();
      await signIn(page, email);
      await expectNoAlertsAccess(page);
      await page.close();
    }
  });

  test("the cron route refuses a caller without its secret", async ({ request }) => {
    // The cron route wants its secret, nothing else.
    expect((await request.get("/api/cron/alerts")).status()).toBe(401);
    expect((await request.get("/api/cron/alerts", { headers: { authorization: "Bearer wrong" } })).status()).toBe(401);
  });
});
