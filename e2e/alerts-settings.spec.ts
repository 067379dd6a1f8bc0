import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { demoCredentials } from "./fixtures";
import { signIn } from "./console-helpers";

/** The CRON_SECRET scripts/e2e-server.ts gives the server. */
const CRON = { authorization: "Bearer e2e-cron-secret-0123456789abcdef" };
const api = () => ({ authorization: `Bearer ${demoCredentials().apiKey}` });

interface ApiAlert {
  id: string;
  rule: string;
  severity: string;
  subject: { ip?: string; actor?: string };
  count: number;
}

async function alertsFor(request: APIRequestContext, ip: string): Promise<ApiAlert[]> {
  const res = await request.get("/api/v1/alerts?rule=brute_force", { headers: api() });
  expect(res.status()).toBe(200);
  return ((await res.json()).data as ApiAlert[]).filter((a) => a.subject.ip === ip);
}

/** Runs the alerts job a few times (the scheduler may hold its lock: then it is skipped). */
async function runAlerts(request: APIRequestContext, times = 3): Promise<void> {
  for (let i = 0; i < times; i++) {
    const res = await request.get("/api/cron/alerts", { headers: CRON });
    expect([200, 503]).toContain(res.status());
    if (res.status() === 200 && (await res.json()).status !== "skipped") return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function failedSignIns(request: APIRequestContext, ip: string, n: number, tag: string): Promise<void> {
  const events = Array.from({ length: n }, (_, i) => ({
    action: "LOGIN_FAILED", category: "authentication", status: "failed",
    actor: { type: "user", email: `settings-${tag}-${i}@client.example` }, context: { ip },
  }));
  const res = await request.post("/api/v1/events", { headers: api(), data: { events } });
  expect(res.status()).toBe(201);
}

async function saveBruteForceThreshold(page: Page, value: string): Promise<void> {
  const form = page.getByTestId("rule-brute_force");
  await form.getByLabel("Failed sign-ins", { exact: true }).fill(value);
  await form.getByRole("button", { name: "Save rule" }).click();
}

test.describe("alert rule settings", () => {
  const tag = `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;

  test("an admin edits the brute-force threshold: refused beside the field, saved, recorded, and detection follows it", async ({ page, request }) => {
    test.setTimeout(90_000);
    await signIn(page, "admin@company.com");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
    await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Alert rules" }).click();
    await expect(page).toHaveURL(/\/settings\/alerts$/);
    const form = page.getByTestId("rule-brute_force");
    await expect(form.getByLabel("Failed sign-ins", { exact: true })).toHaveValue("5");

    // Below the minimum: the error sits beside the field, nothing is saved.
    await saveBruteForceThreshold(page, "1");
    await expect(form.getByTestId("brute_force-threshold-error")).toHaveText("must be at least 2");
    await expect(form.getByTestId("form-message")).toHaveText("Check the highlighted fields.");
    await page.reload();
    await expect(page.getByTestId("rule-brute_force").getByLabel("Failed sign-ins", { exact: true })).toHaveValue("5");

    try {
      await saveBruteForceThreshold(page, "3");
      await expect(form.getByTestId("form-message")).toHaveText("Rule saved.");
      await page.reload();
      await expect(page.getByTestId("rule-brute_force").getByLabel("Failed sign-ins", { exact: true })).toHaveValue("3");

      // The change is in the trail with its before and after.
      const trail = await request.get("/api/v1/events?action=SETTINGS_CHANGED&actor=admin@company.com&period=24h&limit=5", { headers: api() });
      expect(trail.status()).toBe(200);
      const [latest] = (await trail.json()).data as Array<{ changes: Array<{ field: string; before: unknown; after: unknown }>; metadata: Record<string, unknown> }>;
      expect(latest!.metadata).toMatchObject({ section: "alert_rules", rule: "brute_force" });
      expect(latest!.changes).toEqual([{ field: "brute_force.threshold", before: 5, after: 3 }]);

      // Three failures from one address now raise an alert (five were needed before).
      // Not 192.0.2.0/24: the search spec expects the demo attacker to be the newest there.
      const ip = `100.64.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
      await failedSignIns(request, ip, 3, tag);
      await expect.poll(async () => {
        await runAlerts(request, 1);
        return (await alertsFor(request, ip)).map((a) => a.count);
      }, { timeout: 30_000 }).toEqual([3]);
      await page.goto("/alerts");
      await expect(page.getByTestId("alerts-table")).toContainText(`3 failed sign-ins from ${ip}`);
    } finally {
      await page.goto("/settings/alerts");
      await saveBruteForceThreshold(page, "5");
      await expect(page.getByTestId("rule-brute_force").getByTestId("form-message")).toHaveText(/Rule saved\.|Nothing changed\./);
    }
  });

  test("a webhook's signing secret is shown once, then only as set", async ({ page }) => {
    await signIn(page, "admin@company.com");
    await page.goto("/settings/alerts");
    const add = page.getByTestId("add-channel");
    await add.getByLabel("Kind").selectOption("webhook");
    await add.getByLabel("Recipients or URL").fill(`https://hooks.example.com/vigil/${tag}`);
    await add.getByRole("button", { name: "Add channel" }).click();
    const secret = (await add.getByTestId("secret-values").innerText()).trim();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{20,}$/);

    await page.reload();
    const row = page.getByTestId("channel-row").filter({ has: page.locator(`input[value="https://hooks.example.com/vigil/${tag}"]`) });
    await expect(row.getByTestId("channel-secret")).toHaveText("Signing secret: set");
    expect(await page.content()).not.toContain(secret);

    // A bad URL is refused beside the field.
    await row.getByLabel("URL").fill("not a url");
    await row.getByRole("button", { name: "Save channel" }).click();
    await expect(row.getByTestId(/-target-error$/)).toHaveText("enter an http(s) URL");
    await expect(row.getByTestId("form-message")).toHaveText("Check the URL.");

    page.once("dialog", (d) => void d.accept());
    await row.getByRole("button", { name: "Remove" }).click();
    await expect(page.getByTestId("channel-row").filter({ has: page.locator(`input[value="https://hooks.example.com/vigil/${tag}"]`) })).toHaveCount(0);
  });

  test("a manager has Alert rules in Settings; a director has neither", async ({ browser }) => {
    const manager = await browser.newPage();
    await signIn(manager, "manager@company.com");
    await manager.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
    await expect(manager).toHaveURL(/\/settings\/alerts$/);
    await expect(manager.getByTestId("rule-brute_force")).toBeVisible();
    await manager.close();

    const director = await browser.newPage();
    await signIn(director, "director@company.com");
    await expect(director.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" })).toHaveCount(0);
    await director.goto("/settings/alerts");
    await expect(director.getByTestId("no-access")).toContainText("You don't have access to alert rules");
    await expect(director.getByTestId("rule-brute_force")).toHaveCount(0);
    await director.close();
  });
});
