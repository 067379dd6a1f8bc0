-- Vigil: initial schema. Hand-written: partitioning, triggers and inet indexes are beyond
-- what Prisma can express. prisma/schema.prisma mirrors the tables (checked by a test).

create extension if not exists pg_trgm;

create table organizations (
  id uuid primary key,
  slug text not null,
  name text not null,
  timezone text not null default 'UTC',
  business_hours jsonb not null,
  created_at timestamptz(3) not null default now()
);
create unique index organizations_slug_key on organizations (slug);

create table users (
  id uuid primary key,
  email text not null,
  name text not null,
  password_hash text,
  mfa_secret text,
  mfa_enabled_at timestamptz(3),
  failed_attempts integer not null default 0,
  locked_until timestamptz(3),
  created_at timestamptz(3) not null default now()
);
create unique index users_email_key on users (email);

create table roles (
  id uuid primary key,
  org_id uuid references organizations (id) on delete cascade on update cascade,
  key text not null,
  name text not null,
  permissions text[],
  built_in boolean not null default false,
  created_at timestamptz(3) not null default now()
);
-- NULLS NOT DISTINCT: a built-in role (org_id null) exists once per key.
create unique index roles_org_id_key_key on roles (org_id, key) nulls not distinct;

create table memberships (
  id uuid primary key,
  org_id uuid not null references organizations (id) on delete cascade on update cascade,
  user_id uuid not null references users (id) on delete cascade on update cascade,
  role_id uuid not null references roles (id) on delete restrict on update cascade,
  created_at timestamptz(3) not null default now()
);
create unique index memberships_org_id_user_id_key on memberships (org_id, user_id);
create index memberships_user_id_idx on memberships (user_id);

create table api_keys (
  id uuid primary key,
  org_id uuid not null references organizations (id) on delete cascade on update cascade,
  name text not null,
  prefix text not null,
  key_hash text not null,
  scopes text[],
  created_at timestamptz(3) not null default now(),
  last_used_at timestamptz(3),
  revoked_at timestamptz(3)
);
create unique index api_keys_key_hash_key on api_keys (key_hash);
create index api_keys_org_id_idx on api_keys (org_id);

create table chain_heads (
  org_id uuid primary key references organizations (id) on delete cascade on update cascade,
  seq bigint not null default 0,
  hash text not null,
  updated_at timestamptz(3) not null default now()
);

create table idempotency_keys (
  org_id uuid not null,
  key text not null,
  event_id uuid not null,
  occurred_at timestamptz(3) not null,
  created_at timestamptz(3) not null default now(),
  primary key (org_id, key)
);

create table signing_keys (
  id text primary key,
  public_key text not null,
  private_key text not null,
  created_at timestamptz(3) not null default now()
);

create table checkpoints (
  id uuid primary key,
  org_id uuid not null references organizations (id) on delete cascade on update cascade,
  seq bigint not null,
  hash text not null,
  signed_at timestamptz(3) not null,
  key_id text not null references signing_keys (id) on delete restrict on update cascade,
  signature text not null
);
create index checkpoints_org_id_seq_idx on checkpoints (org_id, seq);

-- The event store. Range-partitioned by month on occurred_at; partitions are made ahead
-- of time at startup and on demand for back-dated events (vigil_ensure_partition).
create table audit_events (
  id uuid not null,
  org_id uuid not null,
  seq bigint not null,
  occurred_at timestamptz(3) not null,
  received_at timestamptz(3) not null,
  action text not null,
  category text not null,
  status text not null,
  severity text not null,
  actor_type text,
  actor_id text,
  actor_email text,
  actor_name text,
  targets jsonb not null,
  ip inet,
  user_agent text,
  location text,
  request_id text,
  reason text,
  changes jsonb not null,
  metadata jsonb not null,
  source text not null,
  idempotency_key text,
  -- Lower-cased actor, targets, reason and a few metadata values: what free text searches,
  -- far cheaper to index than the whole jsonb (shared/PG-BASELINE.md: 7x ingest cost).
  search_text text not null,
  content_hash text not null,
  prev_hash text not null,
  hash text not null,
  primary key (org_id, occurred_at, id)
) partition by range (occurred_at);

-- Every index leads with the org and ends with the time, so each filter is a range scan
-- that already comes out newest first.
create index audit_events_org_seq_idx on audit_events (org_id, seq);
create index audit_events_id_idx on audit_events (id);
create index audit_events_org_category_status_idx on audit_events (org_id, category, status, occurred_at);
create index audit_events_org_status_idx on audit_events (org_id, status, occurred_at);
create index audit_events_org_action_idx on audit_events (org_id, action text_pattern_ops, occurred_at);
create index audit_events_org_actor_email_idx on audit_events (org_id, actor_email, occurred_at);
create index audit_events_org_actor_id_idx on audit_events (org_id, actor_id, occurred_at);
-- A plain btree on (org, ip) served CIDR containment (<<=) 10x faster than GiST here.
create index audit_events_org_ip_idx on audit_events (org_id, ip, occurred_at);
create index audit_events_search_text_idx on audit_events using gin (search_text gin_trgm_ops);

-- Makes the month partition holding `at` if it is missing. Serialized by an advisory
-- lock: two sessions creating the same partition would otherwise collide in the catalog.
create or replace function vigil_ensure_partition(at timestamptz) returns text
language plpgsql as $$
declare
  month_start timestamptz := date_trunc('month', at at time zone 'UTC') at time zone 'UTC';
  month_end timestamptz := month_start + interval '1 month';
  name text := 'audit_events_' || to_char(month_start at time zone 'UTC', 'YYYY_MM');
begin
  if to_regclass(name) is not null then
    return name;
  end if;
  perform pg_advisory_xact_lock(72177002);
  if to_regclass(name) is null then
    execute format('create table %I partition of audit_events for values from (%L) to (%L)', name, month_start, month_end);
  end if;
  return name;
end $$;

-- Append-only: the trail can't be rewritten through SQL. Only the retention routine,
-- which sets vigil.retention = 'on' in its own transaction after the rows are archived,
-- may delete.
create or replace function vigil_refuse_change() returns trigger
language plpgsql as $$
begin
  if tg_op = 'DELETE' and current_setting('vigil.retention', true) = 'on' then
    return old;
  end if;
  raise exception 'audit_events is append-only: % refused', tg_op
    using errcode = 'insufficient_privilege';
end $$;

create trigger audit_events_append_only
  before update or delete on audit_events
  for each row execute function vigil_refuse_change();

create or replace function vigil_refuse_truncate() returns trigger
language plpgsql as $$
begin
  raise exception 'audit_events is append-only: TRUNCATE refused' using errcode = 'insufficient_privilege';
end $$;

create trigger audit_events_no_truncate
  before truncate on audit_events
  for each statement execute function vigil_refuse_truncate();
