/**
 * One project: its pipeline step by step (state, time, preview), live while it runs; the film
 * with subtitles and its downloads; and its versions (re-render, compare, restore).
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Download, FileArchive, RefreshCw, Undo2 } from "lucide-react";
import { useMemo, useState } from "react";
import { Link, useParams } from "react-router";

import { api, unwrap, type Asset, type Job, type ProjectVersion } from "@/api/client";
import { extensionOf, fetchBlob, projectZipUrl, saveAs, saveBlob, streamUrl } from "@/api/media";
import { Thumbnail } from "@/components/JobRow";
import { ErrorNotice } from "@/components/ErrorNotice";
import { PreviewPlayer } from "@/components/PreviewPlayer";
import { StatusBadge } from "@/components/StatusBadge";
import { useLocale, useT } from "@/i18n/i18n";
import { elapsedSeconds, formatDate, formatDuration } from "@/lib/format";
import { mainOutput } from "@/lib/jobs";
import { groupSteps, plannedSteps, stepStatus, type PlannedStep } from "@/lib/steps";
import { srtToVtt } from "@/lib/subtitles";
import { Button } from "@/ui/button";
import { Card, CardTitle, PageTitle } from "@/ui/card";
import { Notice, ProgressBar, Spinner } from "@/ui/feedback";

function StepRow({ step, job }: { step: PlannedStep; job: Job | undefined }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const status = job?.status ?? "waiting";
  const seconds = elapsedSeconds(job?.started_at, job?.completed_at);
  const output = job ? mainOutput(job.assets) : undefined;
  return (
    <li className="flex flex-col gap-2 border-b border-line py-2 last:border-b-0" data-testid="step-row" data-step={step.name} data-status={status}>
      <div className="flex flex-wrap items-center gap-3">
        <Thumbnail asset={output} label={step.label} />
        <span className="min-w-0 flex-1 text-sm">{step.label}</span>
        {step.version !== null && step.version > 1 && (
          <span className="text-xs text-muted" data-testid="step-version">
            {t("versions.version", { n: step.version })}
          </span>
        )}
        {status === "waiting" ? <span className="text-xs text-muted">{t("steps.waiting")}</span> : <StatusBadge status={status} />}
        {seconds !== null && <span className="text-xs text-muted tabular-nums">{formatDuration(seconds)}</span>}
        {output && output.type !== "image" && (
          <Button size="sm" onClick={() => setOpen((value) => !value)} aria-expanded={open}>
            {open ? t("steps.hidePreview") : t("steps.preview")}
          </Button>
        )}
      </div>
      {status === "running" && job && <ProgressBar value={job.progress} label={t("jobs.progressOf", { job: step.label })} />}
      {job?.error && <p className="text-sm text-danger">{job.error.message}</p>}
      {open && output && <PreviewPlayer asset={output} label={step.label} />}
    </li>
  );
}

function useSubtitles(srt: Asset | undefined, vtt: Asset | undefined): string | null {
  const source = vtt ?? srt;
  const text = useQuery({
    queryKey: ["subtitles", source?.id],
    queryFn: async () => (await fetchBlob(streamUrl(source!.links.download))).text(),
    enabled: Boolean(source),
    staleTime: Infinity,
  });
  if (!text.data) return null;
  return vtt ? text.data : srtToVtt(text.data);
}

function Film({ projectName, assets }: { projectName: string; assets: Asset[] }) {
  const t = useT();
  const film = assets.find((asset) => asset.role === "video");
  const srt = assets.find((asset) => asset.role === "srt");
  const vtt = assets.find((asset) => asset.role === "vtt");
  const poster = assets.find((asset) => asset.role === "poster");
  const subtitles = useSubtitles(srt, vtt);
  if (!film) return null;
  const base = projectName.replace(/[^\p{L}\p{N}_-]+/gu, "-").replace(/^-|-$/g, "") || "film";
  const download = (asset: Asset, extension = extensionOf(asset.content_type)) =>
    void saveAs(streamUrl(asset.links.download), `${base}.${extension}`);
  return (
    <div className="flex flex-col gap-3">
      <PreviewPlayer asset={film} label={t("projects.film")} subtitles={subtitles} />
      <div className="flex flex-wrap gap-2" role="group" aria-label={t("projects.downloads")}>
        <Button onClick={() => download(film)}>
          <Download className="size-4" aria-hidden />
          {t("projects.downloadMp4")}
        </Button>
        {srt && (
          <Button onClick={() => download(srt, "srt")}>
            <Download className="size-4" aria-hidden />
            {t("projects.downloadSrt")}
          </Button>
        )}
        {vtt ? (
          <Button onClick={() => download(vtt, "vtt")}>
            <Download className="size-4" aria-hidden />
            {t("projects.downloadVtt")}
          </Button>
        ) : (
          subtitles && (
            <Button onClick={() => saveBlob(new Blob([subtitles], { type: "text/vtt" }), `${base}.vtt`)} title={t("projects.vttConverted")}>
              <Download className="size-4" aria-hidden />
              {t("projects.downloadVtt")}
            </Button>
          )
        )}
        {poster && (
          <Button onClick={() => download(poster)}>
            <Download className="size-4" aria-hidden />
            {t("projects.downloadPoster")}
          </Button>
        )}
      </div>
    </div>
  );
}

function Versions({ projectId, scenes, running }: { projectId: string; scenes: number[]; running: boolean }) {
  const { t, locale } = useLocale();
  const queryClient = useQueryClient();
  const [compare, setCompare] = useState<number[]>([]);
  const path = { project_id: projectId };
  const versions = useQuery({
    queryKey: ["versions", projectId],
    queryFn: () => unwrap(api.GET("/api/v1/studio/projects/{project_id}/versions", { params: { path } })),
    // Until the newest version has settled too (the project may finish between two reads).
    refetchInterval: (query) => (running || query.state.data?.some((version) => version.status === "running") ? 2000 : false),
  });
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: ["versions", projectId] }), queryClient.invalidateQueries({ queryKey: ["project", projectId] })]);
  const render = useMutation({
    mutationFn: (only: number[]) => unwrap(api.POST("/api/v1/studio/projects/{project_id}/render", { params: { path }, body: { scenes: only } })),
    onSuccess: refresh,
  });
  const restore = useMutation({
    mutationFn: (number: number) =>
      unwrap(api.POST("/api/v1/studio/projects/{project_id}/versions/{number}/restore", { params: { path: { ...path, number } } })),
    onSuccess: refresh,
  });
  const error = render.error ?? restore.error ?? versions.error;
  const byNumber = new Map((versions.data ?? []).map((version) => [version.number, version]));
  const compared = compare.map((number) => byNumber.get(number)).filter((version): version is ProjectVersion => Boolean(version));

  return (
    <div className="flex flex-col gap-3">
      {scenes.length > 0 && (
        <div className="flex flex-wrap gap-2">
          <Button onClick={() => render.mutate([])} disabled={running || render.isPending}>
            <RefreshCw className="size-4" aria-hidden />
            {t("versions.rerenderFilm")}
          </Button>
          {scenes.map((scene) => (
            <Button key={scene} size="sm" onClick={() => render.mutate([scene])} disabled={running || render.isPending}>
              {t("versions.rerenderScene", { scene })}
            </Button>
          ))}
        </div>
      )}
      <ErrorNotice error={error} />
      {versions.data && (
        <ul aria-label={t("versions.title")} className="flex flex-col">
          {versions.data.map((version) => (
            <li key={version.number} className="flex flex-wrap items-center gap-2 border-b border-line py-2 last:border-b-0" data-testid="version-row">
              <label className="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  checked={compare.includes(version.number)}
                  onChange={(event) =>
                    setCompare((chosen) => (event.target.checked ? [...chosen, version.number].slice(-2) : chosen.filter((n) => n !== version.number)))
                  }
                />
                {t("versions.version", { n: version.number })}
              </label>
              <StatusBadge status={version.status} />
              {version.current && <span className="text-xs text-ok">{t("versions.current")}</span>}
              <span className="text-xs text-muted">
                {version.scenes.length ? t("versions.scenes", { scenes: version.scenes.join(", ") }) : t("versions.wholeFilm")} · {formatDate(version.created_at, locale)}
              </span>
              {!version.current && version.status === "completed" && (
                <Button size="sm" className="ml-auto" onClick={() => restore.mutate(version.number)}>
                  <Undo2 className="size-4" aria-hidden />
                  {t("versions.restore")}
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
      {compared.length === 2 && (
        <div className="grid gap-3 md:grid-cols-2" aria-label={t("versions.compare")}>
          {compared.map((version) => (
            <VersionFilm key={version.number} version={version} />
          ))}
        </div>
      )}
    </div>
  );
}

function VersionFilm({ version }: { version: ProjectVersion }) {
  const t = useT();
  const asset = useQuery({
    queryKey: ["asset", version.film_asset_id],
    queryFn: () => unwrap(api.GET("/api/v1/assets/{asset_id}", { params: { path: { asset_id: version.film_asset_id! } } })),
    enabled: Boolean(version.film_asset_id),
  });
  return (
    <figure className="flex flex-col gap-1">
      <figcaption className="text-sm font-medium">{t("versions.version", { n: version.number })}</figcaption>
      {asset.data ? <PreviewPlayer asset={asset.data} label={t("versions.version", { n: version.number })} /> : <p className="text-sm text-muted">{t("versions.noFilm")}</p>}
    </figure>
  );
}

export default function ProjectPage() {
  const { t, locale } = useLocale();
  const { projectId = "" } = useParams();
  const detail = useQuery({
    queryKey: ["project", projectId],
    queryFn: () => unwrap(api.GET("/api/v1/studio/projects/{project_id}", { params: { path: { project_id: projectId } } })),
    refetchInterval: (query) => (query.state.data?.project.status === "running" ? 1000 : false),
  });
  const jobs = useMemo(() => new Map((detail.data?.jobs ?? []).map((job) => [job.id, job])), [detail.data]);
  const steps = useMemo(() => plannedSteps((detail.data?.steps ?? []) as Record<string, unknown>[]), [detail.data]);
  const finalJob = steps.find((step) => step.name === "compose" && step.job_id);
  const filmAssets = finalJob ? (jobs.get(finalJob.job_id!)?.assets ?? []) : [];
  const scenes = [...new Set(steps.map((step) => step.scene).filter((scene): scene is number => scene !== null))].sort((a, b) => a - b);
  const zip = useMutation({ mutationFn: () => saveAs(projectZipUrl(projectId), `${detail.data?.project.name ?? "project"}.zip`) });

  if (detail.isPending) return <Spinner label={t("common.loading")} />;
  if (detail.error) return <ErrorNotice error={detail.error} />;
  const { project } = detail.data;
  const done = steps.filter((step) => stepStatus(step, jobs) === "completed").length;

  return (
    <>
      <PageTitle actions={<Link to="/projects" className="text-sm text-accent underline">{t("projects.back")}</Link>}>{project.name}</PageTitle>
      <div className="flex flex-col gap-4">
        <Card aria-labelledby="pipeline-title">
          <CardTitle id="pipeline-title" actions={<StatusBadge status={project.status} />}>
            {t("projects.pipeline")}
          </CardTitle>
          <p className="mb-2 text-sm text-muted" data-testid="project-progress">
            {t("projects.steps", { done, total: steps.length })} · {formatDate(project.updated_at, locale)}
          </p>
          {project.status === "running" && steps.length > 0 && <ProgressBar value={done / steps.length} label={t("projects.progressOf", { name: project.name })} />}
          {project.error && <Notice tone="danger" role="alert" title={t("projects.failed")}>{project.error}</Notice>}
          <ol className="mt-3 flex flex-col gap-3">
            <li className="flex items-center gap-2 text-sm" data-testid="step-row" data-step="screenplay" data-status={steps.length > 0 ? "completed" : "waiting"}>
              <span className="font-medium">{t("steps.screenplay")}</span>
              <StatusBadge status={steps.length > 0 ? "completed" : "queued"} />
            </li>
            {groupSteps(steps).map((group) => (
              <li key={group.key}>
                <h3 className="mb-1 text-sm font-semibold">{t(group.label)}</h3>
                <ul>
                  {group.steps.map((step) => (
                    <StepRow key={step.id} step={step} job={step.job_id ? jobs.get(step.job_id) : undefined} />
                  ))}
                </ul>
              </li>
            ))}
          </ol>
        </Card>
        {project.status === "completed" && (
          <Card aria-labelledby="film-title">
            <CardTitle
              id="film-title"
              actions={
                <Button onClick={() => zip.mutate()} disabled={zip.isPending}>
                  <FileArchive className="size-4" aria-hidden />
                  {t("projects.downloadZip")}
                </Button>
              }
            >
              {t("projects.film")}
            </CardTitle>
            <ErrorNotice error={zip.error} />
            <Film projectName={project.name} assets={filmAssets} />
          </Card>
        )}
        <Card aria-labelledby="versions-title">
          <CardTitle id="versions-title">{t("versions.title")}</CardTitle>
          <Versions projectId={projectId} scenes={scenes} running={project.status === "running"} />
        </Card>
      </div>
    </>
  );
}
