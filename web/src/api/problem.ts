/** Errors from the gateway: application/problem+json with a `detail` a user can act on. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The `detail` of a problem body, if it has one. */
export function problemDetail(body: unknown): string | null {
  if (body && typeof body === "object" && "detail" in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === "string" && detail) return detail;
  }
  return null;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * The server has no such route or method: the feature is missing there (GATEWAY_NEEDS.md).
 * A 404 for an unknown id names the id ("job … not found"); the router's own 404 does not.
 */
export function isMissingEndpoint(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  if (error.status === 405) return true;
  const detail = (problemDetail(error.body) ?? "").toLowerCase();
  return error.status === 404 && (detail === "" || detail === "not found" || detail.startsWith("no such endpoint"));
}
