import { describe, expect, it } from "vitest";
import { authOptions } from "@/lib/auth/options";
import { returnPathOf, safeAuthRedirect, safeReturnPath, signInPath } from "@/lib/auth/return-path";

describe("safeReturnPath", () => {
  it("keeps paths of this site, with their query and fragment", () => {
    for (const path of [
      "/events",
      "/events?q=actor%3Aadmin%40company.com+status%3Afailed&period=24h",
      "/events/0194f3a2-6d1c-7f00-8a7b-1c2d3e4f5a6b",
      "/settings/members#invite",
      "/alerts?status=open",
      "/%2F%2Fevil.com", // an encoded slash is a path segment of this site, not a host
    ]) {
      expect(safeReturnPath(path)).toBe(path);
    }
  });

  it("refuses anything a browser could read as another origin", () => {
    for (const bad of [
      "//evil.com",
      "//evil.com/events",
      "/\\evil.com",
      "\\\\evil.com",
      "/\\/evil.com",
      "https://evil.example/events",
      "http:/evil.example",
      "javascript:alert(1)",
      "data:text/html,hi",
      "evil.com",
      "events",
      "/\t/evil.com",
      "/\n/evil.com",
      "/events\r\nLocation: https://evil.example",
      " /events",
      "/events\u0000",
      "/ev ents",
      "",
    ]) {
      expect(safeReturnPath(bad), JSON.stringify(bad)).toBe("/events");
    }
  });

  it("refuses non-strings, arrays of bad values, overlong paths, and pointless targets", () => {
    expect(safeReturnPath(undefined)).toBe("/events");
    expect(safeReturnPath(null)).toBe("/events");
    expect(safeReturnPath(42)).toBe("/events");
    expect(safeReturnPath(["//evil.com", "/events/1"])).toBe("/events");
    expect(safeReturnPath(["/alerts", "//evil.com"])).toBe("/alerts");
    expect(safeReturnPath(`/events?q=${"a".repeat(3000)}`)).toBe("/events");
    expect(safeReturnPath("/sign-in?callbackUrl=%2Fevents")).toBe("/events");
    expect(safeReturnPath("/api/v1/events")).toBe("/events");
    expect(safeReturnPath("//evil.com", "/settings")).toBe("/settings");
  });
});

// Finding 5: the raw string was checked, then the resolved pathname returned. Every row is
// a spelling whose resolution (dot segments, %2e, encoded slashes, backslashes, dropped
// whitespace) could leave this origin; each must stay on a single-slash path of this site.
const RESOLUTION_CASES: ReadonlyArray<readonly [input: string, expected: string]> = [
  ["/./..//evil.example", "/events"],
  ["/events/..//x", "/events"],
  ["/events/../..//evil.example", "/events"],
  ["/a/b/../../..//evil.example/x?y=1", "/events"],
  ["/%2e%2e//evil.example", "/events"],
  ["/%2E%2E//evil.example", "/events"],
  ["/x/%2e%2e//evil.example", "/events"],
  ["/x/.%2e//evil.example", "/events"],
  ["/x/%2e.//evil.example", "/events"],
  ["/x/%2e//evil.example", "/x//evil.example"],
  ["/.//evil.example", "/events"],
  ["/events/.//evil.example", "/events//evil.example"],
  ["/x/..%2F%2Fevil.example", "/x/..%2F%2Fevil.example"],
  ["/%2F%2Fevil.example", "/%2F%2Fevil.example"],
  ["/%5Cevil.example", "/%5Cevil.example"],
  ["/%5C%5Cevil.example", "/%5C%5Cevil.example"],
  ["/\\evil.example", "/events"],
  ["/\\/evil.example", "/events"],
  ["/x/..\\/evil.example", "/events"],
  ["/x/../\\evil.example", "/events"],
  ["\\/evil.example", "/events"],
  ["/\tevil.example", "/events"],
  ["/\t/evil.example", "/events"],
  ["/.\n/evil.example", "/events"],
  ["/x/..\t//evil.example", "/events"],
  ["/x/..\r\n//evil.example", "/events"],
  ["/x/%09/../..//evil.example", "/events"],
  ["https:evil.example", "/events"],
  ["https:/evil.example", "/events"],
  ["https://evil.example", "/events"],
  ["//evil.example", "/events"],
  ["///evil.example", "/events"],
  ["/x?y=//evil.example", "/x?y=//evil.example"],
  ["/events/../alerts", "/alerts"],
  ["/events/./abc", "/events/abc"],
  ["/events/%2e%2e/alerts", "/alerts"],
  ["/events/../sign-in?callbackUrl=//evil.example", "/events"],
  ["/events/../api/v1/events", "/events"],
];

describe("safeReturnPath judges the resolved path (finding 5)", () => {
  it.each(RESOLUTION_CASES)("%j → %s", (input, expected) => {
    const out = safeReturnPath(input);
    expect(out).toBe(expected);
    expect(out).toMatch(/^\/(?![/\\])/);
    expect(new URL(out, "https://vigil.test").origin).toBe("https://vigil.test");
  });

  it("refuses the issue's sign-in link as the sign-in page receives it (one decode of callbackUrl)", () => {
    const callbackUrl = new URLSearchParams("callbackUrl=%2F.%2F..%2F%2Fevil.example").get("callbackUrl");
    expect(callbackUrl).toBe("/./..//evil.example");
    expect(safeReturnPath(callbackUrl)).toBe("/events");
  });
});

describe("next-auth redirect callback", () => {
  const base = "https://vigil.test";
  const redirect = (url: string) => {
    const cb = authOptions().callbacks?.redirect;
    if (!cb) throw new Error("authOptions has no redirect callback");
    return cb({ url, baseUrl: base });
  };

  it("sends every unsafe target to the sign-in page of this origin", async () => {
    for (const [input, expected] of RESOLUTION_CASES) {
      const want = expected === "/events" ? `${base}/sign-in` : `${base}${expected}`;
      expect(await redirect(input), JSON.stringify(input)).toBe(want);
    }
    expect(await redirect("https://evil.example/events")).toBe(`${base}/sign-in`);
    expect(await redirect(`${base}/./..//evil.example`)).toBe(`${base}/sign-in`);
  });

  it("keeps this origin's own paths, absolute or relative", async () => {
    expect(await redirect("/sign-in")).toBe(`${base}/sign-in`);
    expect(await redirect("/alerts?status=open")).toBe(`${base}/alerts?status=open`);
    expect(await redirect(`${base}/events/abc`)).toBe(`${base}/events/abc`);
  });

  it("is the function the callback uses", () => {
    expect(safeAuthRedirect("//evil.example", base)).toBe(`${base}/sign-in`);
  });
});

describe("signInPath", () => {
  it("asks sign-in to come back to a safe path, and to nowhere special otherwise", () => {
    expect(signInPath("/events/abc?x=1")).toBe("/sign-in?callbackUrl=%2Fevents%2Fabc%3Fx%3D1");
    expect(signInPath("/events")).toBe("/sign-in");
    expect(signInPath("//evil.com")).toBe("/sign-in");
    expect(signInPath(null)).toBe("/sign-in");
  });
});

describe("returnPathOf", () => {
  it("keeps the path and query and drops the router's _rsc marker", () => {
    expect(returnPathOf(new URL("http://h/events?q=a%20b&period=24h"))).toBe("/events?q=a%20b&period=24h");
    expect(returnPathOf(new URL("http://h/events/1?_rsc=abc"))).toBe("/events/1");
    expect(returnPathOf(new URL("http://h/events?period=7d&_rsc=abc"))).toBe("/events?period=7d");
  });
});
