import { UAParser } from "ua-parser-js";

/** What a user agent says about the device, for LOGIN_SUCCESS events and the event detail. */
export interface Device {
  browser: string | null;
  os: string | null;
  device: string | null;
  /** "Chrome 120 / Windows", as the event detail shows it. */
  summary: string | null;
}

export function describeDevice(userAgent: string | null | undefined): Device {
  if (!userAgent) return { browser: null, os: null, device: null, summary: null };
  const r = UAParser(userAgent);
  const browser = r.browser.name ? [r.browser.name, r.browser.major].filter(Boolean).join(" ") : null;
  const os = r.os.name ? [r.os.name, r.os.version].filter(Boolean).join(" ") : null;
  const device = r.device.vendor || r.device.model ? [r.device.vendor, r.device.model].filter(Boolean).join(" ") : (r.device.type ?? null);
  const summary = [browser, r.os.name ?? null].filter(Boolean).join(" / ") || null;
  return { browser, os, device, summary };
}
