/**
 * What this gateway can do, read from its own OpenAPI document (public at /docs/openapi.json).
 * Features whose endpoints are missing show an honest "not available on this server" state
 * instead of failing or faking data; GATEWAY_NEEDS.md lists them.
 */
import { useQuery } from "@tanstack/react-query";

interface OpenApiDocument {
  paths?: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
  components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> };
}

export const OPENAPI_URL = "/docs/openapi.json";

export class Capabilities {
  constructor(private readonly doc: OpenApiDocument) {}

  /** `has("POST /api/v1/jobs/{job_id}/retry")`: the operation exists. */
  has(operation: string): boolean {
    const [method = "", path = ""] = operation.split(" ");
    return Boolean(this.doc.paths?.[path]?.[method.toLowerCase()]);
  }

  /** The operation takes this query parameter. */
  hasParam(operation: string, name: string): boolean {
    const [method = "", path = ""] = operation.split(" ");
    const parameters = this.doc.paths?.[path]?.[method.toLowerCase()]?.parameters ?? [];
    return parameters.some((parameter) => parameter.name === name && parameter.in === "query");
  }

  /** The named request/response schema has this field. */
  hasField(schema: string, field: string): boolean {
    return Boolean(this.doc.components?.schemas?.[schema]?.properties?.[field]);
  }
}

export async function loadCapabilities(): Promise<Capabilities> {
  const response = await fetch(OPENAPI_URL, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${OPENAPI_URL}: ${response.status}`);
  return new Capabilities((await response.json()) as OpenApiDocument);
}

/** The server's capabilities; undefined while loading (features then wait, they are not hidden). */
export function useCapabilities(): Capabilities | undefined {
  return useQuery({ queryKey: ["capabilities"], queryFn: loadCapabilities, staleTime: Infinity, retry: 1 }).data;
}
