import { z } from "zod";
import { apiRoute } from "@/lib/http/api-route";
import { checkpointToJson, cosignaturesOf, listCheckpoints, publicKeys } from "@/lib/integrity/checkpoints";
import { witnessStates } from "@/lib/integrity/http-witness";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const query = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

/** Signed tree heads of the org's log, newest first, with every key that signed one (docs/integrity.md). */
export const GET = apiRoute({ scope: "events:read", query }, async ({ orgId, query }) => {
  const [checkpoints, keys, witnesses] = await Promise.all([listCheckpoints(orgId, query.limit), publicKeys(), witnessStates(orgId)]);
  const cosigned = await cosignaturesOf(orgId, checkpoints.map((c) => c.id));
  return Response.json({
    // Each with the witnesses' cosignature lines (C2SP tlog-cosignature): append them to the note to check them.
    data: checkpoints.map((c) => ({ ...checkpointToJson(c), cosignatures: cosigned.get(c.id) ?? [] })),
    public_keys: keys,
    witnesses,
    format: "C2SP tlog-checkpoint in a C2SP signed note (Ed25519, key name 'vigil'); checkpoints without a note: Ed25519 over the RFC 8785 canonical JSON of { org_id, seq, hash, signed_at }",
  });
});
