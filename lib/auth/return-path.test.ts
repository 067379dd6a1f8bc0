import { describe, expect, it } from "vitest";
import { returnPathOf, safeReturnPath, signInPath } from "@/lib/auth/return-path";

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
