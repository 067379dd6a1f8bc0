import { expect, test, type APIRequestContext } from "@playwright/test";
import { demoCredentials } from "./fixtures";
import { signIn } from "./console-helpers";

/** The report as the API answers it now: the page must show the same numbers. */
async function apiReport(request: APIRequestContext): Promise<any> {
  const res = await request.get("/api/v1/reports/security?period=30d", { headers: { authorization: `Bearer ${demoCredentials().apiKey}` } });
  expect(res.status()).toBe(200);
  return res.json();
}

test.describe("reports", () => {
  test("a director sees the demo's figures, the same as the API's, with a chart", async ({ page, request }) => {
    await signIn(page, "director@company.com");
    await page.goto("/reports");
    const figures = page.getByTestId("report-figures");
    await expect(figures).toBeVisible();
    const json = await apiReport(request);
    // Other specs sign in wrongly and change settings: compare with the API, and with the brief's floor.
    expect(json.failed_logins.total).toBeGreaterThanOrEqual(45);
    await expect(page.getByTestId("figure-failed-logins")).toContainText(json.failed_logins.total.toLocaleString("en-US"));
    await expect(page.getByTestId("figure-exports")).toContainText(String(json.exports.count));
    await expect(page.getByTestId("figure-settings")).toContainText(String(json.settings_changes.count));
    await expect(page.getByTestId("top-ips")).toContainText("192.0.2.100");
    await expect(page.getByTestId("exporters")).toContainText("Authorized");
    await expect(page.getByTestId("failed-logins-chart").locator("svg .recharts-bar-rectangle").first()).toBeVisible();
  });

  test("the PDF downloads in one click and leaves a REPORT_DOWNLOADED event", async ({ page, request }) => {
    await signIn(page, "director@company.com");
    await page.goto("/reports?period=7d");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-security-pdf").click()]);
    expect(download.suggestedFilename()).toMatch(/^vigil-security-report-demo-\d{4}-\d{2}-\d{2}\.pdf$/);
    const res = await request.get("/api/v1/events?action=REPORT_DOWNLOADED&actor=director@company.com&period=24h", {
      headers: { authorization: `Bearer ${demoCredentials().apiKey}` },
    });
    const events = (await res.json()).data;
    expect(events[0]).toMatchObject({ action: "REPORT_DOWNLOADED", source: "console", metadata: { report: "security", period: "7d", format: "PDF" } });
  });

  test("an auditor reviews a settings change and the report shows it", async ({ page }) => {
    await signIn(page, "auditor@company.com");
    await page.goto("/reports");
    const changes = page.getByTestId("settings-changes");
    const form = changes.getByTestId("review-form").first();
    await form.getByPlaceholder(/Note/).fill("Approved in CAB-42");
    await form.getByRole("button", { name: "Compliant", exact: true }).click();
    await expect(changes.getByText("Marked compliant.")).toBeVisible();
    await page.reload();
    await expect(changes.getByText("auditor@company.com — Approved in CAB-42")).toBeVisible();
    await expect(page.getByTestId("review-status")).toContainText(/not reviewed|Reviewed/);
  });

  test("an administrator chooses who receives the monthly report, among members allowed to; a director only sees the list", async ({ page, browser, request }) => {
    await signIn(page, "admin@company.com");
    await page.goto("/reports");
    const form = page.getByTestId("report-recipients");
    // Only roles that may download reports are offered: not an agent.
    await expect(form.getByRole("checkbox", { name: "director@company.com" })).toBeVisible();
    await expect(form.getByRole("checkbox", { name: "john@company.com" })).toHaveCount(0);
    await form.getByRole("checkbox", { name: "director@company.com" }).check();
    await form.getByRole("button", { name: "Save recipients" }).click();
    await expect(form.getByTestId("form-message")).toContainText("director@company.com");
    await page.reload();
    await expect(page.getByTestId("report-recipients").getByRole("checkbox", { name: "director@company.com" })).toBeChecked();
    const res = await request.get("/api/v1/events?action=SETTINGS_CHANGED&actor=admin@company.com&period=24h", {
      headers: { authorization: `Bearer ${demoCredentials().apiKey}` },
    });
    const changed = (await res.json()).data.find((e: { changes: Array<{ field: string }> }) => e.changes.some((c) => c.field === "monthly_report_recipients"));
    expect(changed.changes[0].after).toContain("director@company.com");

    const context = await browser.newContext();
    const director = await context.newPage();
    await signIn(director, "director@company.com");
    await director.goto("/reports");
    await expect(director.getByTestId("report-recipients")).toHaveCount(0);
    await expect(director.getByTestId("report-recipients-readonly")).toContainText("director@company.com");
    await context.close();
  });
});
