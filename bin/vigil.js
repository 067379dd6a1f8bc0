#!/usr/bin/env node
// `npx vigil …`: runs the TypeScript CLI through tsx from the project's folder; file
// arguments are still read relative to where the command was typed.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
process.env.VIGIL_CALLER_CWD ??= process.cwd();
process.chdir(root);
register({ tsconfig: path.join(root, "tsconfig.json") });
await import(path.join(root, "cli", "vigil.ts"));
