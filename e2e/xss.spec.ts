import { expect, test, type Page } from "@playwright/test";
import { demoCredentials } from "./fixtures";
import { signIn } from "./console-helpers";

/**
 * Event fields are written by integrators — and by whoever controls their users' names,
 * documents and user agents. HTML or script in them must reach the console as text: shown
 * literally, never run, never turned into elements.
 */

const ACTOR_NAME = `<script>window.__xss=1</script><img src=x onerror="window.__xss=2">`;
const TARGET_NAME = `<img src=x onerror="window.__xss=3">`;
const METADATA = {
  note: "<script>window.__xss=4</script>",
  html: `<svg onload="window.__xss=5"><circle r="9"/></svg>`,
  link: "javascript:window.__xss=6",
  "<b onmouseover=window.__xss=7>key</b>": "value",
  nested: { deep: `"><iframe src="javascript:window.__xss=8"></iframe>` },
};
const CHANGE_FIELD = `<a href="javascript:window.__xss=9">role</a>`;
const CHANGE_BEFORE = "<style>body{display:none}</style>";
const CHANGE_AFTER = `'"><script>window.__xss=10</script>`;
const REASON = `<details open ontoggle="window.__xss=11">`;
const USER_AGENT = "<script>window.__xss=12</script>";

interface Hostile {
  errors: string[];
  dialogs: string[];
}

/** Records dialogs (alert, confirm, prompt) and page errors a payload could cause. */
function watch(page: Page): Hostile {
  const seen: Hostile = { errors: [], dialogs: [] };
  page.on("dialog", (d) => {
    seen.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on("pageerror", (e) => seen.errors.push(e.message));
  return seen;
}

/** Nothing the payloads hold became an element, an attribute handler or a script that ran. */
async function expectInert(page: Page, seen: Hostile): Promise<void> {
  const found = await page.evaluate(() => ({
    xss: (window as unknown as { __xss?: unknown }).__xss,
    handlers: document.querySelectorAll("[onerror],[onload],[onmouseover],[ontoggle]").length,
    images: document.querySelectorAll('img[src="x"]').length,
    frames: document.querySelectorAll("iframe").length,
    svgs: document.querySelectorAll("svg circle[r='9']").length,
    javascriptLinks: document.querySelectorAll('a[href^="javascript:"]').length,
    // Next.js inlines page data in scripts as JSON strings; a payload script stands alone.
    payloadScripts: Array.from(document.scripts).filter((s) => /^\s*window\.__xss/.test(s.textContent ?? "")).length,
    injectedStyles: Array.from(document.querySelectorAll("style")).filter((s) => s.textContent === "body{display:none}").length,
    details: document.querySelectorAll("details[ontoggle]").length,
  }));
  expect(found).toEqual({ xss: undefined, handlers: 0, images: 0, frames: 0, svgs: 0, javascriptLinks: 0, payloadScripts: 0, injectedStyles: 0, details: 0 });
  expect(seen.dialogs).toEqual([]);
  expect(seen.errors).toEqual([]);
  await expect(page.locator("body")).toBeVisible();
}

test("HTML and script in an event's fields render as text in search and on the event page", async ({ page, request }) => {
  const action = `XSS_PROBE_${Date.now()}`;
  const res = await request.post("/api/v1/events", {
    headers: { authorization: `Bearer ${demoCredentials().apiKey}` },
    data: {
      action,
      category: "data",
      actor: { type: "user", name: ACTOR_NAME },
      targets: [{ type: "document", id: "doc-1", name: TARGET_NAME }],
      metadata: METADATA,
      changes: [{ field: CHANGE_FIELD, before: CHANGE_BEFORE, after: CHANGE_AFTER }],
      reason: REASON,
      context: { ip: "192.0.2.7", user_agent: USER_AGENT },
    },
  });
  expect(res.status(), await res.text()).toBe(201);
  const { data } = (await res.json()) as { data: Array<{ id: string; status: string }> };
  expect(data[0]!.status).toBe("created");

  const seen = watch(page);
  await signIn(page, "admin@company.com");
  await page.goto(`/events?q=action:${action}&period=24h`);
  const row = page.getByTestId("result-row");
  await expect(row).toHaveCount(1);
  // Shown literally: the actor's name (no e-mail, so the name is the label) and the target.
  await expect(row).toContainText(ACTOR_NAME);
  await expect(row).toContainText(TARGET_NAME);
  await expectInert(page, seen);

  await row.getByRole("link", { name: action }).click();
  await expect(page).toHaveURL(new RegExp(`/events/${data[0]!.id}$`));
  await expect(page.getByTestId("event-action")).toHaveText(action);
  await expect(page.getByTestId("tree-who")).toContainText(ACTOR_NAME);
  await expect(page.getByTestId("tree-target")).toContainText(TARGET_NAME);
  await expect(page.getByTestId("tree-reason")).toContainText(REASON);
  const change = page.getByTestId("tree-change");
  await expect(change).toContainText(CHANGE_FIELD);
  await expect(change).toContainText(CHANGE_BEFORE);
  await expect(change).toContainText(CHANGE_AFTER);
  const details = page.getByTestId("tree-metadata");
  for (const [key, value] of Object.entries(METADATA)) {
    await expect(details).toContainText(key);
    await expect(details).toContainText(typeof value === "string" ? value : JSON.stringify(value));
  }
  await expect(page.getByTestId("tree-where")).toContainText(USER_AGENT);
  await expectInert(page, seen);

  // A server action's round trip (the page re-renders from its answer) stays inert too.
  await page.getByRole("button", { name: "Verify now" }).click();
  await expect(page.getByTestId("verify-result")).toContainText("verified again");
  await expect(page.getByTestId("tree-who")).toContainText(ACTOR_NAME);
  await expectInert(page, seen);
});
