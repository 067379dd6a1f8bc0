-- Console: the org's MFA requirement, TOTP replay protection and recovery codes, the
-- blocklist (enforced by the console's sign-in, published at GET /api/v1/blocklist) and
-- saved searches. prisma/schema.prisma mirrors these tables.

alter table organizations add column require_mfa boolean not null default false;

-- The TOTP time step last accepted for the user: a code is good once, never replayed.
alter table users add column mfa_last_step bigint;

create table mfa_recovery_codes (
  id uuid primary key,
  user_id uuid not null references users (id) on delete cascade on update cascade,
  -- sha256 of the code: codes carry 50 random bits and are single-use.
  code_hash text not null,
  used_at timestamptz(3),
  created_at timestamptz(3) not null default now()
);
create index mfa_recovery_codes_user_id_idx on mfa_recovery_codes (user_id);

-- kind 'ip' holds a normalized address, 'cidr' a normalized network/bits, 'actor' a
-- lower-cased email or an actor id. An entry with expires_at in the past no longer applies.
create table blocklist_entries (
  id uuid primary key,
  org_id uuid not null references organizations (id) on delete cascade on update cascade,
  kind text not null check (kind in ('ip', 'cidr', 'actor')),
  value text not null,
  reason text,
  created_by text,
  created_at timestamptz(3) not null default now(),
  expires_at timestamptz(3)
);
create unique index blocklist_entries_org_id_kind_value_key on blocklist_entries (org_id, kind, value);

create table saved_searches (
  id uuid primary key,
  org_id uuid not null references organizations (id) on delete cascade on update cascade,
  user_id uuid not null references users (id) on delete cascade on update cascade,
  name text not null,
  -- The search page's URL query string (q, period, from, to).
  query text not null,
  created_at timestamptz(3) not null default now()
);
create index saved_searches_org_id_user_id_idx on saved_searches (org_id, user_id);
