/** One job in a list: kind, prompt, state, live progress, thumbnail of its result, actions. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { AudioLines, Film, FileText, RotateCcw, X } from "lucide-react";
import type { ReactNode } from "react";

import { api, unwrap, type Asset, type Job } from "@/api/client";
import { thumbnailUrl, useObjectUrl } from "@/api/media";
import { errorMessage } from "@/api/problem";
import { useLocale } from "@/i18n/i18n";
import { formatDate } from "@/lib/format";
import { isActive } from "@/lib/jobState";
import { jobSummary, jobTypeLabel, mainOutput } from "@/lib/jobs";
import { Button } from "@/ui/button";
import { ProgressBar } from "@/ui/feedback";

import { StatusBadge } from "./StatusBadge";

/** The asset's thumbnail (a small WebP the gateway makes of an image or a video's frame), else an icon. */
export function Thumbnail({ asset, label }: { asset: Asset | undefined; label: string }) {
  const pictured = asset?.type === "image" || asset?.type === "video" ? asset : undefined;
  const { src, error } = useObjectUrl(pictured ? thumbnailUrl(pictured.id) : undefined);
  const box = "flex size-12 shrink-0 items-center justify-center overflow-hidden rounded-md border border-line bg-surface-2";
  if (pictured && !error) return <div className={box}>{src && <img src={src} alt={label} className="size-full object-cover" />}</div>;
  const Icon = asset?.type === "video" ? Film : asset?.type === "audio" ? AudioLines : FileText;
  return (
    <div className={box} aria-hidden>
      <Icon className="size-5 text-muted" />
    </div>
  );
}

export function JobRow({ job, extra }: { job: Job; extra?: ReactNode }) {
  const { t, locale } = useLocale();
  const queryClient = useQueryClient();
  const summary = jobSummary(job);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["jobs"] });
  const cancel = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/jobs/{job_id}/cancel", { params: { path: { job_id: job.id } } })),
    onSettled: refresh,
  });
  // A new job with the same request (`retry_of` names this one); the live list shows it.
  const retry = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/jobs/{job_id}/retry", { params: { path: { job_id: job.id } } })),
    onSettled: refresh,
  });
  const canRetry = (job.status === "failed" || job.status === "cancelled") && !job.step_id && job.type !== "audio.register_voice";
  const active = isActive(job.status);
  const error = cancel.error ?? retry.error;

  return (
    <li className="flex gap-3 border-b border-line py-3 last:border-b-0" data-testid="job-row" data-job-id={job.id} data-status={job.status}>
      <Thumbnail asset={mainOutput(job.assets)} label={summary || job.type} />
      <div className="flex min-w-0 flex-1 flex-col gap-1">
        <div className="flex flex-wrap items-center gap-2">
          <span className="text-sm font-medium">{jobTypeLabel(job.type, t)}</span>
          <StatusBadge status={job.status} />
          <span className="text-xs text-muted">{formatDate(job.created_at, locale)}</span>
        </div>
        {summary && <p className="truncate text-sm text-muted">{summary}</p>}
        {active && <ProgressBar value={job.progress} label={t("jobs.progressOf", { job: summary || job.type })} />}
        {job.error && <p className="text-sm text-danger">{job.error.message}</p>}
        {error && <p role="alert" className="text-sm text-danger">{errorMessage(error)}</p>}
        {extra}
      </div>
      <div className="flex shrink-0 flex-col gap-1">
        {active && (
          <Button size="sm" onClick={() => cancel.mutate()} disabled={cancel.isPending} aria-label={t("jobs.cancelOne", { job: summary || job.type })}>
            <X className="size-4" aria-hidden />
            <span className="hidden sm:inline">{t("jobs.cancel")}</span>
          </Button>
        )}
        {canRetry && (
          <Button size="sm" onClick={() => retry.mutate()} disabled={retry.isPending} aria-label={t("jobs.retryOne", { job: summary || job.type })}>
            <RotateCcw className="size-4" aria-hidden />
            <span className="hidden sm:inline">{t("jobs.retry")}</span>
          </Button>
        )}
      </div>
    </li>
  );
}
