/** What a job is, in words: its kind, the text or prompt it was given, its main output. */
import type { Asset, Job } from "@/api/client";
import { en, type MessageKey } from "@/i18n/en";
import type { Translate } from "@/i18n/i18n";

/** A job type's name in the UI's language ("audio.synthesize": "Speech"); an unknown type as it is. */
export function jobTypeLabel(type: string, t: Translate): string {
  const key = `jobType.${type}`;
  return key in en ? t(key as MessageKey) : type;
}

/** The prompt, text or description the job was asked for, if any. */
export function jobSummary(job: Pick<Job, "parameters">): string {
  const parameters = job.parameters as Record<string, unknown>;
  for (const key of ["prompt", "text", "description", "instruction", "motion", "name"]) {
    const value = parameters[key];
    if (typeof value === "string" && value.trim()) return value;
  }
  const timeline = parameters.timeline as { title?: unknown } | undefined;
  return typeof timeline?.title === "string" ? timeline.title : "";
}

const OUTPUT_ORDER = ["video", "image", "audio", "subtitles"];

/** The asset that best stands for the job's result (the film over its subtitles, and so on). */
export function mainOutput(assets: Asset[]): Asset | undefined {
  return [...assets].sort((a, b) => OUTPUT_ORDER.indexOf(a.type) - OUTPUT_ORDER.indexOf(b.type))[0];
}
