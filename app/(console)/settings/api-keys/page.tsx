import type { Metadata } from "next";
import { requireSession, can } from "@/lib/auth/session";
import { API_SCOPES } from "@/lib/auth/scopes";
import { grantableScopes, listApiKeys, SCOPE_LABELS } from "@/lib/console/api-keys";
import { formatInZone } from "@/lib/console/time";
import { NoAccess } from "@/components/console/no-access";
import { PageHeader } from "@/components/console/page-header";
import { ActionForm, FormCheckboxes, FormInput } from "@/components/settings/action-form";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { createApiKeyAction, revokeApiKeyAction } from "./actions";

export const metadata: Metadata = { title: "API keys" };

export default async function ApiKeysPage() {
  const session = await requireSession();
  if (!can(session, "apikeys:manage")) return <NoAccess what="API keys" />;
  const keys = await listApiKeys(session.org.id);
  const allowed = grantableScopes(session.permissions);
  const when = (iso: string | null) => (iso ? formatInZone(iso, session.timeZone) : "never");
  return (
    <>
      <PageHeader title="API keys" description="Keys let your product send events to Vigil and read them back. A key is shown once, when it is created." />
      <Card>
        <CardHeader title="Create a key" />
        <div className="p-5">
          <ActionForm action={createApiKeyAction} submitLabel="Create key" resetOnSuccess testId="create-key">
            <FormInput name="name" label="Name" placeholder="Production backend" className="max-w-sm" required />
            <FormCheckboxes
              name="scopes"
              legend="Scopes"
              defaultValues={["events:write"]}
              options={API_SCOPES.map((s) => ({ value: s, label: s, description: SCOPE_LABELS[s], disabled: !allowed.includes(s) }))}
            />
          </ActionForm>
        </div>
      </Card>
      <Card className="mt-5 overflow-x-auto">
        <table className="w-full text-sm" data-testid="api-keys">
          <thead className="border-b border-slate-200 bg-slate-50 text-left text-xs text-slate-500 dark:border-slate-800 dark:bg-slate-900/60">
            <tr>
              <th scope="col" className="px-4 py-2 font-medium">Key</th>
              <th scope="col" className="px-4 py-2 font-medium">Scopes</th>
              <th scope="col" className="px-4 py-2 font-medium">Created</th>
              <th scope="col" className="px-4 py-2 font-medium">Created by</th>
              <th scope="col" className="px-4 py-2 font-medium">Last used</th>
              <th scope="col" className="px-4 py-2"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {keys.map((k) => (
              <tr key={k.id} className={k.revokedAt ? "text-slate-400" : undefined} data-testid="api-key-row">
                <td className="px-4 py-2.5">
                  <div className="font-medium">{k.name}</div>
                  <div className="font-mono text-xs text-slate-500">{k.prefix}…</div>
                </td>
                <td className="px-4 py-2.5"><div className="flex flex-wrap gap-1">{k.scopes.map((s) => <Badge key={s}>{s}</Badge>)}</div></td>
                <td className="px-4 py-2.5 tabular-nums">{when(k.createdAt)}</td>
                <td className="px-4 py-2.5" data-testid="api-key-creator">{k.createdBy ?? <span className="text-slate-400">not recorded</span>}</td>
                <td className="px-4 py-2.5 tabular-nums">{when(k.lastUsedAt)}</td>
                <td className="px-4 py-2.5 text-right">
                  {k.revokedAt ? (
                    <Badge tone="red">revoked {when(k.revokedAt).slice(0, 10)}</Badge>
                  ) : (
                    <ActionForm action={revokeApiKeyAction} submitLabel="Revoke" submitVariant="danger" inline confirm={`Revoke ${k.name}? Requests with it will be refused at once.`}>
                      <input type="hidden" name="id" value={k.id} />
                    </ActionForm>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </>
  );
}
