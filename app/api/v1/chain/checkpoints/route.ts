import { z } from "zod";
import { apiRoute } from "@/lib/http/api-route";
import { checkpointToJson, listCheckpoints, publicKeys } from "@/lib/integrity/checkpoints";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const query = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

/** Signed checkpoints of the org's chain head, newest first, with the keys that check them. */
export const GET = apiRoute({ scope: "events:read", query }, async ({ orgId, query }) => {
  const [checkpoints, keys] = await Promise.all([listCheckpoints(orgId, query.limit), publicKeys()]);
  return Response.json({
    data: checkpoints.map(checkpointToJson),
    public_keys: keys,
    algorithm: "Ed25519 over the RFC 8785 canonical JSON of { org_id, seq, hash, signed_at }",
  });
});
