import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requireSession, can } from "@/lib/auth/session";
import { recordEventViewed } from "@/lib/audit/reads";
import { eventWithChain } from "@/lib/events/event-detail";
import { actorTerm, searchHref, targetLabel } from "@/lib/console/event-labels";
import { shortHash, targetTypeLabel, toEventView } from "@/lib/console/event-view";
import { CATEGORY_LABELS } from "@/lib/console/search-form";
import { formatInZone, formatUtc, zoneName } from "@/lib/console/time";
import { NoAccess } from "@/components/console/no-access";
import { Badge, StatusBadge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { SearchLink, Tree, type TreeItem } from "@/components/events/event-tree";
import { VerifyButton } from "@/components/events/verify-button";
import { verifyEventLink } from "./actions";

export const metadata: Metadata = { title: "Event" };

export default async function EventPage({ params }: { params: Promise<{ id: string }> }) {
  const session = await requireSession();
  if (!can(session, "events:read")) return <NoAccess what="events" />;
  const { id } = await params;
  // The org is part of the lookup: another org's event is a 404, exactly like a missing one.
  const event = await eventWithChain(session.org.id, id);
  if (!event) notFound();
  // Where the org records reads (its policy), opening an event is EVENT_VIEWED.
  // Whatever the headers: a read the policy asks for is recorded whenever data is rendered.
  await recordEventViewed(session, event);
  const view = toEventView(event);
  const tz = session.timeZone;
  const { actor, context } = event;

  const items: TreeItem[] = [];
  if (actor) {
    const term = actorTerm(actor);
    items.push({
      label: "Who",
      testId: "tree-who",
      content: (
        <>
          {term ? <SearchLink href={searchHref("actor", term)} label="Events by this actor">{actor.email ?? actor.id}</SearchLink> : (actor.name ?? "—")}
          {actor.email && actor.name && <span className="text-slate-500"> · {actor.name}</span>}
          {actor.type && <span className="text-slate-500"> ({actor.type})</span>}
        </>
      ),
    });
  }
  items.push({
    label: "When",
    testId: "tree-when",
    content: (
      <>
        <time dateTime={event.occurred_at}>{formatUtc(event.occurred_at)}</time>
        {tz !== "UTC" && <span className="text-slate-500"> · {formatInZone(event.occurred_at, tz)} {zoneName(event.occurred_at, tz)}</span>}
      </>
    ),
    children: event.received_at !== event.occurred_at ? [{ label: "Received", content: formatUtc(event.received_at) }] : undefined,
  });
  if (context.ip || view.device.summary || context.location) {
    const where: React.ReactNode[] = [];
    if (context.ip) where.push(<SearchLink key="ip" href={searchHref("ip", context.ip)} label="Events from this address" className="font-mono text-[13px]">{context.ip}</SearchLink>);
    if (view.device.summary) where.push(<span key="device">{view.device.summary}</span>);
    if (context.location) where.push(<span key="loc" className="text-slate-500">{context.location}</span>);
    const children: TreeItem[] = [];
    if (view.device.browser) children.push({ label: "Browser", content: view.device.browser });
    if (view.device.os) children.push({ label: "OS", content: view.device.os });
    if (view.device.device) children.push({ label: "Device", content: view.device.device });
    if (context.user_agent) children.push({ label: "User agent", content: <span className="font-mono text-xs text-slate-500">{context.user_agent}</span> });
    if (context.request_id) children.push({ label: "Request", content: <span className="font-mono text-xs">{context.request_id}</span> });
    items.push({
      label: "Where",
      testId: "tree-where",
      content: where.flatMap((w, i) => (i === 0 ? [w] : [<span key={`sep${i}`} className="text-slate-400"> · </span>, w])),
      children,
    });
  }
  for (const t of event.targets) {
    items.push({
      label: targetTypeLabel(t.type),
      testId: "tree-target",
      content: <SearchLink href={searchHref("text", t.name ?? t.id)} label="Events about this target">{targetLabel(t)}</SearchLink>,
    });
  }
  if (event.reason) items.push({ label: "Reason", content: event.reason, testId: "tree-reason" });
  if (view.changes.length > 0) {
    items.push({
      label: "Changed",
      testId: "tree-changes",
      content: view.changes.map((c) => c.field).join(", "),
      children: view.changes.map((c) => ({
        label: c.field,
        testId: "tree-change",
        content: (
          <>
            <span className="text-slate-600 line-through decoration-slate-300 dark:text-slate-400 dark:decoration-slate-600">{c.before}</span>
            {" → "}
            <span className="font-medium">{c.after}</span>
            {c.masked && <Badge className="ml-2">masked</Badge>}
          </>
        ),
      })),
    });
  }
  if (view.metadata.length > 0) {
    items.push({
      label: "Details",
      testId: "tree-metadata",
      content: <span className="text-slate-500">{view.metadata.length} field{view.metadata.length === 1 ? "" : "s"}</span>,
      children: view.metadata.map((m) => ({ label: m.key, content: <span className="font-mono text-xs">{m.value}</span> })),
    });
  }
  items.push({
    label: "Chain",
    testId: "tree-chain",
    content: (
      <>
        <span className="font-mono text-[13px]">#{event.chain.seq} · sha256 {shortHash(event.hash)}</span>{" "}
        {event.chain.verified ? (
          <span className="font-medium text-emerald-700 dark:text-emerald-400" data-testid="chain-verified">✓ verified</span>
        ) : (
          <span className="font-medium text-red-700 dark:text-red-400" data-testid="chain-verified">✕ does not verify</span>
        )}
      </>
    ),
    children: [
      { label: "Hash", content: <span className="font-mono text-xs break-all">{event.hash}</span> },
      { label: "Previous", content: <span className="font-mono text-xs break-all">{event.prev_hash}</span> },
      { label: "Content", content: <span className="font-mono text-xs break-all">{event.content_hash}</span> },
      { label: "Position", content: `${event.chain.seq.toLocaleString("en-US")} of ${event.chain.head_seq.toLocaleString("en-US")} in ${session.org.name}'s chain` },
      {
        label: "Inclusion proof",
        testId: "tree-inclusion",
        content: event.chain.proof ? (
          <span>
            {event.chain.proof.proven ? "✓ proven" : "✕ does not prove"} in the log of size {event.chain.proof.tree_size.toLocaleString("en-US")} signed{" "}
            {new Date(event.chain.proof.checkpoint.signed_at).toISOString().slice(0, 16).replace("T", " ")} UTC ({event.chain.proof.inclusion.length} hashes) ·{" "}
            <a className="underline" href={`/api/v1/events/${event.id}`} download={`vigil-event-${event.chain.seq}-proof.json`} data-testid="download-proof">download it</a>
          </span>
        ) : (
          <span className="text-slate-500">no signed tree head covers this event yet (the verify job signs one hourly)</span>
        ),
        children: event.chain.proof
          ? [{ label: "Tree root", content: <span className="font-mono text-xs break-all">{event.chain.proof.root_hash}</span> }]
          : undefined,
      },
    ],
  });

  return (
    <div className="mx-auto max-w-4xl">
      <nav aria-label="Breadcrumb" className="mb-3 text-sm">
        <Link href="/events" className="text-slate-500 hover:text-slate-900 dark:hover:text-white">← Events</Link>
      </nav>
      <Card>
        <div className="flex flex-wrap items-center justify-between gap-3 border-b border-slate-200 px-5 py-4 dark:border-slate-800">
          <div className="min-w-0">
            <h1 className="font-mono text-lg font-semibold tracking-tight" data-testid="event-action">{event.action}</h1>
            <p className="mt-0.5 text-xs text-slate-500">
              {CATEGORY_LABELS[event.category] ?? event.category} · severity {event.severity} · via {event.source} · <span className="font-mono">{event.id}</span>
            </p>
          </div>
          <StatusBadge status={event.status} />
        </div>
        <div className="overflow-x-auto px-5 py-4" data-testid="event-tree">
          <Tree items={items} />
        </div>
        <div className="flex flex-wrap items-center justify-between gap-3 border-t border-slate-200 px-5 py-3 text-xs text-slate-500 dark:border-slate-800">
          <span>Verification recomputes this event&apos;s content hash and its link to the previous event.</span>
          <VerifyButton id={event.id} action={verifyEventLink} />
        </div>
      </Card>
    </div>
  );
}
