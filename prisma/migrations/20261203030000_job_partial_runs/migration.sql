-- A run that met a problem in some organizations and finished the others is 'partial'
-- (docs/security.md, finding 2): its summary names the failed orgs, its error says why.
alter table job_runs drop constraint job_runs_status_check;
alter table job_runs add constraint job_runs_status_check
  check (status in ('running', 'succeeded', 'partial', 'failed', 'abandoned'));
