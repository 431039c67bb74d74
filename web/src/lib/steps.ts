/** A production's steps, grouped as a creator thinks of them (portraits, frames, narration …). */
import type { Job } from "@/api/client";
import type { MessageKey } from "@/i18n/en";

export interface PlannedStep {
  id: string;
  name: string;
  label: string;
  service: string;
  job_id: string | null;
  /** The scene (1-based) the step belongs to; null for film-wide steps (portraits, music, final cut). */
  scene: number | null;
  /** The project version that made the step's result. */
  version: number | null;
}

/** The scene of a step: the server's `scene`, or the number in names like "pictures:3" (older servers). */
function sceneOf(step: Record<string, unknown>, name: string): number | null {
  if (typeof step.scene === "number") return step.scene;
  if (step.scene === null) return null;
  const match = /^(frame|narration|talk|animate|pictures):(\d+)$/.exec(name);
  return match ? Number(match[2]) : null;
}

export const STEP_GROUPS: { key: string; prefixes: string[]; label: MessageKey }[] = [
  { key: "portraits", prefixes: ["portrait"], label: "steps.portraits" },
  { key: "frames", prefixes: ["frame"], label: "steps.frames" },
  { key: "narration", prefixes: ["narration"], label: "steps.narration" },
  { key: "music", prefixes: ["music"], label: "steps.music" },
  { key: "motion", prefixes: ["animate", "talk"], label: "steps.motion" },
  { key: "pictures", prefixes: ["pictures"], label: "steps.pictures" },
  { key: "sound", prefixes: ["sound"], label: "steps.sound" },
  { key: "final", prefixes: ["compose"], label: "steps.final" },
];

export function plannedSteps(raw: Record<string, unknown>[]): PlannedStep[] {
  return raw.map((step) => ({
    id: String(step.id ?? ""),
    name: String(step.name ?? ""),
    label: String(step.label ?? step.name ?? ""),
    service: String(step.service ?? ""),
    job_id: typeof step.job_id === "string" ? step.job_id : null,
    scene: sceneOf(step, String(step.name ?? "")),
    version: typeof step.version === "number" ? step.version : null,
  }));
}

export function groupSteps(steps: PlannedStep[]): { key: string; label: MessageKey; steps: PlannedStep[] }[] {
  const prefixOf = (step: PlannedStep) => step.name.split(":")[0] ?? step.name;
  const groups = STEP_GROUPS.map((group) => ({
    key: group.key,
    label: group.label,
    steps: steps.filter((step) => group.prefixes.includes(prefixOf(step))),
  }));
  const known = new Set(STEP_GROUPS.flatMap((group) => group.prefixes));
  const others = steps.filter((step) => !known.has(prefixOf(step)));
  if (others.length > 0) groups.push({ key: "other", label: "steps.other", steps: others });
  return groups.filter((group) => group.steps.length > 0);
}

/** A step's state: its job's, or "waiting" before its job exists. */
export function stepStatus(step: PlannedStep, jobs: Map<string, Job>): string {
  return (step.job_id && jobs.get(step.job_id)?.status) || "waiting";
}
