import { openApiDocument } from "@/lib/api/openapi";

export const runtime = "nodejs";

/** The OpenAPI document of /api/v1, public like any API reference. */
export function GET(): Response {
  return Response.json(openApiDocument());
}
