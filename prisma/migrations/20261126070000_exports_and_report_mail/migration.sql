-- Vigil: console exports in progress. The search page's export runs as an ordinary download;
-- the page polls this row (any app instance can answer) to show how far it has got.
create table export_runs (
  id uuid primary key,
  org_id uuid not null references organizations (id) on delete cascade on update cascade,
  user_id uuid not null references users (id) on delete cascade on update cascade,
  format text not null,
  filter text not null,
  reason text not null,
  records bigint not null default 0,
  total bigint,
  status text not null default 'running' check (status in ('running', 'done', 'failed')),
  started_at timestamptz(3) not null default now(),
  updated_at timestamptz(3) not null default now()
);
create index export_runs_org_id_user_id_started_at_idx on export_runs (org_id, user_id, started_at);

-- Monthly report emails that failed are retried with backoff (lib/reports/scheduled.ts).
alter table report_runs
  add column email_attempts integer not null default 0,
  add column email_attempted_at timestamptz(3);
