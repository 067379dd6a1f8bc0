-- The last full re-verification of each org's chain, from the genesis to the head, by the
-- verify job (lib/jobs/verify-chains.ts). Requests verify only what came after the latest
-- checkpoint and answer this record for the rest (lib/integrity/status.ts).
create table chain_verifications (
  org_id uuid primary key references organizations (id) on delete cascade on update cascade,
  verified_at timestamptz(3) not null default now(),
  ok boolean not null,
  checked bigint not null,
  head_seq bigint not null,
  first_bad_seq bigint,
  problems text[] not null default '{}'
);
