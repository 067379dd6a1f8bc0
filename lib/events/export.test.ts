import { describe, expect, it } from "vitest";
import { csvCell, isoFromPg } from "@/lib/events/export";

describe("isoFromPg", () => {
  it("turns PostgreSQL's UTC text into Date#toISOString's form, whatever the fraction", () => {
    for (const ms of [0, 1, 10, 100, 120, 123, 999]) {
      const d = new Date(Date.UTC(2026, 10, 26, 3, 15, 52, ms));
      const fraction = ms === 0 ? "" : "." + String(ms).padStart(3, "0").replace(/0+$/, "");
      expect(isoFromPg(`2026-11-26 03:15:52${fraction}+00`)).toBe(d.toISOString());
    }
  });
});

describe("csvCell", () => {
  it("neutralizes formula text but leaves JSON cells alone", () => {
    expect(csvCell("=1+1")).toBe("'=1+1");
    expect(csvCell("-2 credits")).toBe("'-2 credits");
    expect(csvCell('{"a":"=1"}', true)).toBe('"{""a"":""=1""}"');
    expect(csvCell(null)).toBe("");
  });
});
