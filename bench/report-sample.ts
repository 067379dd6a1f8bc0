/**
 * Renders the demo organization's security and compliance reports (last 30 days) as PDFs
 * and, when Debian's poppler-utils is installed, their pages as PNG: the pictures in docs/.
 *
 *   npx tsx bench/report-sample.ts [--out docs/images]
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { spawnSync } from "node:child_process";
import { closePool, withTransaction } from "@/lib/db/pool";
import { addBlocklistEntry } from "@/lib/auth/blocklist";
import { seedDemo } from "@/lib/seed/demo";
import { GET as securityReport } from "@/app/api/v1/reports/security/route";
import { GET as complianceReport } from "@/app/api/v1/reports/compliance/route";
import { benchDatabase } from "./harness";

const { values } = parseArgs({ options: { out: { type: "string", default: "docs/images" } } });

async function main(): Promise<void> {
  const bench = await benchDatabase();
  try {
    const demo = await seedDemo({ password: "demo-password" });
    // The brief's response to the brute force: the attacker's address is blocked.
    await withTransaction((c) => addBlocklistEntry(c, demo.org.id, { value: "192.0.2.100", reason: "Brute force: 30 failed logins" }));
    fs.mkdirSync(values.out!, { recursive: true });
    for (const [name, route] of [["security", securityReport], ["compliance", complianceReport]] as const) {
      const res = await route(
        new Request(`http://localhost/api/v1/reports/${name}?period=30d&format=pdf`, { headers: { authorization: `Bearer ${demo.apiKey}` } }),
        { params: Promise.resolve({}) },
      );
      if (res.status !== 200) throw new Error(`${name} report answered ${res.status}: ${await res.text()}`);
      const pdf = path.join(values.out!, `${name}-report-demo.pdf`);
      fs.writeFileSync(pdf, Buffer.from(await res.arrayBuffer()));
      console.log(`wrote ${pdf}`);
      const png = spawnSync("pdftoppm", ["-png", "-r", "80", pdf, path.join(values.out!, `${name}-report-demo`)], { stdio: "inherit" });
      if (png.error) console.log("pdftoppm not found (apt-get install poppler-utils): no PNG");
    }
  } finally {
    await closePool();
    await bench.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
