/**
 * Endpoints the UI needs that the gateway does not have yet, with the shapes web/GATEWAY_NEEDS.md
 * specifies. Each is used only when the server's OpenAPI document lists it (capabilities.ts);
 * otherwise its feature says "not available on this server". When the gateway gains one,
 * `make web-api` types it and its entry here moves to the generated client.
 */
import { requestJson, type Job } from "./client";

export const PENDING = {
  events: "GET /api/v1/events",
  cancelAll: "POST /api/v1/jobs/cancel",
  retry: "POST /api/v1/jobs/{job_id}/retry",
} as const;

export type PendingOperation = (typeof PENDING)[keyof typeof PENDING];

const path = (template: string, values: Record<string, string | number>): string =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(values[name])));

const url = (operation: PendingOperation, values: Record<string, string | number> = {}): string =>
  path(operation.split(" ")[1] ?? "", values);

export const pending = {
  cancelAll: () =>
    requestJson<{ cancelled: string[] }>("POST", url(PENDING.cancelAll), {
      status: ["queued", "submitted", "running"],
    }),
  retry: (jobId: string) => requestJson<Job>("POST", url(PENDING.retry, { job_id: jobId })),
};
