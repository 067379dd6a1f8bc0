-- Reports: hourly rollups of audit_events, their watermark, and reviews of events.
-- Hand-written like the init migration; prisma/schema.prisma mirrors these tables.

-- The record count an event carries in metadata.records (exports), as the reports read
-- it: a JSON number, or a string of digits, from 0 to 10^15, rounded; anything else is
-- null. One definition for the rollups and the raw queries, so the two can't disagree.
create or replace function vigil_records(metadata jsonb) returns bigint
language sql immutable parallel safe as $$
  select case
    when jsonb_typeof(metadata -> 'records') = 'number'
      and (metadata ->> 'records')::numeric between 0 and 1e15
      then round((metadata ->> 'records')::numeric)::bigint
    when jsonb_typeof(metadata -> 'records') = 'string'
      and (metadata ->> 'records') ~ '^[0-9]{1,15}$'
      then (metadata ->> 'records')::bigint
  end
$$;

-- Events counted per org, UTC hour, category, action, status and source. Hours (not days) so a
-- report in any whole-hour time zone, over any range, reads whole buckets and scans raw
-- events only for the partial hours at its ends. Maintained by lib/reports/rollups.ts
-- from the events with seq above event_rollup_state.rolled_seq.
create table event_hourly_rollups (
  org_id uuid not null,
  hour timestamptz(3) not null,
  category text not null,
  action text not null,
  status text not null,
  source text not null,
  events bigint not null,
  -- Over the events whose metadata.records is a count (vigil_records not null).
  records_events bigint not null default 0,
  records_sum bigint not null default 0,
  records_max bigint,
  primary key (org_id, hour, category, action, status, source)
);

-- How far each org's rollups go: every event with seq <= rolled_seq is counted, none above.
create table event_rollup_state (
  org_id uuid primary key,
  rolled_seq bigint not null default 0,
  refreshed_at timestamptz(3) not null default now()
);

-- A person's review of one event (settings and permission changes): compliant or not,
-- with a note. Reviews are kept, not overwritten; the newest one per event counts.
create table event_reviews (
  id uuid primary key,
  org_id uuid not null,
  event_id uuid not null,
  reviewer_user_id uuid not null,
  compliant boolean not null,
  note text,
  reviewed_at timestamptz(3) not null default now()
);
create index event_reviews_org_id_event_id_reviewed_at_idx on event_reviews (org_id, event_id, reviewed_at);

-- Scheduled reports: who receives each org's monthly report (a missing row: nobody is
-- emailed, the report is still made and kept).
create table report_schedules (
  org_id uuid primary key,
  recipients text[] not null default '{}',
  updated_at timestamptz(3) not null default now()
);

-- Reports made by the scheduler and kept in the app, downloadable later. One per org,
-- report and period: the job is idempotent.
create table report_runs (
  id uuid primary key,
  org_id uuid not null,
  report text not null,
  period_from timestamptz(3) not null,
  period_to timestamptz(3) not null,
  generated_at timestamptz(3) not null default now(),
  format text not null,
  size_bytes integer not null,
  sha256 text not null,
  content bytea not null,
  recipients text[] not null default '{}',
  emailed_at timestamptz(3),
  email_error text
);
create unique index report_runs_org_id_report_period_from_key on report_runs (org_id, report, period_from);
