import { openApiDocument } from "@/lib/http/openapi";

export const runtime = "nodejs";

/** The OpenAPI document of /api/v1, public like any API reference. */
export function GET(): Response {
  return Response.json(openApiDocument());
}
