-- Vigil: an alert notifies again when its severity rises. notified_severity is the
-- severity the channels last heard about (null: not notified yet); the alerts job
-- notifies every live alert whose severity is above it, so a process that dies between
-- recording an alert and notifying leaves the notification to the next run.
alter table alerts add column notified_severity text check (notified_severity in ('info', 'warning', 'critical'));

-- Alerts that exist already were notified (or not) under the old rule: don't notify them again.
update alerts set notified_severity = severity;
