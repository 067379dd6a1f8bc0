-- The org's "record reads" policy: when on, the console records opening an event
-- (EVENT_VIEWED) and running a search (EVENTS_SEARCHED) as events of the org. Off by
-- default: most customers only need changes and exports in their trail.
alter table organizations add column record_reads boolean not null default false;
