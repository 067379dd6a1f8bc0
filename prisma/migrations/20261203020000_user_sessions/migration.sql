-- Console sessions kept on the server (issue 10, finding 7). The next-auth JWT carries only
-- the row's id; every request checks the row is live, so signing out, a password change
-- or "sign out everywhere" ends a session at once, and a session has an absolute end.
create table user_sessions (
  id uuid primary key,
  user_id uuid not null references users(id) on delete cascade,
  created_at timestamptz(3) not null default now(),
  -- Written at most once a minute (lib/auth/user-sessions.ts), for the idle limit and the list.
  last_seen_at timestamptz(3) not null default now(),
  -- Absolute end: no activity extends it.
  expires_at timestamptz(3) not null,
  revoked_at timestamptz(3),
  -- signed_out, password_changed, revoked_by_user
  revoked_reason text,
  ip inet,
  user_agent text
);
create index user_sessions_user_idx on user_sessions (user_id, created_at desc);

-- An org admin's "sign out everywhere" for a member: the member's sessions started before
-- `not_before` no longer open this org. Only this org: an org acts inside itself, and the
-- person's other orgs keep their sessions (the same rule as an org's blocklist).
create table org_session_cutoffs (
  org_id uuid not null references organizations(id) on delete cascade,
  user_id uuid not null references users(id) on delete cascade,
  not_before timestamptz(3) not null,
  primary key (org_id, user_id)
);

-- Failed checks of a person's secrets in account actions (TOTP and recovery codes, the
-- current password), counted per user and kind in one statement so parallel requests
-- can't check more than the limit (finding 8). Sign-in keeps its own count on users.
create table account_check_attempts (
  user_id uuid not null references users(id) on delete cascade,
  kind text not null check (kind in ('second_factor', 'password')),
  failures integer not null default 0,
  locked_until timestamptz(3),
  primary key (user_id, kind)
);
