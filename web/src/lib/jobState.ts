/**
 * Live job state from server events. The server's snapshot always wins: every (re)connect
 * starts with one, so a progress bar can never keep running on a stale delta after a cancel
 * or a reconnect (the bug ComfyUI panels show); a finished job ignores anything after it.
 */
import type { Job } from "@/api/client";

export const TERMINAL = new Set(["completed", "failed", "cancelled"]);
export const ACTIVE = ["queued", "submitted", "running"] as const;

export interface LiveJob {
  status: string;
  progress: number;
  stage: string;
  message?: string | undefined;
  /** The whole job, once it has finished. */
  job?: Job | undefined;
}

export interface JobEvent {
  event: string;
  data: string;
}

function parse(data: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(data);
    return value && typeof value === "object" ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const num = (value: unknown, fallback: number): number => (typeof value === "number" ? value : fallback);
const str = (value: unknown, fallback: string): string => (typeof value === "string" ? value : fallback);

/** One job's stream: `status` (snapshot), `started` / `progress` (deltas), then the outcome. */
export function reduceJobEvent(state: LiveJob | null, { event, data }: JobEvent): LiveJob | null {
  const body = parse(data);
  if (!body) return state;
  if (TERMINAL.has(event)) {
    const job = body as unknown as Job;
    return { status: job.status, progress: job.progress, stage: job.stage, job };
  }
  if (event === "status") {
    return { status: str(body.status, "queued"), progress: num(body.progress, 0), stage: str(body.stage, "") };
  }
  if (state && TERMINAL.has(state.status)) return state;
  return {
    status: str(body.status, state?.status ?? "running"),
    progress: num(body.progress, state?.progress ?? 0),
    stage: str(body.stage, state?.stage ?? ""),
    message: typeof body.message === "string" ? body.message : state?.message,
  };
}

/**
 * The tenant's jobs from GET /api/v1/events (GATEWAY_NEEDS.md): `snapshot` replaces
 * everything, `job` upserts one job unless it would move a finished job back.
 */
export function reduceTenantEvent(jobs: Map<string, Job>, { event, data }: JobEvent): Map<string, Job> {
  const body = parse(data);
  if (!body) return jobs;
  if (event === "snapshot" && Array.isArray(body.jobs)) {
    return new Map((body.jobs as Job[]).map((job) => [job.id, job]));
  }
  if (event === "job" && typeof body.id === "string") {
    const job = body as unknown as Job;
    const known = jobs.get(job.id);
    if (known && TERMINAL.has(known.status) && !TERMINAL.has(job.status)) return jobs;
    const next = new Map(jobs);
    next.set(job.id, job);
    return next;
  }
  return jobs;
}

export function isActive(status: string): boolean {
  return (ACTIVE as readonly string[]).includes(status);
}
