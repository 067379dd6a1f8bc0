// Prisma's CLI downloads a native schema engine before `generate`; this machine (and most
// air-gapped CI) cannot reach it, and we apply migrations with our own runner
// (lib/db/migrate.ts), so point it at a no-op binary.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= "/bin/false";
process.env.CHECKPOINT_DISABLE ??= "1";

import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
