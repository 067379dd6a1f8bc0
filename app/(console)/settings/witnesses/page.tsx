import type { Metadata } from "next";
import { requireSession, can } from "@/lib/auth/session";
import { configuredWitnesses, listOrgWitnesses, witnessStates } from "@/lib/integrity/http-witness";
import { formatInZone } from "@/lib/console/time";
import { NoAccess } from "@/components/console/no-access";
import { PageHeader } from "@/components/console/page-header";
import { ActionForm, FormInput } from "@/components/settings/action-form";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { addWitnessAction, removeWitnessAction } from "./actions";

export const metadata: Metadata = { title: "Witnesses" };

function envWitnessUrls(): string[] {
  try {
    return configuredWitnesses().map((w) => w.url);
  } catch {
    return [];
  }
}

export default async function WitnessesPage() {
  const session = await requireSession();
  if (!can(session, "settings:manage")) return <NoAccess what="witnesses" />;
  const [own, states] = await Promise.all([listOrgWitnesses(session.org.id), witnessStates(session.org.id)]);
  const fromEnv = envWitnessUrls();
  const rows = [
    ...fromEnv.map((url) => ({ url, id: null as string | null, key: null as string | null, by: "VIGIL_WITNESS_URLS" })),
    ...own.filter((w) => !fromEnv.includes(w.url)).map((w) => ({ url: w.url, id: w.id, key: w.verifier_key, by: w.created_by ?? "—" })),
  ];
  return (
    <>
      <PageHeader
        title="Witnesses"
        description={<>Each signed tree head of your log is also sent to these witnesses (C2SP tlog-witness), with the proof that it extends the last head each one saw. A witness that refuses a head raises a critical alert: your log&apos;s history was rewritten. See <code className="font-mono text-xs">docs/integrity.md</code>.</>}
      />
      <Card>
        <CardHeader title="Add a witness" />
        <div className="p-5">
          <ActionForm action={addWitnessAction} submitLabel="Add witness" resetOnSuccess testId="witness-form">
            <div className="grid gap-3 sm:grid-cols-2">
              <FormInput name="url" label="Submission URL" placeholder="https://witness.example.com/" required className="font-mono" />
              <FormInput name="verifierKey" label="Verifier key (to check its cosignatures)" placeholder="witness.example.com/w1+1a2b3c4d+BASE64" className="font-mono" />
            </div>
          </ActionForm>
        </div>
      </Card>
      <Card className="mt-5 overflow-x-auto">
        {rows.length === 0 ? (
          <p className="px-5 py-10 text-center text-sm text-slate-500">No witness yet: signed heads are kept in the archive store only.</p>
        ) : (
          <table className="w-full text-sm" data-testid="witnesses">
            <thead className="border-b border-slate-200 bg-slate-50 text-left text-xs text-slate-500 dark:border-slate-800 dark:bg-slate-900/60">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium">Witness</th>
                <th scope="col" className="px-4 py-2 font-medium">Last cosigned size</th>
                <th scope="col" className="px-4 py-2 font-medium">State</th>
                <th scope="col" className="px-4 py-2 font-medium">Added by</th>
                <th scope="col" className="px-4 py-2"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {rows.map((w) => {
                const state = states.find((s) => s.witness === w.url);
                return (
                  <tr key={w.url}>
                    <td className="px-4 py-2.5 font-mono text-[13px]">{w.url}{w.key ? <Badge className="ml-2">cosignatures checked</Badge> : null}</td>
                    <td className="px-4 py-2.5 tabular-nums">{state ? state.size.toLocaleString("en") : "—"}</td>
                    <td className="px-4 py-2.5 text-slate-600 dark:text-slate-400">
                      {!state ? "no head sent yet" : state.last_error ? `${state.last_error} (${state.failures} failed, ${formatInZone(state.updated_at, session.timeZone)})` : `up to date, ${formatInZone(state.updated_at, session.timeZone)}`}
                    </td>
                    <td className="px-4 py-2.5 text-slate-600 dark:text-slate-400">{w.by}</td>
                    <td className="px-4 py-2.5 text-right">
                      {w.id ? (
                        <ActionForm action={removeWitnessAction} submitLabel="Remove" submitVariant="secondary" inline confirm={`Stop sending signed heads to ${w.url}?`}>
                          <input type="hidden" name="id" value={w.id} />
                        </ActionForm>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
