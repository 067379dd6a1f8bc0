-- Vigil: scheduled protection. Job runs and their watermarks, alerts and their rules,
-- response actions (incidents, notification channels and deliveries), retention policies,
-- legal holds and archive segments. prisma/schema.prisma mirrors these tables.

-- One row per run of a scheduled job (cron route or in-process scheduler).
create table job_runs (
  id uuid primary key,
  job text not null,
  org_id uuid references organizations (id) on delete cascade on update cascade,
  started_at timestamptz(3) not null default now(),
  finished_at timestamptz(3),
  status text not null check (status in ('running', 'succeeded', 'failed', 'abandoned')),
  summary jsonb not null default '{}',
  error text
);
create index job_runs_job_started_at_idx on job_runs (job, started_at);
create index job_runs_org_id_started_at_idx on job_runs (org_id, started_at);

-- Watermarks that make jobs resumable: a killed run leaves them where the last committed
-- step put them, and the next run continues from there.
create table job_state (
  job text not null,
  org_id uuid not null references organizations (id) on delete cascade on update cascade,
  key text not null,
  value jsonb not null,
  updated_at timestamptz(3) not null default now(),
  primary key (job, org_id, key)
);

-- Per-org detector settings; a missing row means the rule's defaults.
create table alert_rules (
  org_id uuid not null references organizations (id) on delete cascade on update cascade,
  rule text not null,
  enabled boolean not null default true,
  config jsonb not null default '{}',
  updated_at timestamptz(3) not null default now(),
  primary key (org_id, rule)
);

create table alerts (
  id uuid primary key,
  org_id uuid not null references organizations (id) on delete cascade on update cascade,
  rule text not null,
  severity text not null check (severity in ('info', 'warning', 'critical')),
  status text not null default 'open' check (status in ('open', 'acknowledged', 'resolved', 'false_positive')),
  subject jsonb not null default '{}',
  -- What makes two detections "the same pattern": rule + subject, normalised.
  subject_key text not null,
  title text not null,
  count integer not null default 0,
  first_seen timestamptz(3) not null,
  last_seen timestamptz(3) not null,
  event_ids uuid[] not null default '{}',
  created_at timestamptz(3) not null default now(),
  updated_at timestamptz(3) not null default now(),
  resolved_at timestamptz(3)
);
-- One pattern, one live alert that grows: a second detection updates the open one.
create unique index alerts_live_pattern_key on alerts (org_id, rule, subject_key) where status in ('open', 'acknowledged');
create index alerts_org_id_status_last_seen_idx on alerts (org_id, status, last_seen);

create table incidents (
  id uuid primary key,
  org_id uuid not null references organizations (id) on delete cascade on update cascade,
  alert_id uuid references alerts (id) on delete set null on update cascade,
  title text not null,
  assignee text,
  status text not null default 'open' check (status in ('open', 'investigating', 'resolved', 'false_positive')),
  created_by text not null,
  created_at timestamptz(3) not null default now(),
  updated_at timestamptz(3) not null default now(),
  closed_at timestamptz(3)
);
create index incidents_org_id_status_idx on incidents (org_id, status, created_at);
create unique index incidents_alert_id_key on incidents (alert_id);

-- The incident's timeline: notes, status changes and the actions taken.
create table incident_notes (
  id uuid primary key,
  incident_id uuid not null references incidents (id) on delete cascade on update cascade,
  org_id uuid not null,
  author text not null,
  kind text not null check (kind in ('note', 'status', 'action', 'assignment')),
  body text not null,
  created_at timestamptz(3) not null default now()
);
create index incident_notes_incident_id_created_at_idx on incident_notes (incident_id, created_at);

-- Where the security team is notified: email addresses and webhook endpoints.
create table alert_channels (
  id uuid primary key,
  org_id uuid not null references organizations (id) on delete cascade on update cascade,
  kind text not null check (kind in ('email', 'webhook')),
  target text not null,
  -- HMAC-SHA256 key of a webhook; shown once when the channel is made.
  secret text,
  min_severity text not null default 'warning' check (min_severity in ('info', 'warning', 'critical')),
  enabled boolean not null default true,
  created_at timestamptz(3) not null default now()
);
create index alert_channels_org_id_idx on alert_channels (org_id);

-- Every notification attempt series, so the team can see what was sent and what failed.
create table deliveries (
  id uuid primary key,
  org_id uuid not null references organizations (id) on delete cascade on update cascade,
  alert_id uuid references alerts (id) on delete set null on update cascade,
  channel_id uuid references alert_channels (id) on delete set null on update cascade,
  kind text not null check (kind in ('email', 'webhook')),
  target text not null,
  status text not null check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  response_code integer,
  last_error text,
  payload jsonb not null,
  created_at timestamptz(3) not null default now(),
  delivered_at timestamptz(3)
);
create index deliveries_org_id_created_at_idx on deliveries (org_id, created_at);

create table retention_policies (
  org_id uuid primary key references organizations (id) on delete cascade on update cascade,
  hot_days integer not null default 90 check (hot_days >= 90),
  critical_days integer not null default 365 check (critical_days >= 365),
  -- Action patterns (UPPER_SNAKE, `*` wildcard) added to / removed from the default critical set.
  critical_include text[] not null default '{}',
  critical_exclude text[] not null default '{}',
  updated_at timestamptz(3) not null default now()
);

create table legal_holds (
  id uuid primary key,
  org_id uuid not null references organizations (id) on delete cascade on update cascade,
  name text not null,
  -- A query-language filter; NULL holds the whole organization.
  query text,
  created_by text not null,
  created_at timestamptz(3) not null default now(),
  released_at timestamptz(3)
);
create index legal_holds_org_id_idx on legal_holds (org_id);

-- Archive and backup segments: gzip NDJSON of a contiguous seq range, plus its manifest.
create table archive_segments (
  id uuid primary key,
  org_id uuid not null references organizations (id) on delete cascade on update cascade,
  kind text not null check (kind in ('archive', 'backup')),
  from_seq bigint not null,
  to_seq bigint not null,
  count integer not null,
  first_hash text not null,
  last_hash text not null,
  sha256 text not null,
  size_bytes bigint not null,
  location text not null,
  created_at timestamptz(3) not null default now(),
  verified_at timestamptz(3) not null
);
create index archive_segments_org_id_from_seq_idx on archive_segments (org_id, from_seq);
