import { expect, test, type Page } from "@playwright/test";
import { generate } from "otplib";
import { demoCredentials } from "./fixtures";
import { signIn, setClientIp } from "./console-helpers";

/**
 * Invites a member through the Members page (the admin sees a link, never a password), then
 * opens the link signed out, as the new person, who sets their own password (finding 1).
 */
async function addMember(page: Page, email: string, role: string): Promise<string> {
  await page.goto("/settings/members");
  const form = page.getByTestId("invite-member");
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Role").selectOption({ label: role });
  await form.getByRole("button", { name: "Invite" }).click();
  const secret = form.getByTestId("secret-values");
  await expect(secret).toBeVisible();
  const link = (await secret.innerText()).trim();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{20,}$/);
  const password = `own-password-${Math.random().toString(36).slice(2, 12)}`;
  const context = await page.context().browser()!.newContext();
  const invitee = await context.newPage();
  await invitee.goto(new URL(link, page.url()).href);
  const accept = invitee.getByTestId("accept-new-person");
  await accept.getByLabel("Your name").fill(email.split("@")[0]!);
  await accept.getByLabel("Choose a password").fill(password);
  await accept.getByRole("button", { name: "Create my account and join" }).click();
  await expect(invitee.getByText(/Your account is ready/)).toBeVisible();
  await context.close();
  return password;
}

async function signOut(page: Page) {
  await page.getByTestId("user-menu").click();
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(/\/sign-in/);
}

const stamp = Date.now().toString(36);

test("a custom role that can read but not export: events yes, export and settings no", async ({ page, browser }) => {
  await signIn(page, "admin@company.com");
  await page.goto("/settings/roles");
  const create = page.getByTestId("create-role");
  await create.getByLabel("Name").fill(`Reader ${stamp}`);
  await expect(create.getByRole("checkbox", { name: /Read events/ })).toBeChecked();
  await create.getByRole("button", { name: "Create role" }).click();
  await expect(page.getByTestId("roles-matrix")).toContainText(`Reader ${stamp}`);
  const password = await addMember(page, `reader-${stamp}@company.com`, `Reader ${stamp} (custom)`);

  const context = await browser.newContext();
  const reader = await context.newPage();
  await signIn(reader, `reader-${stamp}@company.com`, password);
  const nav = reader.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Events" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Settings" })).toHaveCount(0);
  await expect(reader.getByTestId("result-row").first()).toBeVisible();
  await expect(reader.getByTestId("export-actions")).toHaveCount(0);
  const refused = await reader.request.get("/events/export?format=csv&period=24h");
  expect(refused.status()).toBe(403);
  await context.close();

  // The admin can export, and the export is in the trail.
  await page.goto("/events?period=24h");
  const exported = await page.request.get("/events/export?format=csv&reason=role+check&period=24h&action=LOGIN_SUCCESS");
  expect(exported.status()).toBe(200);
  expect((await exported.text()).split("\r\n")[0]).toContain("content_hash");
  await page.goto("/events?period=24h&action=PERMISSIONS_CHANGED,DATA_EXPORTED&actor=admin@company.com");
  await expect(page.getByTestId("results")).toContainText("DATA_EXPORTED");
  await expect(page.getByTestId("results")).toContainText("PERMISSIONS_CHANGED");
});

test("changing a member's role is recorded with the previous role", async ({ page }) => {
  await signIn(page, "admin@company.com");
  await page.goto("/settings/members");
  const row = page.getByTestId("member-row").filter({ hasText: "newagent@company.com" });
  await row.getByLabel("Role of newagent@company.com").selectOption({ label: "Auditor" });
  await row.getByRole("button", { name: "Change" }).click();
  await expect(row.getByTestId("form-message")).toHaveText("Role changed.");
  await page.goto("/events?period=24h&action=PERMISSIONS_CHANGED&text=newagent@company.com");
  await page.getByTestId("result-row").first().getByRole("link", { name: "PERMISSIONS_CHANGED" }).click();
  const tree = page.getByTestId("event-tree");
  await expect(tree).toContainText("role: Agent → Auditor");
  await expect(tree).toContainText("previous_role: Agent");
});

test("an API key is shown once, works, and stops working when revoked", async ({ page }) => {
  await signIn(page, "admin@company.com");
  await page.goto("/settings/api-keys");
  const form = page.getByTestId("create-key");
  await form.getByLabel("Name").fill(`e2e ${stamp}`);
  await form.getByRole("checkbox", { name: /events:read/ }).check();
  await form.getByRole("button", { name: "Create key" }).click();
  const key = (await form.getByTestId("secret-values").innerText()).trim();
  expect(key).toMatch(/^vgl_/);
  const ok = await page.request.get("/api/v1/events?limit=1", { headers: { authorization: `Bearer ${key}` } });
  expect(ok.status()).toBe(200);
  await page.reload();
  const row = page.getByTestId("api-key-row").filter({ hasText: `e2e ${stamp}` });
  await expect(row).not.toContainText(key);
  page.once("dialog", (d) => void d.accept());
  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(row).toContainText("revoked");
  const refused = await page.request.get("/api/v1/events?limit=1", { headers: { authorization: `Bearer ${key}` } });
  expect(refused.status()).toBe(401);
});

test("MFA enrollment with a QR code, then sign-in with a code", async ({ page, browser }) => {
  // A code is good once: signing in may wait for the step after the enrollment's code.
  test.setTimeout(90_000);
  await signIn(page, "admin@company.com");
  const email = `mfa-${stamp}@company.com`;
  const password = await addMember(page, email, "Manager");

  const context = await browser.newContext();
  const user = await context.newPage();
  await signIn(user, email, password);
  await user.goto("/settings/account");
  await user.getByTestId("mfa-start").click();
  const secret = (await user.getByTestId("mfa-secret").innerText()).trim();
  await user.getByLabel("Code", { exact: true }).fill(await generate({ secret }));
  const enrolledStep = Math.floor(Date.now() / 30_000);
  await user.getByRole("button", { name: "Turn on" }).click();
  await expect(user.getByTestId("recovery-codes")).toBeVisible();
  await signOut(user);

  // The password alone is not enough any more; a wrong code is refused, a right one works.
  await user.getByLabel("Email").fill(email);
  await user.getByLabel("Password").fill(password);
  await user.getByRole("button", { name: "Sign in" }).click();
  await expect(user.getByRole("heading", { name: "Two-factor authentication" })).toBeVisible();
  await user.getByLabel("Authentication code").fill("000000");
  await user.getByRole("button", { name: "Verify" }).click();
  await expect(user.getByTestId("sign-in-error")).toContainText("That code didn't work");
  // The enrollment's code can't be replayed: use one from a later step.
  while (Math.floor(Date.now() / 30_000) <= enrolledStep) await user.waitForTimeout(1000);
  await user.getByLabel("Authentication code").fill(await generate({ secret }));
  await user.getByRole("button", { name: "Verify" }).click();
  await expect(user).toHaveURL(/\/events/);
  await context.close();

  // The trail shows the MFA events and the bad code.
  await page.goto(`/events?period=24h&actor=${encodeURIComponent(email)}&category=authentication`);
  const results = page.getByTestId("results");
  await expect(results).toContainText("MFA_ENABLED");
  await expect(results).toContainText("LOGIN_FAILED");
});

test("an account locks after five wrong passwords, even for the right one", async ({ page, browser }) => {
  await signIn(page, "admin@company.com");
  const email = `lock-${stamp}@company.com`;
  const password = await addMember(page, email, "Director");
  const context = await browser.newContext();
  const attacker = await context.newPage();
  await setClientIp(attacker, "192.0.2.77");
  await attacker.goto("/sign-in");
  for (let i = 0; i < 5; i++) {
    await attacker.getByLabel("Email").fill(email);
    await attacker.getByLabel("Password").fill(`wrong-${i}`);
    await attacker.getByRole("button", { name: "Sign in" }).click();
    await expect(attacker.getByTestId("sign-in-error")).toBeVisible();
  }
  await attacker.getByLabel("Email").fill(email);
  await attacker.getByLabel("Password").fill(password);
  await attacker.getByRole("button", { name: "Sign in" }).click();
  await expect(attacker.getByTestId("sign-in-error")).toHaveText("Sign-in failed. Check your email and password and try again.");
  await expect(attacker).toHaveURL(/\/sign-in/);
  await context.close();
  await page.goto(`/events?period=24h&actor=${encodeURIComponent(email)}&action=LOGIN_FAILED`);
  await page.getByTestId("result-row").first().getByRole("link", { name: "LOGIN_FAILED" }).click();
  await expect(page.getByTestId("tree-reason")).toContainText("locked");
  await expect(page.getByTestId("event-tree")).toContainText("attempts: 5");
  await expect(page.getByTestId("event-tree")).toContainText("192.0.2.77");
  void demoCredentials;
});

test("Settings → Witnesses: a private URL is refused beside the field; a witness is added, listed and removed", async ({ page }) => {
  await signIn(page, "admin@company.com");
  await page.goto("/settings/members");
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Witnesses" }).click();
  await expect(page).toHaveURL(/\/settings\/witnesses$/);
  const form = page.getByTestId("witness-form");
  await form.getByLabel("Submission URL").fill("http://10.0.0.5/");
  await form.getByRole("button", { name: "Add witness" }).click();
  await expect(form.getByText(/private, loopback or reserved address/)).toBeVisible();
  const url = `https://witness-${stamp}.example.com`;
  await form.getByLabel("Submission URL").fill(url + "/");
  await form.getByRole("button", { name: "Add witness" }).click();
  const row = page.getByTestId("witnesses").getByRole("row").filter({ hasText: url });
  await expect(row).toContainText("no head sent yet");
  page.once("dialog", (d) => void d.accept());
  await row.getByRole("button", { name: "Remove" }).click();
  await expect(page.getByTestId("witnesses").getByRole("row").filter({ hasText: url })).toHaveCount(0);
});
