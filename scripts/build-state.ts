import fs from "node:fs";
import path from "node:path";

function newestMtime(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "generated" || entry.name.startsWith(".")) continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** True when there is no production build, or a source is newer than it. */
export function needsBuild(): boolean {
  const buildId = path.join(process.env.NEXT_DIST_DIR ?? ".next", "BUILD_ID");
  if (!fs.existsSync(buildId)) return true;
  const built = fs.statSync(buildId).mtimeMs;
  const files = ["next.config.ts", "package.json", "postcss.config.mjs", "package-lock.json"].filter((f) => fs.existsSync(f));
  const sources = Math.max(...["app", "lib", "components", "public"].map(newestMtime), ...files.map((f) => fs.statSync(f).mtimeMs));
  return sources > built;
}
