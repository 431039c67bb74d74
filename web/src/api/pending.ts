/**
 * Endpoints the UI needs that the gateway does not have yet, with the shapes web/GATEWAY_NEEDS.md
 * specifies. Each is used only when the server's OpenAPI document lists it (capabilities.ts);
 * otherwise its feature says "not available on this server". When the gateway gains one,
 * `make web-api` types it and its entry here moves to the generated client.
 */
import { requestJson, type Project } from "./client";

export const PENDING = {
  deleteJob: "DELETE /api/v1/jobs/{job_id}",
  deleteAsset: "DELETE /api/v1/assets/{asset_id}",
  exportAsset: "GET /api/v1/assets/{asset_id}/export",
  exportProject: "GET /api/v1/studio/projects/{project_id}/export",
  versions: "GET /api/v1/studio/projects/{project_id}/versions",
  render: "POST /api/v1/studio/projects/{project_id}/render",
  restore: "POST /api/v1/studio/projects/{project_id}/versions/{version}/restore",
  duplicate: "POST /api/v1/studio/projects/{project_id}/duplicate",
  keys: "GET /api/v1/keys",
  createKey: "POST /api/v1/keys",
  revokeKey: "DELETE /api/v1/keys/{key_id}",
  presets: "GET /api/v1/presets",
  savePreset: "POST /api/v1/presets",
  deletePreset: "DELETE /api/v1/presets/{preset_id}",
} as const;

export type PendingOperation = (typeof PENDING)[keyof typeof PENDING];

export interface ProjectVersion {
  number: number;
  status: "running" | "completed" | "failed";
  /** Scenes (1-based) rendered anew for this version; empty = the whole film. */
  scenes: number[];
  created_at: string;
  /** The version's film and sidecars (asset ids), once composed. */
  film_asset_id: string | null;
  subtitles_asset_id: string | null;
  poster_asset_id: string | null;
  current: boolean;
}

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

export type ExportFormat = "png" | "jpeg" | "webp" | "wav" | "mp3" | "mp4";

const path = (template: string, values: Record<string, string | number>): string =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(values[name])));

const url = (operation: PendingOperation, values: Record<string, string | number> = {}): string =>
  path(operation.split(" ")[1] ?? "", values);

export const pending = {
  deleteJob: (jobId: string) => requestJson<void>("DELETE", url(PENDING.deleteJob, { job_id: jobId })),
  deleteAsset: (assetId: string) => requestJson<void>("DELETE", url(PENDING.deleteAsset, { asset_id: assetId })),
  exportUrl: (assetId: string, format: ExportFormat) =>
    `${url(PENDING.exportAsset, { asset_id: assetId })}?format=${format}`,
  projectZipUrl: (projectId: string) => url(PENDING.exportProject, { project_id: projectId }),
  versions: (projectId: string) =>
    requestJson<ProjectVersion[]>("GET", url(PENDING.versions, { project_id: projectId })),
  render: (projectId: string, scenes: number[]) =>
    requestJson<ProjectVersion>("POST", url(PENDING.render, { project_id: projectId }), { scenes }),
  restore: (projectId: string, version: number) =>
    requestJson<Project>("POST", url(PENDING.restore, { project_id: projectId, version })),
  duplicate: (projectId: string) => requestJson<Project>("POST", url(PENDING.duplicate, { project_id: projectId })),
  keys: () => requestJson<ApiKey[]>("GET", url(PENDING.keys)),
  createKey: (name: string) => requestJson<ApiKey>("POST", url(PENDING.createKey), { name }),
  revokeKey: (keyId: string) => requestJson<void>("DELETE", url(PENDING.revokeKey, { key_id: keyId })),
  presets: () => requestJson<ServerPreset[]>("GET", url(PENDING.presets)),
  savePreset: (preset: Omit<ServerPreset, "id" | "created_at">) =>
    requestJson<ServerPreset>("POST", url(PENDING.savePreset), preset),
  deletePreset: (presetId: string) => requestJson<void>("DELETE", url(PENDING.deletePreset, { preset_id: presetId })),
};
