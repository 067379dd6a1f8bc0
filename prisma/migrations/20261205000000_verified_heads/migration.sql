-- Incremental verification (lib/integrity/verified-state.ts). verified_heads is the last tree
-- head of each org whose chain and stored tree were checked: the next verification starts
-- after it, linking to its hash, and proves the new root consistent with its root.
create table verified_heads (
  org_id uuid primary key references organizations (id) on delete cascade on update cascade,
  seq bigint not null check (seq >= 0),
  hash text not null,
  root_hash bytea not null check (length(root_hash) = 32),
  verified_at timestamptz(3) not null default now()
);

-- A full re-verification in progress, kept after each batch so that a pass cut short (a
-- restart, a deploy) resumes where it stopped instead of starting again from the genesis.
create table verification_runs (
  org_id uuid primary key references organizations (id) on delete cascade on update cascade,
  started_at timestamptz(3) not null default now(),
  updated_at timestamptz(3) not null default now(),
  target_seq bigint not null,
  cursor_seq bigint not null default 0,
  cursor_hash text,
  checked bigint not null default 0,
  nodes_checked bigint not null default 0,
  gaps bigint not null default 0,
  first_missing_seq bigint,
  first_bad_seq bigint,
  problems text[] not null default '{}'
);

-- What the last incremental verification found after the verified head (empty when it held):
-- a break found in the background is answered until a verification no longer finds it.
alter table verified_heads add column first_bad_seq bigint, add column problems text[] not null default '{}';
