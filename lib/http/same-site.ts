/**
 * Console GET routes (and /api/v1 under a console session) that act in the signed-in person's name — an export, a report download,
 * both recorded in the trail — answer only requests this site started (a link or form on a
 * Vigil page: Sec-Fetch-Site same-origin) or the person did (typed, bookmarked: none). A link
 * or image on another site would send the cookie along and record a download the person never
 * made (docs/security.md, finding 10). Browsers that send no Sec-Fetch-Site are let through:
 * the header is absent only outside browsers, where no one else's cookie is in play.
 */
export function isCrossSite(req: Request): boolean {
  const site = req.headers.get("sec-fetch-site");
  return !(site === null || site === "same-origin" || site === "none");
}

export function crossSiteRefusal(req: Request, startFrom: string): Response | undefined {
  if (!isCrossSite(req)) return undefined;
  return new Response(`${startFrom}: requests from other sites are refused.`, { status: 403, headers: { "Cache-Control": "no-store" } });
}
