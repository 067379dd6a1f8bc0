import { z } from "zod";
import { apiRoute } from "@/lib/http/api-route";
import { checkpointToJson, listCheckpoints, publicKeys } from "@/lib/integrity/checkpoints";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const query = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

/** Signed tree heads of the org's log, newest first, with every key that signed one (docs/integrity.md). */
export const GET = apiRoute({ scope: "events:read", query }, async ({ orgId, query }) => {
  const [checkpoints, keys] = await Promise.all([listCheckpoints(orgId, query.limit), publicKeys()]);
  return Response.json({
    data: checkpoints.map(checkpointToJson),
    public_keys: keys,
    format: "C2SP tlog-checkpoint in a C2SP signed note (Ed25519, key name 'vigil'); checkpoints without a note: Ed25519 over the RFC 8785 canonical JSON of { org_id, seq, hash, signed_at }",
  });
});
