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
  keys: "GET /api/v1/keys",
  createKey: "POST /api/v1/keys",
  revokeKey: "DELETE /api/v1/keys/{key_id}",
  presets: "GET /api/v1/presets",
  savePreset: "POST /api/v1/presets",
  deletePreset: "DELETE /api/v1/presets/{preset_id}",
} as const;

export type PendingOperation = (typeof PENDING)[keyof typeof PENDING];

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  /** Only in the answer to its creation. */
  key?: string;
}

export interface ServerPreset {
  id: string;
  name: string;
  kind: string;
  tags: string[];
  values: Record<string, unknown>;
  created_at: string;
}

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
  keys: () => requestJson<ApiKey[]>("GET", url(PENDING.keys)),
  createKey: (name: string) => requestJson<ApiKey>("POST", url(PENDING.createKey), { name }),
  revokeKey: (keyId: string) => requestJson<void>("DELETE", url(PENDING.revokeKey, { key_id: keyId })),
  presets: () => requestJson<ServerPreset[]>("GET", url(PENDING.presets)),
  savePreset: (preset: Omit<ServerPreset, "id" | "created_at">) =>
    requestJson<ServerPreset>("POST", url(PENDING.savePreset), preset),
  deletePreset: (presetId: string) => requestJson<void>("DELETE", url(PENDING.deletePreset, { preset_id: presetId })),
};
