/** The queue and recent jobs across every modality, live, with service health. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Ban } from "lucide-react";

import { api, unwrap } from "@/api/client";
import { JobRow } from "@/components/JobRow";
import { ErrorNotice } from "@/components/ErrorNotice";
import { useHealth } from "@/hooks/useHealth";
import { useLiveJobs } from "@/hooks/useLiveJobs";
import { useT } from "@/i18n/i18n";
import { Button } from "@/ui/button";
import { Card, CardTitle, PageTitle } from "@/ui/card";
import { Badge, Notice, Spinner } from "@/ui/feedback";

function Health() {
  const t = useT();
  const health = useHealth();
  if (health.isPending) return <Spinner label={t("common.loading")} />;
  if (!health.data) return <Notice tone="danger" role="alert" title={t("health.unreachable")} />;
  return (
    <ul className="grid grid-cols-2 gap-2 sm:grid-cols-4" aria-label={t("health.services")}>
      {Object.entries(health.data.checks).map(([name, check]) => {
        const ok = (check as { ok?: boolean }).ok === true;
        return (
          <li key={name} className="flex items-center justify-between gap-2 rounded-md border border-line px-3 py-2 text-sm">
            <span className="truncate">{name}</span>
            <span title={String((check as { detail?: unknown }).detail ?? "")}>
              <Badge tone={ok ? "ok" : "danger"}>{ok ? t("health.ok") : t("health.down")}</Badge>
            </span>
          </li>
        );
      })}
    </ul>
  );
}

export default function DashboardPage() {
  const t = useT();
  const live = useLiveJobs();
  const queryClient = useQueryClient();
  // An empty filter: every queued, submitted or running job of the account.
  const cancelAll = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/jobs/cancel", { body: {} })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["jobs"] }),
  });

  return (
    <>
      <PageTitle>{t("dashboard.title")}</PageTitle>
      <div className="flex flex-col gap-4">
        <Card aria-labelledby="health-title">
          <CardTitle id="health-title">{t("health.title")}</CardTitle>
          <Health />
        </Card>
        <Card aria-labelledby="queue-title">
          <CardTitle
            id="queue-title"
            actions={
              <>
                <Badge tone={live.mode === "stream" ? "ok" : "neutral"}>
                  {t(live.mode === "stream" ? "dashboard.live" : live.mode === "polling" ? "dashboard.polling" : "dashboard.connecting")}
                </Badge>
                <Button size="sm" variant="danger" disabled={live.active.length === 0 || cancelAll.isPending} onClick={() => cancelAll.mutate()}>
                  <Ban className="size-4" aria-hidden />
                  {t("dashboard.cancelAll")}
                </Button>
              </>
            }
          >
            {t("dashboard.queue", { count: live.active.length })}
          </CardTitle>
          <ErrorNotice error={cancelAll.error} />
          {live.loading ? (
            <Spinner label={t("common.loading")} />
          ) : live.active.length === 0 ? (
            <p className="text-sm text-muted">{t("dashboard.queueEmpty")}</p>
          ) : (
            <ul aria-label={t("dashboard.queueList")}>
              {live.active.map((job) => (
                <JobRow key={job.id} job={job} />
              ))}
            </ul>
          )}
        </Card>
        <Card aria-labelledby="recent-title">
          <CardTitle id="recent-title">{t("dashboard.recent")}</CardTitle>
          {live.loading ? (
            <Spinner label={t("common.loading")} />
          ) : live.recent.length === 0 ? (
            <p className="text-sm text-muted">{t("dashboard.recentEmpty")}</p>
          ) : (
            <ul aria-label={t("dashboard.recentList")}>
              {live.recent.map((job) => (
                <JobRow key={job.id} job={job} />
              ))}
            </ul>
          )}
        </Card>
      </div>
    </>
  );
}
