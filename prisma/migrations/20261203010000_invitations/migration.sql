-- Vigil: joining an org is an invitation the person accepts (issue 10, finding 1). An org
-- admin never sets or sees a credential: the invitation's token is shown once (or mailed),
-- only its sha256 is kept, and it is single-use and expires after 7 days.
create table invitations (
  id uuid primary key,
  org_id uuid not null references organizations (id) on delete cascade on update cascade,
  email text not null,
  role_id uuid not null references roles (id) on delete cascade on update cascade,
  token_hash text not null,
  invited_by uuid references users (id) on delete set null on update cascade,
  created_at timestamptz(3) not null default now(),
  expires_at timestamptz(3) not null,
  accepted_at timestamptz(3),
  revoked_at timestamptz(3)
);
create unique index invitations_token_hash_key on invitations (token_hash);
create index invitations_org_id_email_idx on invitations (org_id, email);
