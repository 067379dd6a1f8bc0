import type { ReportCheckpoint } from "@/lib/reports/security";
import { Meta } from "@/components/reports/pdf/primitives";

/**
 * The signed tree head a report was made against, and how a reader checks it without
 * Vigil (docs/integrity.md): the same block in every report.
 */
export function SignedHead({ checkpoint, when }: { checkpoint: ReportCheckpoint | null; when: (iso: string) => string }) {
  if (!checkpoint) return <Meta label="Checkpoint" value="none yet" />;
  return (
    <>
      <Meta label="Checkpoint" value={`tree size ${checkpoint.seq}, signed ${when(checkpoint.signed_at)}`} />
      {checkpoint.root_hash ? <Meta label="Tree root" value={checkpoint.root_hash} mono /> : null}
      <Meta label="Checkpoint hash" value={checkpoint.hash} mono />
      <Meta label="Key" value={checkpoint.verifier_key} mono />
      <Meta label="Signature" value={checkpoint.signature} mono />
      <Meta
        label="How to check"
        value={`GET /api/v1/chain/checkpoints lists this checkpoint (size ${checkpoint.seq}) as a C2SP signed note: verify it with the key above (any C2SP note verifier), then prove any export against it with npx vigil verify or docs/integrity.md's 60-line verifier.`}
      />
    </>
  );
}
