import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/db/generated/client";
import { databaseUrl } from "@/lib/db/pool";

const globalForPrisma = globalThis as unknown as { vigilPrisma?: PrismaClient };

/** The Prisma client for tenancy tables, with secrets left out of every query by default. */
export function prisma(): PrismaClient {
  if (!globalForPrisma.vigilPrisma) {
    globalForPrisma.vigilPrisma = new PrismaClient({
      adapter: new PrismaPg({ connectionString: databaseUrl(), max: 5 }),
      omit: {
        user: { passwordHash: true, mfaSecret: true },
        apiKey: { keyHash: true },
        signingKey: { privateKey: true },
      },
    });
  }
  return globalForPrisma.vigilPrisma;
}

export async function disconnectPrisma(): Promise<void> {
  const p = globalForPrisma.vigilPrisma;
  globalForPrisma.vigilPrisma = undefined;
  if (p) await p.$disconnect();
}
