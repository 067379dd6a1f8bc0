import http from "node:http";
import type net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import { resetEnvCache } from "@/lib/env";
import { VigilError } from "@/lib/errors";
import { addAlertChannel, listDeliveries } from "@/lib/alerts/channels";
import { deliverPending } from "@/lib/alerts/notify";
import { allowList, checkedLookup, isAllowedAddress, OutboundRefused } from "@/lib/net/outbound";
import { newOrg } from "@/tests/helpers/fixtures";
import { webhookServer } from "@/tests/integration/alerts-receivers";
import { person } from "../helpers/actors";

// Finding 4: webhooks reached the metadata service, loopback (however spelled) and followed
// a receiver's 307 inward, writing the internal status into the delivery record.

const ADMIN = person("admin@company.com");

function setAllow(value: string | undefined): void {
  if (value === undefined) delete process.env.VIGIL_OUTBOUND_ALLOW;
  else process.env.VIGIL_OUTBOUND_ALLOW = value;
  resetEnvCache();
}

afterEach(() => setAllow("127.0.0.1"));

/** A local service a webhook must never reach: counts every request it gets. */
function internalService(): Promise<{ port: number; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits++;
    res.writeHead(200).end("internal");
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    port: (server.address() as net.AddressInfo).port,
    hits: () => hits,
    close: () => new Promise((r) => server.close(() => r())),
  })));
}

/** A receiver that answers every request with a 307 to `location`. */
function redirectingReceiver(location: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => res.writeHead(307, { location }).end());
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hook`,
    close: () => new Promise((r) => server.close(() => r())),
  })));
}

/** A webhook channel as a row saved before creation was checked, and one pending delivery to it. */
async function pendingDeliveryTo(orgId: string, target: string): Promise<void> {
  const channelId = uuidv7();
  await pool().query(
    "insert into alert_channels (id, org_id, kind, target, secret, min_severity) values ($1, $2, 'webhook', $3, 'whsec_test', 'info')",
    [channelId, orgId, target],
  );
  await pool().query(
    "insert into deliveries (id, org_id, alert_id, channel_id, kind, target, status, payload) values ($1, $2, null, $3, 'webhook', $4, 'pending', $5)",
    [uuidv7(), orgId, channelId, target, JSON.stringify({ type: "alert" })],
  );
}

const spellings = (port: number): string[] => [
  "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
  "http://[::ffff:169.254.169.254]/",
  "http://[::ffff:a9fe:a9fe]/",
  "http://2852039166/",
  "http://0xa9fea9fe/",
  "http://0251.0376.0251.0376/",
  `http://0x7f000001:${port}/api/cron/alerts`,
  `http://2130706433:${port}/`,
  `http://127.1:${port}/`,
  `http://0177.0.0.1:${port}/`,
  `http://[::1]:${port}/`,
  `http://[::ffff:127.0.0.1]:${port}/`,
  `http://[0:0:0:0:0:ffff:7f00:1]:${port}/`,
  `http://0.0.0.0:${port}/`,
  `http://[::]:${port}/`,
  `http://localhost:${port}/`,
  `http://LOCALHOST.:${port}/`,
  "http://10.0.0.5/",
  "http://172.16.3.4/",
  "http://192.168.1.1/",
  "http://100.64.0.1/",
  "http://[fc00::1]/",
  "http://[fe80::1]/",
  "http://224.0.0.1/",
  "http://240.0.0.1/",
  "http://255.255.255.255/",
  "http://[2002:7f00:1::]/",
  "http://[64:ff9b::a9fe:a9fe]/",
];

describe("outbound requests refuse internal targets (finding 4)", () => {
  it("refuses every spelling of an internal address when a channel is made, naming the url field", async () => {
    setAllow(undefined);
    const { org } = await newOrg();
    for (const target of spellings(3999)) {
      const err = await addAlertChannel(org.id, ADMIN, { kind: "webhook", target }).catch((e: unknown) => e);
      expect(err, target).toBeInstanceOf(VigilError);
      expect((err as VigilError).fieldErrors?.target, target).toMatch(/private, loopback or reserved address|internal host name/);
    }
    const { rows } = await pool().query("select 1 from alert_channels where org_id = $1", [org.id]);
    expect(rows).toHaveLength(0);
  });

  it("refuses every spelling at delivery too, without connecting, and records only a generic reason", async () => {
    setAllow(undefined);
    const internal = await internalService();
    try {
      const { org } = await newOrg();
      const targets = spellings(internal.port);
      for (const t of targets) await pendingDeliveryTo(org.id, t);
      const result = await deliverPending(org.id, { maxAttempts: 1 });
      expect(result).toEqual({ delivered: 0, failed: targets.length });
      const deliveries = await listDeliveries(org.id);
      for (const d of deliveries) expect([d.target, d.status, d.response_code, d.last_error]).toEqual([d.target, "failed", null, "refused target"]);
      expect(internal.hits()).toBe(0);
    } finally {
      await internal.close();
    }
  });

  it("does not follow a receiver's 307 to an internal route", async () => {
    const internal = await internalService();
    const receiver = await redirectingReceiver(`http://127.0.0.1:${internal.port}/api/cron/alerts`);
    try {
      const { org } = await newOrg();
      await addAlertChannel(org.id, ADMIN, { kind: "webhook", target: receiver.url });
      await pendingDeliveryTo(org.id, receiver.url);
      await deliverPending(org.id, { maxAttempts: 1 });
      const [d] = await listDeliveries(org.id);
      expect(d).toMatchObject({ status: "failed", last_error: "redirect not followed" });
      expect(internal.hits()).toBe(0);
    } finally {
      await receiver.close();
      await internal.close();
    }
  });

  it("lets the named test receiver through the allow-list, and only it", async () => {
    const hook = await webhookServer(0);
    try {
      setAllow("127.0.0.1");
      const { org } = await newOrg();
      await addAlertChannel(org.id, ADMIN, { kind: "webhook", target: hook.url });
      await pendingDeliveryTo(org.id, hook.url);
      expect(await deliverPending(org.id, { maxAttempts: 1 })).toEqual({ delivered: 1, failed: 0 });
      expect(hook.received).toHaveLength(1);

      setAllow(undefined);
      await pendingDeliveryTo(org.id, hook.url);
      expect(await deliverPending(org.id, { maxAttempts: 1 })).toEqual({ delivered: 0, failed: 1 });
      expect(hook.received).toHaveLength(1);
    } finally {
      await hook.close();
    }
  });

  it("refuses a name that resolves to loopback on the connection's own lookup (after DNS)", async () => {
    setAllow(undefined);
    const lookup = checkedLookup(allowList(), false);
    const err = await new Promise<unknown>((resolve) => lookup("localhost", {}, (e) => resolve(e)));
    expect(err).toBeInstanceOf(OutboundRefused);
    setAllow("127.0.0.1");
    const ok = await new Promise<unknown>((resolve) => checkedLookup(allowList(), false)("localhost", { family: 4 }, (e, address) => resolve(e ?? address)));
    expect(ok).toBe("127.0.0.1");
  });

  it("classifies addresses with ipaddr.js: public unicast only, CIDR allow entries honoured", () => {
    setAllow("10.1.0.0/16, ::ffff:192.168.7.7");
    expect(isAllowedAddress("93.184.216.34")).toBe(true);
    expect(isAllowedAddress("2606:2800:220:1:248:1893:25c8:1946")).toBe(true);
    expect(isAllowedAddress("10.1.2.3")).toBe(true);
    expect(isAllowedAddress("10.2.0.1")).toBe(false);
    expect(isAllowedAddress("192.168.7.7")).toBe(true);
    expect(isAllowedAddress("::ffff:10.1.0.9")).toBe(true);
    expect(isAllowedAddress("::ffff:169.254.169.254")).toBe(false);
    expect(isAllowedAddress("fe80::1%eth0")).toBe(false);
    expect(isAllowedAddress("not an address")).toBe(false);
  });
});
