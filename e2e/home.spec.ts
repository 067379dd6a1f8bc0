import { expect, test } from "@playwright/test";
import { demoCredentials } from "./fixtures";

test("the home page shows the seeded chain and carries security headers", async ({ page }) => {
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  const headers = response!.headers();
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBeTruthy();
  await expect(page.getByRole("heading", { name: "Vigil" })).toBeVisible();
  await expect(page.getByTestId("org-count")).toHaveText(/^[1-9]\d*$/);
  const events = Number((await page.getByTestId("event-count").innerText()).replace(/,/g, ""));
  expect(events).toBeGreaterThan(10_000);
});

test("the API answers the demo key and refuses a missing one", async ({ request }) => {
  const { apiKey } = demoCredentials();
  const anonymous = await request.get("/api/v1/events");
  expect(anonymous.status()).toBe(401);
  const res = await request.get("/api/v1/events?limit=5&q=actor:hacker@evil.com", { headers: { authorization: `Bearer ${apiKey}` } });
  expect(res.status()).toBe(200);
  const body = await res.json();
  expect(body.data.length).toBeGreaterThan(0);
  expect(body.data[0].actor.email).toBe("hacker@evil.com");
});
