/**
 * JSON.parse rounds numbers before anyone can look at them: `9007199254740993` becomes
 * …992, `12345678901234567891` loses its tail, `1e-400` becomes 0. Vigil never stores a value
 * other than what was sent (docs/security.md, finding 2), so after parsing, the body's number
 * tokens are read again from the text and each one whose value a double can't hold exactly is
 * replaced, at its path, by an InexactNumber — which validation refuses, naming the path.
 */

export class InexactNumber {
  constructor(readonly token: string) {}
}

/** A decimal's value as sign, significant digits and exponent; zero has one spelling. */
function decimalValue(token: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(token);
  if (!m) return token;
  const [, sign, int = "", frac = "", exp = "0"] = m;
  const digits = (int + frac).replace(/^0+/, "");
  if (!digits) return "0";
  const lead = (int + frac).length - digits.length;
  const significant = digits.replace(/0+$/, "");
  // The value is 0.<digits> × 10^(point), point counted from the first significant digit.
  const point = BigInt(exp) + BigInt(int.length - lead);
  return `${sign}${significant}e${point}`;
}

export function isExact(token: string): boolean {
  const n = Number(token);
  if (!Number.isFinite(n)) return false;
  return decimalValue(token) === decimalValue(String(n));
}

/** Number tokens of valid JSON text that don't survive as doubles, with their paths. */
export function inexactNumbers(text: string): Array<{ path: Array<string | number>; token: string }> {
  if (!/\d{16}|[eE]|\d\.\d{15}/.test(text)) return []; // Nothing of 16+ digits or with an exponent: all exact.
  const found: Array<{ path: Array<string | number>; token: string }> = [];
  const path: Array<string | number> = [];
  const containers: Array<"object" | "array"> = [];
  let expectKey = false;
  let i = 0;
  const readString = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === "{" || c === "[") {
      containers.push(c === "{" ? "object" : "array");
      path.push(c === "{" ? "" : 0);
      expectKey = c === "{";
      i++;
    } else if (c === "}" || c === "]") {
      containers.pop();
      path.pop();
      i++;
    } else if (c === ",") {
      if (containers.at(-1) === "array") path[path.length - 1] = (path.at(-1) as number) + 1;
      else expectKey = true;
      i++;
    } else if (c === '"') {
      const s = readString();
      if (expectKey) {
        path[path.length - 1] = s;
        expectKey = false;
      }
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 1100))!;
      if (!isExact(m[0])) found.push({ path: [...path], token: m[0] });
      i += m[0].length;
    } else {
      i++;
    }
  }
  return found;
}

/** The parsed value with every inexact number replaced by an InexactNumber at its path. */
export function markInexactNumbers(text: string, value: unknown): unknown {
  const found = inexactNumbers(text);
  if (found.length === 0) return value;
  for (const { path, token } of found) {
    if (path.length === 0) return new InexactNumber(token);
    let holder = value as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) holder = holder[key] as Record<string | number, unknown>;
    if (holder && typeof holder === "object") holder[path.at(-1)!] = new InexactNumber(token);
  }
  return value;
}
