import { describe, expect, it } from "vitest";
import { emptyFilter } from "@/lib/events/filter";
import { parseSearchQuery, queryToFilter } from "@/lib/events/search-params";
import { controlErrors, emptyControls, errorsByField, parseQueryBar, queryBarText, searchUrlParams } from "@/lib/console/search-form";
import { fromLocalInput, toLocalInput } from "@/lib/console/time";
import { isSensitiveField, maskChanges } from "@/lib/audit/mask";
import { assertCanGrant, assertCanManage } from "@/lib/console/rules";
import { normalizeBlockValue } from "@/lib/auth/blocklist";

const utc = (d: Date) => toLocalInput(d, "UTC");

describe("query bar and controls", () => {
  it("round-trips: query → controls → URL → the same filter as the query", () => {
    const text = 'actor:john@company.com action:CONTACT_* ip:203.0.113.0/24 status:failed category:data -action:LOGOUT "John Silva" extra';
    const parsed = parseQueryBar(text, emptyControls("7d"), utc);
    if (!parsed.ok) throw new Error("should parse");
    expect(parsed.controls).toMatchObject({ actor: "john@company.com", action: "CONTACT_*", ip: "203.0.113.0/24", status: ["failed"], category: ["data"], text: "John Silva" });
    const params = searchUrlParams(parsed.controls, parsed.extras, (v) => v);
    expect(params.get("q")).toBe("extra -action:LOGOUT");
    const fromUrl = queryToFilter(parseSearchQuery(new URLSearchParams([...params].filter(([k]) => k !== "period"))));
    const direct = queryToFilter(parseSearchQuery(new URLSearchParams({ q: text })));
    const norm = (f: typeof direct) => ({ ...f, text: [...f.text].sort() });
    expect(norm(fromUrl)).toEqual(norm(direct));
    // And the bar shows the same terms again.
    expect(queryBarText(parsed.controls, parsed.extras)).toBe('actor:john@company.com action:CONTACT_* category:data status:failed ip:203.0.113.0/24 "John Silva" extra -action:LOGOUT');
  });

  it("moves a created: range into the custom period", () => {
    const parsed = parseQueryBar("created:2025-01-01..2025-01-31 status:failed", emptyControls(), utc);
    expect(parsed.ok && parsed.controls).toMatchObject({ period: "custom", from: "2025-01-01T00:00", to: "2025-01-31T23:59", status: ["failed"] });
  });

  it("explains a bad query and a bad control value, per field", () => {
    const bad = parseQueryBar("colour:red ip:10.0.0.0/99", emptyControls(), utc);
    expect(bad.ok).toBe(false);
    expect(controlErrors({ ...emptyControls(), ip: "10.0.0.0/99" }).ip).toMatch(/not an IP address or CIDR/);
    expect(errorsByField([{ path: "ip", message: "bad" }, { path: "q.ip", message: "worse" }, { path: "from", message: "late" }])).toEqual({ ip: "bad", q: "ip: worse", from: "late" });
    expect(queryBarText(emptyControls(), emptyFilter())).toBe("");
  });

  it("reads a local time in a zone, across DST", () => {
    expect(fromLocalInput("2025-01-15T11:30", "America/Sao_Paulo")?.toISOString()).toBe("2025-01-15T14:30:00.000Z");
    expect(fromLocalInput("2025-07-01T12:00", "Europe/Lisbon")?.toISOString()).toBe("2025-07-01T11:00:00.000Z");
    expect(toLocalInput(new Date("2025-07-01T11:00:00Z"), "Europe/Lisbon")).toBe("2025-07-01T12:00");
  });
});

describe("masking and privilege rules", () => {
  it("masks sensitive fields by name, nothing else", () => {
    expect(maskChanges([{ field: "password", before: "a", after: "b" }, { field: "plan", before: "Free", after: "Premium" }])).toEqual([
      { field: "password", before: "••••••••", after: "••••••••" },
      { field: "plan", before: "Free", after: "Premium" },
    ]);
    expect(isSensitiveField("apiKey")).toBe(true);
    expect(isSensitiveField("footprint")).toBe(false);
  });

  it("refuses granting missing permissions, self-changes, and owner changes by non-owners", () => {
    const admin = { userId: "a", permissions: ["events:read", "members:manage"] as const, roleKey: "admin" };
    expect(() => assertCanGrant({ ...admin, permissions: [...admin.permissions] }, ["events:read", "events:export"], null)).toThrow(/events:export/);
    expect(() => assertCanGrant({ ...admin, permissions: [...admin.permissions] }, ["events:read"], "owner")).toThrow(/owner/);
    expect(() => assertCanManage({ ...admin, permissions: [...admin.permissions] }, { userId: "a", permissions: [], roleKey: "agent" })).toThrow(/your own/);
    expect(() => assertCanManage({ ...admin, permissions: [...admin.permissions] }, { userId: "b", permissions: ["events:export"], roleKey: null })).toThrow(/permissions you don't/);
    expect(() => assertCanManage({ ...admin, permissions: [...admin.permissions] }, { userId: "b", permissions: ["events:read"], roleKey: "director" })).not.toThrow();
  });

  it("normalizes blocklist values", () => {
    expect(normalizeBlockValue(" 192.0.2.7 ")).toEqual({ kind: "ip", value: "192.0.2.7" });
    expect(normalizeBlockValue("192.0.2.7/24")).toEqual({ kind: "cidr", value: "192.0.2.0/24" });
    expect(normalizeBlockValue("2001:DB8::/32")).toEqual({ kind: "cidr", value: "2001:db8::/32" });
    expect(normalizeBlockValue("Hacker@Evil.com")).toEqual({ kind: "actor", value: "hacker@evil.com" });
    expect(() => normalizeBlockValue("10.0.0.0/99")).toThrow(/not an IP/);
  });
});
