-- Each org's Merkle tree (RFC 6962) over its log (lib/integrity/tree.ts). Leaves are the
-- events' chain hashes, read from audit_events; what is stored here is the root of every
-- complete subtree of 256, 65536, … leaves (level 8, 16, …), written by the transaction
-- that completes it, so any proof costs O(log n) reads, and the few nodes below level 8
-- that retention keeps before it deletes the leaves under them.
create table merkle_nodes (
  org_id uuid not null references organizations (id) on delete cascade on update cascade,
  level smallint not null check (level between 0 and 62),
  idx bigint not null check (idx >= 0),
  hash bytea not null check (length(hash) = 32),
  primary key (org_id, level, idx)
);

-- A node never changes once written.
create or replace function vigil_refuse_node_change() returns trigger
language plpgsql as $$
begin
  raise exception 'merkle_nodes is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
end $$;

create trigger merkle_nodes_append_only
  before update on merkle_nodes
  for each row execute function vigil_refuse_node_change();

-- Signed tree heads: the checkpoint's root hash (hex) and its C2SP signed note. Rows from
-- before carry neither and keep verifying under their JSON rule (lib/integrity/checkpoints.ts).
alter table checkpoints add column root_hash text, add column note text;
