/** A submitted job followed live: state, stage, progress, cancel, and its error if it fails. */
import { useMutation } from "@tanstack/react-query";
import { useEffect, useRef } from "react";

import { api, unwrap, type Job } from "@/api/client";
import { useJobEvents } from "@/hooks/useJobEvents";
import { useT } from "@/i18n/i18n";
import { TERMINAL } from "@/lib/jobState";
import { Button } from "@/ui/button";
import { Notice, ProgressBar } from "@/ui/feedback";
import { ErrorNotice } from "@/components/ErrorNotice";

import { StatusBadge } from "./StatusBadge";

export function JobProgress({ jobId, onFinished }: { jobId: string; onFinished?: (job: Job) => void }) {
  const t = useT();
  const live = useJobEvents(jobId);
  const cancel = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/jobs/{job_id}/cancel", { params: { path: { job_id: jobId } } })),
  });
  const finished = live !== null && TERMINAL.has(live.status);
  const finishedJob = live?.job;
  const report = useRef(onFinished);
  report.current = onFinished;
  useEffect(() => {
    if (finishedJob) report.current?.(finishedJob);
  }, [finishedJob]);
  return (
    <div className="flex flex-col gap-2" aria-live="polite" data-testid="job-progress" data-status={live?.status ?? "connecting"}>
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <StatusBadge status={live?.status ?? "queued"} />
        {live?.stage && <span className="text-muted">{live.stage}</span>}
        {live?.message && <span className="text-muted">— {live.message}</span>}
        {!finished && (
          <Button size="sm" variant="secondary" className="ml-auto" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
            {cancel.isPending ? t("jobs.cancelling") : t("jobs.cancel")}
          </Button>
        )}
      </div>
      {!finished && <ProgressBar value={live?.progress ?? 0} label={t("jobs.progress")} />}
      {live?.job?.error && (
        <Notice tone="danger" role="alert" title={t("jobs.failed")}>
          {live.job.error.message}
        </Notice>
      )}
      <ErrorNotice error={cancel.error} />
    </div>
  );
}
