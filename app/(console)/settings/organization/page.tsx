import type { Metadata } from "next";
import { requireSession, can } from "@/lib/auth/session";
import { getOrgSettings } from "@/lib/console/org-settings";
import { NoAccess } from "@/components/console/no-access";
import { PageHeader } from "@/components/console/page-header";
import { ActionForm, FormCheckbox, FormCheckboxes, FormInput, FormSelect } from "@/components/settings/action-form";
import { Card, CardHeader } from "@/components/ui/card";
import { updateOrgAction } from "./actions";

export const metadata: Metadata = { title: "Organization" };

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

export default async function OrganizationPage() {
  const session = await requireSession();
  if (!can(session, "settings:manage")) return <NoAccess what="organization settings" />;
  const settings = await getOrgSettings(session.org.id);
  const zones = Intl.supportedValuesOf("timeZone");
  if (!zones.includes(settings.timezone)) zones.unshift(settings.timezone);
  return (
    <>
      <PageHeader title="Organization" description="Every change here is recorded as a SETTINGS_CHANGED event with its before and after." />
      <Card>
        <CardHeader title="General and security" />
        <div className="p-5">
          <ActionForm action={updateOrgAction} submitLabel="Save settings" testId="org-settings">
            <div className="grid gap-3 sm:grid-cols-2">
              <FormInput name="name" label="Name" defaultValue={settings.name} required />
              <FormSelect name="timezone" label="Time zone" hint="Reports and business hours use it." defaultValue={settings.timezone} options={zones.map((z) => ({ value: z, label: z }))} />
            </div>
            <FormCheckboxes
              name="days"
              legend="Business days (access outside them can raise an alert)"
              options={DAYS.map((d, i) => ({ value: String(i), label: d }))}
              defaultValues={settings.businessHours.days.map(String)}
            />
            <div className="grid max-w-sm grid-cols-2 gap-3">
              <FormInput name="start" label="Business hours start" type="time" defaultValue={settings.businessHours.start} required />
              <FormInput name="end" label="Business hours end" type="time" defaultValue={settings.businessHours.end} required />
            </div>
            <FormCheckbox
              name="requireMfa"
              label="Require two-factor authentication"
              description="Members without MFA must set it up before they can use the console."
              defaultChecked={settings.requireMfa}
            />
            <FormCheckbox
              name="recordReads"
              label="Record reads"
              description="Opening an event (EVENT_VIEWED) and running a search (EVENTS_SEARCHED) in the console become events of this organization. Exports are always recorded."
              defaultChecked={settings.recordReads}
            />
          </ActionForm>
        </div>
      </Card>
    </>
  );
}
