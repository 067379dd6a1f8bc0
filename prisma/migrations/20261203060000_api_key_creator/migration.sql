-- Who made each API key (docs/security.md, finding 11): the console user when made there
-- (kept as a label too, so it still reads after the person is gone), else the tool that made it.
-- Keys made before this migration have no creator recorded (NULL).
alter table api_keys
  add column created_by text,
  add column created_by_user_id uuid references users (id) on delete set null;
