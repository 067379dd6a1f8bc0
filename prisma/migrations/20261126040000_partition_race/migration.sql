-- Two sessions making the same month's partition at once: the advisory lock serializes
-- them, but the second may still see a stale catalog and try to create the table again.
-- A table that already exists is exactly what was wanted.
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
  begin
    execute format('create table if not exists %I partition of audit_events for values from (%L) to (%L)', name, month_start, month_end);
  exception when duplicate_table or unique_violation then
    null;
  end;
  return name;
end $$;
