import { z } from "zod";
import { apiRoute } from "@/lib/http/api-route";
import { listSegments } from "@/lib/retention/segments";
import { locationInStore } from "@/lib/storage/archive-store";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const query = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

/** Archive and backup segments of the org, newest range first; locations are keys inside the store. */
export const GET = apiRoute({ scope: "events:read", query }, async ({ orgId, query }) => {
  const segments = await listSegments(orgId, { limit: query.limit });
  return Response.json({
    data: segments.map((s) => ({
      id: s.id, from_seq: s.from_seq, to_seq: s.to_seq, count: s.count, first_hash: s.first_hash, last_hash: s.last_hash,
      sha256: s.sha256, location: locationInStore(s.location), created_at: s.created_at,
    })),
  });
});
