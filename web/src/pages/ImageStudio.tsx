/** Image studio: generate with every parameter, a gallery with a lightbox, edit with a mask, upscale. */
import { useInfiniteQuery, useMutation, useQuery } from "@tanstack/react-query";
import { Download, Maximize2, Pencil, Wand2 } from "lucide-react";
import { useRef, useState } from "react";
import { useNavigate } from "react-router";

import { api, unwrap, type Asset, type Job } from "@/api/client";
import { extensionOf, saveAs, streamUrl, useObjectUrl } from "@/api/media";
import { GenerationControls } from "@/components/GenerationControls";
import { JobProgress } from "@/components/JobProgress";
import { MaskPainter, maskPng } from "@/components/MaskPainter";
import { PreviewPlayer } from "@/components/PreviewPlayer";
import { num, str, usePresetValues } from "@/hooks/usePresetValues";
import { useLocale, useT } from "@/i18n/i18n";
import { formatDate } from "@/lib/format";
import { Button } from "@/ui/button";
import { Card, CardTitle, PageTitle } from "@/ui/card";
import { Dialog } from "@/ui/dialog";
import { Field, Input, Select, Textarea } from "@/ui/field";
import { Spinner } from "@/ui/feedback";
import { ErrorNotice } from "@/components/ErrorNotice";

export const SIZE_PRESETS = {
  "16:9": { width: 1024, height: 576 },
  "9:16": { width: 576, height: 1024 },
  "1:1": { width: 768, height: 768 },
} as const;
type SizePreset = keyof typeof SIZE_PRESETS | "custom";

export interface ImageSettings {
  prompt: string;
  negative_prompt: string;
  width: number;
  height: number;
  steps: number;
  guidance: number | null;
  seed: number | null;
  count: number;
  model: string;
}

const DEFAULTS: ImageSettings = {
  prompt: "",
  negative_prompt: "",
  width: 1024,
  height: 576,
  steps: 0,
  guidance: null,
  seed: null,
  count: 1,
  model: "",
};

/** Settings from a preset or a job's parameters; what they lack keeps its default. */
export function imageSettings(values: Record<string, unknown> | null | undefined): ImageSettings {
  if (!values) return DEFAULTS;
  const optional = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : null);
  return {
    prompt: str(values.prompt),
    negative_prompt: str(values.negative_prompt),
    width: num(values.width, DEFAULTS.width) || DEFAULTS.width,
    height: num(values.height, DEFAULTS.height) || DEFAULTS.height,
    steps: num(values.steps, 0),
    guidance: optional(values.guidance),
    seed: optional(values.seed),
    count: Math.min(4, Math.max(1, num(values.count, 1))),
    model: str(values.model),
  };
}

/** A gallery image's settings: its job's, with the image's own seed (the n-th of a batch has seed + n). */
function settingsOf(parameters: Record<string, unknown>, seed: number | undefined): ImageSettings {
  const settings = imageSettings(parameters);
  return { ...settings, count: 1, seed: seed ?? settings.seed };
}

function sizePresetOf(settings: ImageSettings): SizePreset {
  const match = Object.entries(SIZE_PRESETS).find(([, size]) => size.width === settings.width && size.height === settings.height);
  return (match?.[0] as SizePreset | undefined) ?? "custom";
}

function GenerateForm({ settings, onChange }: { settings: ImageSettings; onChange: (settings: ImageSettings) => void }) {
  const t = useT();
  const [sizePreset, setSizePreset] = useState<SizePreset>(sizePresetOf(settings));
  const models = useQuery({
    queryKey: ["models", "image"],
    queryFn: () => unwrap(api.GET("/api/v1/models", { params: { query: { service: "image" } } })),
    staleTime: 60_000,
  });
  const generate = useMutation({ mutationFn: () => unwrap(api.POST("/api/v1/image/generate", { body: settings })) });
  const set = (patch: Partial<ImageSettings>) => onChange({ ...settings, ...patch });
  const numberOrNull = (text: string) => (text.trim() === "" ? null : Number(text));
  const imageModels = (models.data?.models ?? []).filter((model) => model.task !== "upscale" && model.task !== "edit");

  return (
    <form
      className="flex flex-col gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        generate.mutate();
      }}
    >
      <Field label={t("image.prompt")}>
        <Textarea value={settings.prompt} onChange={(event) => set({ prompt: event.target.value })} maxLength={2000} required />
      </Field>
      <Field label={t("image.negative")}>
        <Input value={settings.negative_prompt} onChange={(event) => set({ negative_prompt: event.target.value })} maxLength={2000} />
      </Field>
      <fieldset className="flex flex-col gap-2">
        <legend className="mb-1 text-sm font-medium">{t("image.size")}</legend>
        <div className="flex flex-wrap gap-3">
          {(["16:9", "9:16", "1:1", "custom"] as const).map((option) => (
            <label key={option} className="flex items-center gap-1.5 text-sm">
              <input
                type="radio"
                name="size-preset"
                checked={sizePreset === option}
                onChange={() => {
                  setSizePreset(option);
                  if (option !== "custom") set(SIZE_PRESETS[option]);
                }}
              />
              {option === "custom" ? t("image.custom") : option}
            </label>
          ))}
        </div>
        {sizePreset === "custom" && (
          <div className="grid grid-cols-2 gap-3">
            <Field label={t("image.width")} hint={t("image.multipleOf16")}>
              <Input type="number" min={16} max={2048} step={16} value={settings.width} onChange={(event) => set({ width: Number(event.target.value) })} />
            </Field>
            <Field label={t("image.height")}>
              <Input type="number" min={16} max={2048} step={16} value={settings.height} onChange={(event) => set({ height: Number(event.target.value) })} />
            </Field>
          </div>
        )}
      </fieldset>
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
        <Field label={t("image.steps")} hint={t("image.zeroDefault")}>
          <Input type="number" min={0} max={150} value={settings.steps} onChange={(event) => set({ steps: Number(event.target.value) })} />
        </Field>
        <Field label={t("image.guidance")}>
          <Input type="number" min={0} max={30} step={0.5} value={settings.guidance ?? ""} onChange={(event) => set({ guidance: numberOrNull(event.target.value) })} />
        </Field>
        <Field label={t("image.seed")} hint={t("image.seedHint")}>
          <Input type="number" min={0} value={settings.seed ?? ""} onChange={(event) => set({ seed: numberOrNull(event.target.value) })} />
        </Field>
        <Field label={t("image.count")}>
          <Input type="number" min={1} max={4} value={settings.count} onChange={(event) => set({ count: Number(event.target.value) })} />
        </Field>
      </div>
      <Field label={t("image.model")} hint={models.data?.unavailable.image ? t("image.modelsUnavailable", { why: models.data.unavailable.image }) : undefined}>
        <Select value={settings.model} onChange={(event) => set({ model: event.target.value })}>
          <option value="">{t("image.defaultModel")}</option>
          {imageModels.map((model) => (
            <option key={`${model.backend}/${model.name}`} value={model.name} disabled={!model.installed}>
              {model.installed ? model.name : t("image.notInstalled", { name: model.name })}
            </option>
          ))}
        </Select>
      </Field>
      <GenerationControls
        submitLabel={t("image.generate")}
        busy={generate.isPending}
        disabled={!settings.prompt.trim()}
        error={generate.error}
        jobId={generate.data?.id ?? null}
        preset={{ kind: "image", values: () => ({ ...settings }) }}
      />
    </form>
  );
}

function GalleryTile({ asset, index, onOpen }: { asset: Asset; index: number; onOpen: () => void }) {
  const t = useT();
  const { src } = useObjectUrl(asset.links.download);
  const seed = (asset.metadata as { seed?: number }).seed;
  return (
    <li>
      <button
        type="button"
        onClick={onOpen}
        className="group relative block aspect-square w-full overflow-hidden rounded-md border border-line bg-surface-2"
        aria-label={t("image.openImage", { n: index + 1, seed: seed ?? "–" })}
        data-testid="gallery-tile"
      >
        {src ? <img src={src} alt="" className="size-full object-cover" /> : <Spinner label={t("common.loading")} />}
      </button>
    </li>
  );
}

function Lightbox({
  asset,
  onClose,
  onUseSettings,
  onEdit,
}: {
  asset: Asset;
  onClose: () => void;
  onUseSettings: (settings: ImageSettings) => void;
  onEdit: (asset: Asset) => void;
}) {
  const { t, locale } = useLocale();
  const navigate = useNavigate();
  const { src } = useObjectUrl(asset.links.download);
  const job = useQuery({
    queryKey: ["job", asset.job_id],
    queryFn: () => unwrap(api.GET("/api/v1/jobs/{job_id}", { params: { path: { job_id: asset.job_id! } } })),
    enabled: Boolean(asset.job_id),
  });
  const upscale = useMutation({
    mutationFn: (factor: 2 | 4) => unwrap(api.POST("/api/v1/image/upscale", { body: { image_asset_id: asset.id, factor } })),
  });
  const metadata = asset.metadata as { seed?: number; width?: number; height?: number };
  const parameters = (job.data?.parameters ?? {}) as Record<string, unknown>;
  const shown = ["prompt", "negative_prompt", "width", "height", "steps", "guidance", "seed", "model"].filter(
    (key) => parameters[key] !== undefined && parameters[key] !== "",
  );
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()} title={t("image.lightboxTitle")} closeLabel={t("common.close")} wide>
      <div className="grid gap-4 md:grid-cols-[2fr_1fr]">
        <div>{src ? <img src={src} alt={str(parameters.prompt, t("image.lightboxTitle"))} className="max-h-[70vh] w-full rounded-md object-contain" /> : <Spinner label={t("common.loading")} />}</div>
        <div className="flex flex-col gap-3 text-sm">
          <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1" data-testid="image-parameters">
            <dt className="text-muted">{t("image.seed")}</dt>
            <dd data-testid="image-seed">{metadata.seed ?? "–"}</dd>
            <dt className="text-muted">{t("image.size")}</dt>
            <dd>{metadata.width && metadata.height ? `${metadata.width}×${metadata.height}` : "–"}</dd>
            <dt className="text-muted">{t("common.created")}</dt>
            <dd>{formatDate(asset.created_at, locale)}</dd>
            {shown.map((key) => (
              <div key={key} className="contents">
                <dt className="text-muted">{key}</dt>
                <dd className="break-words">{String(parameters[key])}</dd>
              </div>
            ))}
          </dl>
          {job.isPending && asset.job_id && <Spinner label={t("common.loading")} />}
          <div className="flex flex-wrap gap-2">
            <Button variant="primary" disabled={!job.data} onClick={() => onUseSettings(settingsOf(parameters, metadata.seed))}>
              <Wand2 className="size-4" aria-hidden />
              {t("image.useSettings")}
            </Button>
            <Button onClick={() => void saveAs(streamUrl(asset.links.download), `image-${asset.id}.${extensionOf(asset.content_type)}`)}>
              <Download className="size-4" aria-hidden />
              {t("common.download")}
            </Button>
            <Button onClick={() => onEdit(asset)}>
              <Pencil className="size-4" aria-hidden />
              {t("image.edit")}
            </Button>
            <Button onClick={() => upscale.mutate(2)} disabled={upscale.isPending}>
              <Maximize2 className="size-4" aria-hidden />
              {t("image.upscale", { factor: 2 })}
            </Button>
            <Button onClick={() => upscale.mutate(4)} disabled={upscale.isPending}>
              <Maximize2 className="size-4" aria-hidden />
              {t("image.upscale", { factor: 4 })}
            </Button>
            <Button onClick={() => navigate("/video", { state: { imageAssetId: asset.id } })}>{t("image.animate")}</Button>
          </div>
          <ErrorNotice error={upscale.error} />
          {upscale.data && <JobProgress jobId={upscale.data.id} />}
        </div>
      </div>
    </Dialog>
  );
}

function Gallery({ onUseSettings, onEdit }: { onUseSettings: (settings: ImageSettings) => void; onEdit: (asset: Asset) => void }) {
  const t = useT();
  const [open, setOpen] = useState<Asset | null>(null);
  const pageSize = 24;
  const gallery = useInfiniteQuery({
    queryKey: ["assets", "image", "gallery"],
    queryFn: ({ pageParam }) => unwrap(api.GET("/api/v1/assets", { params: { query: { type: "image", limit: pageSize, offset: pageParam } } })),
    initialPageParam: 0,
    getNextPageParam: (last, pages) => (last.length === pageSize ? pages.length * pageSize : undefined),
  });
  const images = gallery.data?.pages.flat() ?? [];
  return (
    <>
      {gallery.isPending ? (
        <Spinner label={t("common.loading")} />
      ) : images.length === 0 ? (
        <p className="text-sm text-muted">{t("image.galleryEmpty")}</p>
      ) : (
        <ul className="grid grid-cols-3 gap-2 sm:grid-cols-4 lg:grid-cols-6" aria-label={t("image.gallery")}>
          {images.map((asset, index) => (
            <GalleryTile key={asset.id} asset={asset} index={index} onOpen={() => setOpen(asset)} />
          ))}
        </ul>
      )}
      {gallery.hasNextPage && (
        <Button className="mt-3" onClick={() => void gallery.fetchNextPage()} disabled={gallery.isFetchingNextPage}>
          {t("common.loadMore")}
        </Button>
      )}
      {open && (
        <Lightbox
          asset={open}
          onClose={() => setOpen(null)}
          onUseSettings={(settings) => {
            setOpen(null);
            onUseSettings(settings);
          }}
          onEdit={(asset) => {
            setOpen(null);
            onEdit(asset);
          }}
        />
      )}
    </>
  );
}

function EditImage({ asset, onDone }: { asset: Asset; onDone: () => void }) {
  const t = useT();
  const { src } = useObjectUrl(asset.links.download);
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const [hasMask, setHasMask] = useState(false);
  const [instruction, setInstruction] = useState("");
  const [result, setResult] = useState<Job | null>(null);
  const edit = useMutation({
    mutationFn: async () => {
      let maskId: string | null = null;
      if (hasMask && canvas.current) {
        const form = new FormData();
        form.append("file", await maskPng(canvas.current, t("image.maskEncodeFailed")), "mask.png");
        maskId = (await unwrap(api.POST("/api/v1/assets", { body: form as never }))).id;
      }
      return unwrap(api.POST("/api/v1/image/edit", { body: { image_asset_id: asset.id, instruction, mask_asset_id: maskId } }));
    },
    onMutate: () => setResult(null),
  });
  const output = result?.assets.find((item) => item.type === "image");
  return (
    <form
      className="flex flex-col gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        edit.mutate();
      }}
    >
      {src ? <MaskPainter src={src} onChange={setHasMask} canvasRef={canvas} /> : <Spinner label={t("common.loading")} />}
      <p className="text-xs text-muted">{hasMask ? t("image.maskPainted") : t("image.maskHint")}</p>
      <Field label={t("image.instruction")}>
        <Input value={instruction} onChange={(event) => setInstruction(event.target.value)} maxLength={2000} required />
      </Field>
      <GenerationControls submitLabel={t("image.applyEdit")} busy={edit.isPending} disabled={!instruction.trim()} error={edit.error} jobId={edit.data?.id ?? null} onFinished={setResult}>
        <Button onClick={onDone}>{t("common.close")}</Button>
      </GenerationControls>
      {output && <PreviewPlayer asset={output} label={t("image.editResult")} />}
    </form>
  );
}

export default function ImageStudio() {
  const t = useT();
  const initial = usePresetValues("image");
  const [settings, setSettings] = useState<ImageSettings>(() => imageSettings(initial));
  const [formKey, setFormKey] = useState(0);
  const [editing, setEditing] = useState<Asset | null>(null);
  return (
    <>
      <PageTitle>{t("image.title")}</PageTitle>
      <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_minmax(0,1.3fr)]">
        <Card aria-labelledby="generate-title">
          <CardTitle id="generate-title">{t("image.generateTitle")}</CardTitle>
          <GenerateForm key={formKey} settings={settings} onChange={setSettings} />
        </Card>
        <div className="flex flex-col gap-4">
          {editing && (
            <Card aria-labelledby="edit-title">
              <CardTitle id="edit-title">{t("image.editTitle")}</CardTitle>
              <EditImage key={editing.id} asset={editing} onDone={() => setEditing(null)} />
            </Card>
          )}
          <Card aria-labelledby="gallery-title">
            <CardTitle id="gallery-title">{t("image.gallery")}</CardTitle>
            <Gallery
              onUseSettings={(next) => {
                setSettings(next);
                setFormKey((key) => key + 1);
                document.getElementById("generate-title")?.scrollIntoView({ behavior: "smooth" });
              }}
              onEdit={setEditing}
            />
          </Card>
        </div>
      </div>
    </>
  );
}
