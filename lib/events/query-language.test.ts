import { describe, expect, it } from "vitest";
import { emptyFilter, FilterError, type EventFilter } from "@/lib/events/filter";
import { formatQuery, parseQuery } from "@/lib/events/query-language";

/** The problems parseQuery reports, or a failure when it accepts the text. */
function problems(q: string): Array<{ path: string; message: string }> {
  try {
    parseQuery(q);
  } catch (err) {
    expect(err).toBeInstanceOf(FilterError);
    return (err as FilterError).errors;
  }
  throw new Error(`parseQuery accepted ${JSON.stringify(q)}`);
}

/** A filter with only the given parts set, for exact comparisons. */
function filter(parts: Partial<Omit<EventFilter, "not">> & { not?: Partial<EventFilter["not"]> } = {}): EventFilter {
  const f = emptyFilter();
  const { not, ...rest } = parts;
  Object.assign(f, rest);
  Object.assign(f.not, not ?? {});
  if (f.from === undefined) delete f.from;
  if (f.to === undefined) delete f.to;
  return f;
}

const day = (iso: string) => new Date(iso);

describe("parseQuery: the grammar of DESIGN.md", () => {
  it("parses the example of DESIGN.md term by term", () => {
    const q = 'actor:john@company.com action:CONTACT_* category:export status:failed ip:203.0.113.0/24 created:>=2025-01-01 created:2025-01-01..2025-01-31 -action:LOGOUT "free text"';
    expect(parseQuery(q)).toEqual(filter({
      actor: ["john@company.com"],
      action: ["CONTACT_*"],
      category: ["export"],
      status: ["failed"],
      ip: ["203.0.113.0/24"],
      text: ["free text"],
      from: day("2025-01-01T00:00:00.000Z"),
      to: day("2025-01-31T23:59:59.999Z"),
      not: { action: ["LOGOUT"] },
    }));
  });

  it("reads each qualifier alone", () => {
    expect(parseQuery("actor:john@company.com")).toEqual(filter({ actor: ["john@company.com"] }));
    expect(parseQuery("actor:usr_123")).toEqual(filter({ actor: ["usr_123"] }));
    expect(parseQuery("action:LOGIN_FAILED")).toEqual(filter({ action: ["LOGIN_FAILED"] }));
    expect(parseQuery("action:CONTACT_*")).toEqual(filter({ action: ["CONTACT_*"] }));
    expect(parseQuery("category:export")).toEqual(filter({ category: ["export"] }));
    expect(parseQuery("status:failed")).toEqual(filter({ status: ["failed"] }));
    expect(parseQuery("ip:203.0.113.45")).toEqual(filter({ ip: ["203.0.113.45"] }));
    expect(parseQuery("ip:203.0.113.0/24")).toEqual(filter({ ip: ["203.0.113.0/24"] }));
    expect(parseQuery("ip:2001:db8::1")).toEqual(filter({ ip: ["2001:db8::1"] }));
    expect(parseQuery("ip:2001:db8::/32")).toEqual(filter({ ip: ["2001:db8::/32"] }));
    expect(parseQuery("text:invoice")).toEqual(filter({ text: ["invoice"] }));
  });

  it("normalizes case where the values have a canonical case, and keys are case-insensitive", () => {
    expect(parseQuery("action:contact_* Category:EXPORT STATUS:Failed")).toEqual(
      filter({ action: ["CONTACT_*"], category: ["export"], status: ["failed"] }),
    );
  });

  it("reads every form of created:", () => {
    expect(parseQuery("created:>=2025-01-01")).toEqual(filter({ from: day("2025-01-01T00:00:00.000Z") }));
    expect(parseQuery("created:>2025-01-01")).toEqual(filter({ from: day("2025-01-02T00:00:00.000Z") }));
    expect(parseQuery("created:<=2025-01-31")).toEqual(filter({ to: day("2025-01-31T23:59:59.999Z") }));
    expect(parseQuery("created:<2025-01-31")).toEqual(filter({ to: day("2025-01-30T23:59:59.999Z") }));
    expect(parseQuery("created:2025-01-15")).toEqual(filter({ from: day("2025-01-15T00:00:00.000Z"), to: day("2025-01-15T23:59:59.999Z") }));
    expect(parseQuery("created:2025-01-01..2025-01-31")).toEqual(filter({ from: day("2025-01-01T00:00:00.000Z"), to: day("2025-01-31T23:59:59.999Z") }));
    expect(parseQuery("created:2025-01-01..")).toEqual(filter({ from: day("2025-01-01T00:00:00.000Z") }));
    expect(parseQuery("created:..2025-01-31")).toEqual(filter({ to: day("2025-01-31T23:59:59.999Z") }));
    expect(parseQuery("created:>=2025-01-01T10:30:00Z")).toEqual(filter({ from: day("2025-01-01T10:30:00.000Z") }));
    expect(parseQuery("created:>=2025-01-01T10:30:00-03:00")).toEqual(filter({ from: day("2025-01-01T13:30:00.000Z") }));
    expect(parseQuery("created:>=2025-01-01T10:30:00.5+0100")).toEqual(filter({ from: day("2025-01-01T09:30:00.500Z") }));
  });

  it("reads a date-time without a zone as UTC, whatever the server's zone", () => {
    expect(parseQuery("created:>=2025-06-01T10:30")).toEqual(filter({ from: day("2025-06-01T10:30:00.000Z") }));
  });

  it("reads quoted values, with \\\" and \\\\ inside quotes", () => {
    expect(parseQuery('actor:"John Silva"')).toEqual(filter({ actor: ["John Silva"] }));
    expect(parseQuery('"free text" other')).toEqual(filter({ text: ["free text", "other"] }));
    expect(parseQuery('"action:LOGOUT"')).toEqual(filter({ text: ["action:LOGOUT"] }));
    expect(parseQuery('"say \\"hi\\"" "C:\\\\temp" "C:\\temp"')).toEqual(filter({ text: ['say "hi"', "C:\\temp", "C:\\temp"] }));
    expect(parseQuery('-"not this"')).toEqual(filter({ not: { text: ["not this"] } }));
  });

  it("reads bare words as separate free-text terms, and skips empty quotes", () => {
    expect(parseQuery("  invoice   refund ")).toEqual(filter({ text: ["invoice", "refund"] }));
    expect(parseQuery('""')).toEqual(filter());
    expect(parseQuery("")).toEqual(filter());
  });

  it("keeps several values of one key (OR-ed) and of several keys (AND-ed)", () => {
    expect(parseQuery("action:LOGIN_FAILED action:LOGOUT status:failed status:pending actor:a@x.com actor:b@x.com")).toEqual(
      filter({ action: ["LOGIN_FAILED", "LOGOUT"], status: ["failed", "pending"], actor: ["a@x.com", "b@x.com"] }),
    );
  });

  it("negates any qualifier and free text with a leading -", () => {
    expect(parseQuery("-actor:bot@x.com -action:LOGOUT -category:data -status:success -ip:10.0.0.0/8 -text:noise -word")).toEqual(
      filter({ not: { actor: ["bot@x.com"], action: ["LOGOUT"], category: ["data"], status: ["success"], ip: ["10.0.0.0/8"], text: ["noise", "word"] } }),
    );
    // A lone dash is a word, not a negation.
    expect(parseQuery("a - b")).toEqual(filter({ text: ["a", "-", "b"] }));
  });
});

describe("parseQuery: errors name the problem", () => {
  it("an unknown qualifier", () => {
    const [e] = problems("user:john");
    expect(e!.path).toBe("q");
    expect(e!.message).toMatch(/unknown qualifier 'user:'/);
    expect(problems("-foo:bar")[0]!.message).toMatch(/unknown qualifier 'foo:'/);
  });

  it("an unterminated quote, with its position", () => {
    expect(problems('status:failed "free text')).toEqual([{ path: "q", message: "unterminated quote at position 15" }]);
    expect(problems('actor:"john')[0]!.message).toMatch(/unterminated quote/);
    // \" does not close a quote.
    expect(problems('"abc\\"')[0]!.message).toMatch(/unterminated quote/);
  });

  it("a bad date", () => {
    for (const q of ["created:yesterday", "created:2025-13-01", "created:2025-02-30", "created:2025-01-01T25:00", "created:>=2025-1-1", "created:2025-01-01..nope", "created:..", "created:2025-01-01T10:00:00+bogus"]) {
      const errs = problems(q);
      expect(errs[0]!.path, q).toBe("q.created");
      expect(errs[0]!.message, q).toMatch(/is not a date/);
    }
  });

  it("a date PostgreSQL can't hold", () => {
    expect(problems("created:0000-01-01")[0]).toMatchObject({ path: "q.from" });
    expect(problems("created:>9999-12-31")[0]).toMatchObject({ path: "q.from" });
  });

  it("a range that ends before it starts", () => {
    expect(problems("created:2025-02-01..2025-01-01")).toEqual([{ path: "q.from", message: "must not be after 'to'" }]);
  });

  it("created: negated", () => {
    expect(problems("-created:2025-01-01")[0]).toMatchObject({ path: "q.created", message: expect.stringMatching(/can't be negated/) });
  });

  it("a bad IP or CIDR", () => {
    for (const q of ["ip:300.1.1.1", "ip:203.0.113.0/33", "ip:2001:db8::/129", "ip:10.1", "ip:not-an-ip", "ip:203.0.113.0/24/8", "-ip:1.2.3/24"]) {
      const errs = problems(q);
      expect(errs[0]!.path, q).toBe("q.ip");
      expect(errs[0]!.message, q).toMatch(/is not an IP address or CIDR range/);
    }
  });

  it("a bad category, status or action", () => {
    expect(problems("category:nope")[0]).toEqual({ path: "q.category", message: expect.stringMatching(/'nope' is not a category \(authentication, data/) });
    expect(problems("-status:done")[0]).toEqual({ path: "q.status", message: expect.stringMatching(/'done' is not a status/) });
    expect(problems("action:\"x' or '1'='1\"")[0]).toEqual({ path: "q.action", message: expect.stringMatching(/is not an action/) });
  });

  it("a qualifier without a value, and text that is too long", () => {
    expect(problems("actor: status:failed")[0]).toEqual({ path: "q.actor", message: "actor: needs a value" });
    expect(problems("x".repeat(2001))[0]).toEqual({ path: "q", message: "is longer than 2000 characters" });
    expect(problems(`actor:${"a".repeat(257)}`)[0]).toEqual({ path: "q.actor", message: "is longer than 256 characters" });
  });

  it("collects every problem at once", () => {
    const errs = problems("user:x category:nope ip:999.1.1.1");
    expect(errs.map((e) => e.path).sort()).toEqual(["q", "q.category", "q.ip"]);
  });
});

describe("formatQuery: the text and the filter are two views of one object", () => {
  const roundTrips = [
    'actor:john@company.com action:CONTACT_* category:export status:failed ip:203.0.113.0/24 created:>=2025-01-01 created:2025-01-01..2025-01-31 -action:LOGOUT "free text"',
    "created:>=2025-01-01",
    "created:<=2025-01-31",
    "created:>2025-01-01T10:00:00.123Z",
    "created:2025-03-01",
    'actor:"John Silva" actor:usr_1 -actor:bot@x.com',
    "ip:2001:db8::/32 ip:2001:db8::1 -ip:10.0.0.0/8",
    "category:data category:settings -category:export status:pending -status:success",
    'invoice "refund request" -spam -"two words"',
    '"action:LOGOUT" "-leading dash" "a:b" "-x"',
    '"say \\"hi\\"" "back\\\\slash" trailing\\ "C:\\\\"',
    "text:plain -text:negated",
    "",
  ];

  it.each(roundTrips)("parse(format(parse(%j))) is the same filter", (q) => {
    const once = parseQuery(q);
    const text = formatQuery(once);
    expect(parseQuery(text)).toEqual(once);
    // And formatting is stable.
    expect(formatQuery(parseQuery(text))).toBe(text);
  });

  it("writes a readable query", () => {
    const f = parseQuery('actor:john@company.com action:CONTACT_* -action:LOGOUT "free text" word');
    expect(formatQuery(f)).toBe('actor:john@company.com action:CONTACT_* "free text" word -action:LOGOUT');
  });

  it("quotes free text that would otherwise read as a qualifier or a negation", () => {
    const f = filter({ text: ["a:b", "-x", 'with "quotes"'] });
    const text = formatQuery(f);
    expect(text).toBe('"a:b" "-x" "with \\"quotes\\""');
    expect(parseQuery(text)).toEqual(f);
  });

  it("round-trips filters built by hand, not only parsed ones", () => {
    const f = filter({
      actor: ["john@company.com", "id with space"],
      text: ["x:y", "\\"],
      from: day("2025-01-01T00:00:00.000Z"),
      to: day("2025-02-01T12:00:00.000Z"),
      not: { text: ["-a"], ip: ["203.0.113.0/24"] },
    });
    expect(parseQuery(formatQuery(f))).toEqual(f);
  });
});

describe("parseQuery: size limits (one search can't occupy the database)", () => {
  const letters = (n: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(97 + (i % 26))).join(" ");

  it("refuses 1,000 one-letter terms with one error naming the term limit", () => {
    const q = letters(1000);
    expect(q.length).toBeLessThan(2000);
    expect(problems(q)).toEqual([{ path: "q", message: "has 1000 terms; at most 32 terms are allowed in one search" }]);
  });

  it("accepts 32 terms and refuses 33", () => {
    expect(parseQuery(letters(32)).text).toHaveLength(32);
    expect(problems(letters(33))[0]!.message).toMatch(/at most 32 terms/);
  });

  it("counts wildcards in action patterns, negated ones too", () => {
    expect(parseQuery("action:A*B* -action:C*D*").action).toEqual(["A*B*"]);
    expect(problems("action:A*B*C* -action:D*E*")).toEqual([{ path: "q", message: "has 5 wildcards (*); at most 4 wildcards are allowed in one search" }]);
  });

  it("keeps the length limit", () => {
    expect(problems("x".repeat(2001))).toEqual([{ path: "q", message: "is longer than 2000 characters" }]);
  });
});
