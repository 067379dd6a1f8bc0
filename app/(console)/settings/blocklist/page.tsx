import type { Metadata } from "next";
import { requireSession, can } from "@/lib/auth/session";
import { listBlocklist } from "@/lib/auth/blocklist";
import { formatInZone } from "@/lib/console/time";
import { NoAccess } from "@/components/console/no-access";
import { PageHeader } from "@/components/console/page-header";
import { ActionForm, FormInput, FormSelect } from "@/components/settings/action-form";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { blockAction, unblockAction } from "./actions";

export const metadata: Metadata = { title: "Blocklist" };

export default async function BlocklistPage() {
  const session = await requireSession();
  if (!can(session, "settings:manage")) return <NoAccess what="the blocklist" />;
  const entries = await listBlocklist(session.org.id);
  return (
    <>
      <PageHeader
        title="Blocklist"
        description={<>Vigil refuses sign-in from these addresses and people, and publishes the list at <code className="font-mono text-xs">GET /api/v1/blocklist</code> for your product to enforce.</>}
      />
      <Card>
        <CardHeader title="Block" />
        <div className="p-5">
          <ActionForm action={blockAction} submitLabel="Block" resetOnSuccess testId="block-form">
            <div className="grid gap-3 sm:grid-cols-[2fr_2fr_1fr]">
              <FormInput name="value" label="IP address, CIDR range or actor" placeholder="192.0.2.0/24 or someone@example.com" required className="font-mono" />
              <FormInput name="reason" label="Reason" placeholder="Brute force from this range" />
              <FormSelect name="days" label="For" options={[{ value: "", label: "Until removed" }, { value: "1", label: "1 day" }, { value: "7", label: "7 days" }, { value: "30", label: "30 days" }, { value: "90", label: "90 days" }]} />
            </div>
          </ActionForm>
        </div>
      </Card>
      <Card className="mt-5 overflow-x-auto">
        {entries.length === 0 ? (
          <p className="px-5 py-10 text-center text-sm text-slate-500">Nothing is blocked.</p>
        ) : (
          <table className="w-full text-sm" data-testid="blocklist">
            <thead className="border-b border-slate-200 bg-slate-50 text-left text-xs text-slate-500 dark:border-slate-800 dark:bg-slate-900/60">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium">Blocked</th>
                <th scope="col" className="px-4 py-2 font-medium">Reason</th>
                <th scope="col" className="px-4 py-2 font-medium">By</th>
                <th scope="col" className="px-4 py-2 font-medium">Until</th>
                <th scope="col" className="px-4 py-2"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {entries.map((e) => (
                <tr key={e.id}>
                  <td className="px-4 py-2.5"><Badge>{e.kind}</Badge> <span className="ml-1 font-mono text-[13px]">{e.value}</span></td>
                  <td className="px-4 py-2.5 text-slate-600 dark:text-slate-400">{e.reason ?? "—"}</td>
                  <td className="px-4 py-2.5 text-slate-600 dark:text-slate-400">{e.created_by ?? "—"}</td>
                  <td className="px-4 py-2.5 tabular-nums">{e.expires_at ? formatInZone(e.expires_at, session.timeZone) : "removed by hand"}</td>
                  <td className="px-4 py-2.5 text-right">
                    <ActionForm action={unblockAction} submitLabel="Unblock" submitVariant="secondary" inline>
                      <input type="hidden" name="id" value={e.id} />
                    </ActionForm>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
