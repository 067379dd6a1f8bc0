import type { Metadata } from "next";
import { requireSession, can } from "@/lib/auth/session";
import { PERMISSIONS } from "@/lib/auth/permissions";
import { listRoles, PERMISSION_LABELS } from "@/lib/console/roles";
import { NoAccess } from "@/components/console/no-access";
import { PageHeader } from "@/components/console/page-header";
import { ActionForm, FormCheckboxes, FormInput } from "@/components/settings/action-form";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { createRoleAction, deleteRoleAction, updateRoleAction } from "./actions";

export const metadata: Metadata = { title: "Roles" };

export default async function RolesPage() {
  const session = await requireSession();
  if (!can(session, "members:manage")) return <NoAccess what="roles" />;
  const roles = await listRoles(session.org.id);
  const options = PERMISSIONS.map((p) => ({
    value: p,
    label: PERMISSION_LABELS[p].label,
    description: PERMISSION_LABELS[p].description,
    // Nobody grants what they don't hold: the server refuses it too.
    disabled: !session.permissions.includes(p),
  }));
  const custom = roles.filter((r) => !r.builtIn);
  return (
    <>
      <PageHeader title="Roles" description="Each role is a set of permissions. Built-in roles are fixed; custom roles are any set of the same permissions." />
      <Card className="overflow-x-auto">
        <table className="w-full text-sm" data-testid="roles-matrix">
          <thead className="border-b border-slate-200 bg-slate-50 text-left text-xs text-slate-500 dark:border-slate-800 dark:bg-slate-900/60">
            <tr>
              <th scope="col" className="px-4 py-2 font-medium">Role</th>
              {PERMISSIONS.map((p) => (
                <th key={p} scope="col" className="px-2 py-2 text-center font-medium" title={PERMISSION_LABELS[p].description}>{PERMISSION_LABELS[p].label}</th>
              ))}
              <th scope="col" className="px-4 py-2 text-right font-medium">Members</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {roles.map((r) => (
              <tr key={r.id}>
                <th scope="row" className="px-4 py-2 text-left font-medium">
                  {r.name} {!r.builtIn && <Badge tone="indigo">custom</Badge>}
                </th>
                {PERMISSIONS.map((p) => (
                  <td key={p} className="px-2 py-2 text-center">
                    {r.permissions.includes(p) ? <span aria-label="yes" className="text-emerald-600">✓</span> : <span aria-label="no" className="text-slate-300 dark:text-slate-700">–</span>}
                  </td>
                ))}
                <td className="px-4 py-2 text-right tabular-nums">{r.members}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>

      <Card className="mt-5">
        <CardHeader title="Create a custom role" description="You can only include permissions your own role holds." />
        <div className="p-5">
          <ActionForm action={createRoleAction} submitLabel="Create role" resetOnSuccess testId="create-role">
            <FormInput name="name" label="Name" placeholder="Read-only analyst" className="max-w-sm" required />
            <FormCheckboxes name="permissions" legend="Permissions" options={options} defaultValues={["events:read"]} />
          </ActionForm>
        </div>
      </Card>

      {custom.map((r) => (
        <Card key={r.id} className="mt-5" data-testid="custom-role">
          <CardHeader title={r.name} description={`${r.members} member${r.members === 1 ? "" : "s"}`} />
          <div className="space-y-4 p-5">
            <ActionForm action={updateRoleAction} submitLabel="Save role">
              <input type="hidden" name="roleId" value={r.id} />
              <FormInput name="name" label="Name" defaultValue={r.name} className="max-w-sm" id={`name-${r.id}`} required />
              <FormCheckboxes name="permissions" legend="Permissions" options={options} defaultValues={r.permissions} />
            </ActionForm>
            <ActionForm action={deleteRoleAction} submitLabel="Delete role" submitVariant="danger" inline confirm={`Delete the role ${r.name}?`}>
              <input type="hidden" name="roleId" value={r.id} />
            </ActionForm>
          </div>
        </Card>
      ))}
    </>
  );
}
