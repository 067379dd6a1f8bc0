-- HTTP witnesses (C2SP tlog-witness; lib/integrity/http-witness.ts). witness_heads is what
-- Vigil last heard from each witness about each org's log: the size and root it cosigned, or
-- why it didn't. It only saves a round trip (the witness's own record is what counts: it
-- answers 409 with its size when this one is wrong).
create table witness_heads (
  org_id uuid not null references organizations (id) on delete cascade on update cascade,
  witness text not null,
  size bigint not null default 0,
  root_hash bytea,
  checkpoint_id uuid,
  updated_at timestamptz(3) not null default now(),
  last_error text,
  failures integer not null default 0,
  primary key (org_id, witness)
);

-- The cosignatures witnesses answered, one note signature line each, by checkpoint.
create table cosignatures (
  checkpoint_id uuid not null references checkpoints (id) on delete cascade,
  org_id uuid not null references organizations (id) on delete cascade on update cascade,
  witness text not null,
  line text not null,
  received_at timestamptz(3) not null default now(),
  primary key (checkpoint_id, witness)
);
create index cosignatures_org on cosignatures (org_id);

-- The witnesses an org adds in Settings → Witnesses, beside VIGIL_WITNESS_URLS.
create table org_witnesses (
  id uuid primary key,
  org_id uuid not null references organizations (id) on delete cascade on update cascade,
  url text not null,
  verifier_key text,
  created_at timestamptz(3) not null default now(),
  created_by text,
  unique (org_id, url)
);
