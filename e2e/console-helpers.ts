import { expect, type Page } from "@playwright/test";
import { demoCredentials } from "./fixtures";

let counter = Math.floor(Math.random() * 1000);

/**
 * A distinct client address per browser page (sent as X-Forwarded-For, which the server
 * reads as the client's address): the suite's many sign-ins from 127.0.0.1 would
 * otherwise share one per-IP sign-in budget.
 */
export async function setClientIp(page: Page, ip?: string): Promise<string> {
  counter += 1;
  const address = ip ?? `198.18.${Math.floor(counter / 250) % 250}.${(counter % 250) + 1}`;
  await page.setExtraHTTPHeaders({ "x-forwarded-for": address });
  return address;
}

/** Signs in through the form, as a person would. */
export async function signIn(page: Page, email: string, password = demoCredentials().password): Promise<void> {
  await setClientIp(page);
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/events|\/settings\/account/);
}
