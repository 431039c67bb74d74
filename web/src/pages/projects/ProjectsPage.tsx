/** Your projects, newest first, with their state; start a new one or duplicate one. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Copy, Plus } from "lucide-react";
import { Link } from "react-router";

import { api, unwrap } from "@/api/client";
import { ErrorNotice } from "@/components/ErrorNotice";
import { StatusBadge } from "@/components/StatusBadge";
import { useLocale } from "@/i18n/i18n";
import { formatDate } from "@/lib/format";
import { Button } from "@/ui/button";
import { Card, PageTitle } from "@/ui/card";
import { ProgressBar, Spinner } from "@/ui/feedback";

export default function ProjectsPage() {
  const { t, locale } = useLocale();
  const queryClient = useQueryClient();
  const projects = useQuery({
    queryKey: ["projects"],
    queryFn: () => unwrap(api.GET("/api/v1/studio/projects", { params: { query: { limit: 100 } } })),
    refetchInterval: (query) => (query.state.data?.some((project) => project.status === "running") ? 2000 : false),
  });
  const duplicate = useMutation({
    mutationFn: (projectId: string) =>
      unwrap(api.POST("/api/v1/studio/projects/{project_id}/duplicate", { params: { path: { project_id: projectId } }, body: {} })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["projects"] }),
  });

  return (
    <>
      <PageTitle
        actions={
          <Link to="/projects/new" className="inline-flex h-10 items-center gap-2 rounded-md bg-accent px-4 text-sm font-medium text-accent-ink">
            <Plus className="size-4" aria-hidden />
            {t("projects.new")}
          </Link>
        }
      >
        {t("projects.title")}
      </PageTitle>
      <Card>
        <ErrorNotice error={duplicate.error} />
        {projects.isPending ? (
          <Spinner label={t("common.loading")} />
        ) : projects.error ? (
          <ErrorNotice error={projects.error} />
        ) : projects.data.length === 0 ? (
          <p className="text-sm text-muted">{t("projects.empty")}</p>
        ) : (
          <ul aria-label={t("projects.title")}>
            {projects.data.map((project) => (
              <li key={project.id} className="flex flex-wrap items-center gap-3 border-b border-line py-3 last:border-b-0" data-testid="project-row">
                <div className="flex min-w-0 flex-1 flex-col gap-1">
                  <Link to={`/projects/${project.id}`} className="font-medium text-accent underline-offset-2 hover:underline">
                    {project.name}
                  </Link>
                  <div className="flex flex-wrap items-center gap-2 text-xs text-muted">
                    <StatusBadge status={project.status} />
                    <span>{t("projects.steps", { done: project.steps_completed, total: project.steps_total })}</span>
                    <span>{formatDate(project.created_at, locale)}</span>
                  </div>
                  {project.status === "running" && project.steps_total > 0 && (
                    <ProgressBar value={project.steps_completed / project.steps_total} label={t("projects.progressOf", { name: project.name })} />
                  )}
                </div>
                <Button size="sm" onClick={() => duplicate.mutate(project.id)} aria-label={t("projects.duplicateOne", { name: project.name })}>
                  <Copy className="size-4" aria-hidden />
                  {t("projects.duplicate")}
                </Button>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}
