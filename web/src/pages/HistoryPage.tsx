/**
 * Every job and asset of the account, read from the server (the same in every browser, and
 * after restarts): paginated, filtered, searchable where the server allows it, with downloads,
 * exports, deletion and "use these settings".
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Download, Trash2, Wand2 } from "lucide-react";
import { useState } from "react";
import { useNavigate } from "react-router";

import { api, unwrap, type Asset, type ExportFormat, type Job } from "@/api/client";
import { exportUrl, extensionOf, saveAs, streamUrl } from "@/api/media";
import { errorMessage } from "@/api/problem";
import { JobRow, Thumbnail } from "@/components/JobRow";
import { JobTypeSelect } from "@/components/Selects";
import { useLocale, useT } from "@/i18n/i18n";
import { formatBytes, formatDate } from "@/lib/format";
import { mainOutput } from "@/lib/jobs";
import { Button } from "@/ui/button";
import { Card, PageTitle } from "@/ui/card";
import { cn } from "@/ui/cn";
import { Field, Input, Select } from "@/ui/field";
import { Spinner } from "@/ui/feedback";
import { ErrorNotice } from "@/components/ErrorNotice";

const PAGE = 20;
const STATUSES = ["queued", "submitted", "running", "completed", "failed", "cancelled"] as const;
type Status = (typeof STATUSES)[number];
const ASSET_TYPES = ["image", "audio", "video", "subtitles"] as const;
type AssetType = (typeof ASSET_TYPES)[number];
const EXPORTS: Record<string, ExportFormat[]> = { image: ["png", "jpeg", "webp"], audio: ["wav", "mp3"], video: ["mp4"] };

/** Which studio a job's settings open in, and under which preset kind. */
const REUSE: Record<string, { path: string; kind: string }> = {
  "image.generate": { path: "/image", kind: "image" },
  "audio.synthesize": { path: "/audio", kind: "speech" },
  "audio.generate_music": { path: "/audio", kind: "music" },
  "video.animate": { path: "/video", kind: "animate" },
};

function reusableValues(job: Job): Record<string, unknown> {
  const parameters = { ...(job.parameters as Record<string, unknown>) };
  const nested = parameters.parameters; // speech parameters sit one level down in the request
  return nested && typeof nested === "object" ? { ...parameters, ...(nested as Record<string, unknown>) } : parameters;
}

function ExportMenu({ asset }: { asset: Asset }) {
  const t = useT();
  const formats = EXPORTS[asset.type] ?? [];
  const [format, setFormat] = useState<ExportFormat | "">("");
  const run = useMutation({ mutationFn: (chosen: ExportFormat) => saveAs(exportUrl(asset.id, chosen), `${asset.id}.${chosen}`) });
  if (formats.length === 0) return null;
  return (
    <span className="inline-flex items-center gap-1">
      <label className="sr-only" htmlFor={`export-${asset.id}`}>
        {t("history.exportAs")}
      </label>
      <select id={`export-${asset.id}`} value={format} onChange={(event) => setFormat(event.target.value as ExportFormat)} className="h-8 rounded-md border border-line bg-surface px-2 text-sm">
        <option value="">{t("history.exportAs")}</option>
        {formats.map((option) => (
          <option key={option} value={option}>
            {option.toUpperCase()}
          </option>
        ))}
      </select>
      <Button size="sm" disabled={!format || run.isPending} onClick={() => format && run.mutate(format)}>
        {t("history.export")}
      </Button>
      {run.error && <span role="alert" className="text-xs text-danger">{errorMessage(run.error)}</span>}
    </span>
  );
}

function JobActions({ job }: { job: Job }) {
  const t = useT();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const output = mainOutput(job.assets);
  const reuse = REUSE[job.type];
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/v1/jobs/{job_id}", { params: { path: { job_id: job.id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["jobs"] }),
  });
  return (
    <div className="flex flex-wrap items-center gap-2">
      {output && (
        <Button size="sm" onClick={() => void saveAs(streamUrl(output.links.download), `${job.type}-${job.id}.${extensionOf(output.content_type)}`)}>
          <Download className="size-4" aria-hidden />
          {t("history.original")}
        </Button>
      )}
      {output && <ExportMenu asset={output} />}
      {reuse && (
        <Button size="sm" onClick={() => navigate(reuse.path, { state: { preset: { kind: reuse.kind, values: reusableValues(job) } } })}>
          <Wand2 className="size-4" aria-hidden />
          {t("image.useSettings")}
        </Button>
      )}
      <Button size="sm" variant="danger" onClick={() => window.confirm(t("history.confirmDelete")) && remove.mutate()} aria-label={t("history.deleteJob")}>
        <Trash2 className="size-4" aria-hidden />
      </Button>
      {remove.error && <span role="alert" className="text-xs text-danger">{errorMessage(remove.error)}</span>}
    </div>
  );
}

function Pager({ offset, count, total, onChange }: { offset: number; count: number; total?: number; onChange: (offset: number) => void }) {
  const t = useT();
  const pages = total === undefined ? undefined : Math.max(1, Math.ceil(total / PAGE));
  const last = pages === undefined ? count < PAGE : offset / PAGE + 1 >= pages;
  return (
    <nav aria-label={t("history.pages")} className="mt-3 flex items-center gap-2">
      <Button size="sm" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - PAGE))}>
        {t("history.previous")}
      </Button>
      <span className="text-sm text-muted">
        {pages === undefined ? t("history.page", { n: offset / PAGE + 1 }) : t("history.pageOf", { n: offset / PAGE + 1, total: pages })}
      </span>
      <Button size="sm" disabled={last} onClick={() => onChange(offset + PAGE)}>
        {t("history.next")}
      </Button>
    </nav>
  );
}

function Jobs() {
  const t = useT();
  const [type, setType] = useState("");
  const [status, setStatus] = useState<Status | "">("");
  const [projectId, setProjectId] = useState("");
  const [search, setSearch] = useState("");
  const [after, setAfter] = useState("");
  const [before, setBefore] = useState("");
  const [offset, setOffset] = useState(0);
  const projects = useQuery({ queryKey: ["projects"], queryFn: () => unwrap(api.GET("/api/v1/studio/projects", { params: { query: { limit: 200 } } })) });
  const query = {
    limit: PAGE,
    offset,
    ...(type && { type: [type] }),
    ...(status && { status: [status] }),
    ...(projectId && { project_id: projectId }),
    ...(search.trim() && { q: search.trim() }),
    ...(after && { created_after: new Date(`${after}T00:00:00`).toISOString() }),
    ...(before && { created_before: new Date(`${before}T23:59:59.999`).toISOString() }),
  };
  const jobs = useQuery({
    queryKey: ["jobs", "history", query],
    queryFn: () => unwrap(api.GET("/api/v1/jobs", { params: { query } })),
    placeholderData: (previous) => previous,
  });
  const filter = <T,>(set: (value: T) => void) => (value: T) => {
    set(value);
    setOffset(0);
  };
  return (
    <>
      <div className="mb-3 grid gap-3 sm:grid-cols-3">
        <JobTypeSelect label={t("history.type")} value={type} onChange={filter(setType)} />
        <Field label={t("history.status")}>
          <Select value={status} onChange={(event) => filter(setStatus)(event.target.value as Status | "")}>
            <option value="">{t("history.all")}</option>
            {STATUSES.map((option) => (
              <option key={option} value={option}>
                {t(`status.${option}`)}
              </option>
            ))}
          </Select>
        </Field>
        <Field label={t("history.project")}>
          <Select value={projectId} onChange={(event) => filter(setProjectId)(event.target.value)}>
            <option value="">{t("history.all")}</option>
            {(projects.data ?? []).map((project) => (
              <option key={project.id} value={project.id}>
                {project.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label={t("history.search")}>
          <Input type="search" value={search} onChange={(event) => filter(setSearch)(event.target.value)} />
        </Field>
        <Field label={t("history.from")}>
          <Input type="date" value={after} onChange={(event) => filter(setAfter)(event.target.value)} />
        </Field>
        <Field label={t("history.to")}>
          <Input type="date" value={before} onChange={(event) => filter(setBefore)(event.target.value)} />
        </Field>
      </div>
      {jobs.isPending ? (
        <Spinner label={t("common.loading")} />
      ) : jobs.error ? (
        <ErrorNotice error={jobs.error} />
      ) : jobs.data.items.length === 0 ? (
        <p className="mt-3 text-sm text-muted">{t("history.empty")}</p>
      ) : (
        <ul aria-label={t("history.jobs")} className="mt-3">
          {jobs.data.items.map((job) => (
            <JobRow key={job.id} job={job} extra={<JobActions job={job} />} />
          ))}
        </ul>
      )}
      <Pager offset={offset} count={jobs.data?.items.length ?? 0} total={jobs.data?.total} onChange={setOffset} />
    </>
  );
}

function Assets() {
  const { t, locale } = useLocale();
  const queryClient = useQueryClient();
  const [type, setType] = useState<AssetType | "">("");
  const [offset, setOffset] = useState(0);
  const query = { limit: PAGE, offset, ...(type && { type }) };
  const assets = useQuery({
    queryKey: ["assets", "history", query],
    queryFn: () => unwrap(api.GET("/api/v1/assets", { params: { query } })),
    placeholderData: (previous) => previous,
  });
  const remove = useMutation({
    mutationFn: (assetId: string) => unwrap(api.DELETE("/api/v1/assets/{asset_id}", { params: { path: { asset_id: assetId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["assets"] }),
  });
  return (
    <>
      <div className="mb-3 max-w-xs">
        <Field label={t("history.type")}>
          <Select value={type} onChange={(event) => { setType(event.target.value as AssetType | ""); setOffset(0); }}>
            <option value="">{t("history.all")}</option>
            {ASSET_TYPES.map((option) => (
              <option key={option} value={option}>
                {t(`assetType.${option}`)}
              </option>
            ))}
          </Select>
        </Field>
      </div>
      <ErrorNotice error={remove.error} />
      {assets.isPending ? (
        <Spinner label={t("common.loading")} />
      ) : (assets.data ?? []).length === 0 ? (
        <p className="mt-3 text-sm text-muted">{t("history.empty")}</p>
      ) : (
        <ul aria-label={t("history.assets")} className="mt-3">
          {(assets.data ?? []).map((asset) => (
            <li key={asset.id} className="flex flex-wrap items-center gap-3 border-b border-line py-2 last:border-b-0">
              <Thumbnail asset={asset} label={asset.role} />
              <div className="min-w-0 flex-1 text-sm">
                <p className="font-medium">{t(`assetType.${asset.type as AssetType}`) ?? asset.type} · {asset.role}</p>
                <p className="text-xs text-muted">{formatBytes(asset.size)} · {formatDate(asset.created_at, locale)}</p>
              </div>
              <Button size="sm" onClick={() => void saveAs(streamUrl(asset.links.download), `${asset.id}.${extensionOf(asset.content_type)}`)}>
                <Download className="size-4" aria-hidden />
                {t("history.original")}
              </Button>
              <ExportMenu asset={asset} />
              <Button size="sm" variant="danger" aria-label={t("history.deleteAsset")} onClick={() => window.confirm(t("history.confirmDelete")) && remove.mutate(asset.id)}>
                <Trash2 className="size-4" aria-hidden />
              </Button>
            </li>
          ))}
        </ul>
      )}
      <Pager offset={offset} count={assets.data?.length ?? 0} onChange={setOffset} />
    </>
  );
}

export default function HistoryPage() {
  const t = useT();
  const [tab, setTab] = useState<"jobs" | "assets">("jobs");
  return (
    <>
      <PageTitle>{t("history.title")}</PageTitle>
      <Card>
        <div role="tablist" aria-label={t("history.title")} className="mb-3 flex gap-1 border-b border-line">
          {(["jobs", "assets"] as const).map((id) => (
            <button
              key={id}
              type="button"
              role="tab"
              aria-selected={tab === id}
              onClick={() => setTab(id)}
              className={cn("-mb-px border-b-2 px-3 py-2 text-sm", tab === id ? "border-accent font-medium" : "border-transparent text-muted")}
            >
              {id === "jobs" ? t("history.jobs") : t("history.assets")}
            </button>
          ))}
        </div>
        <div role="tabpanel">{tab === "jobs" ? <Jobs /> : <Assets />}</div>
      </Card>
    </>
  );
}
