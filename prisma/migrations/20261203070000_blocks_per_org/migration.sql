-- A block in one org no longer locks the account everywhere (docs/security.md, finding 1):
-- the org's blocklist keeps the person out of that org only. Accounts locked "until
-- unblocked" by the old rule are released; their blocklist entries still hold in their org.
update users set locked_until = null, failed_attempts = 0 where locked_until >= timestamptz '9999-01-01';
