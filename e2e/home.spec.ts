import { expect, test } from "@playwright/test";
import { demoCredentials } from "./fixtures";

test("the home page shows anonymous visitors nothing about any tenant and carries security headers", async ({ page }) => {
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  const headers = response!.headers();
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBeTruthy();
  await expect(page.getByRole("heading", { name: "Vigil" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Open the console" })).toBeVisible();
  // Finding 12: no count of organizations or events, nor any other number a tenant made.
  const text = await page.locator("body").innerText();
  expect(text).not.toMatch(/organizations|events in the chain/i);
  expect(text).not.toMatch(/\d/);
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
