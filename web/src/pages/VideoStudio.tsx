/**
 * Video studio: a talking head from a portrait and a voice speaking a script (speech first, then
 * the avatar, two real jobs) or an existing audio asset; and an image animated by a motion prompt.
 */
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useLocation } from "react-router";

import { api, unwrap, type Asset, type Job } from "@/api/client";
import { AssetPicker } from "@/components/AssetPicker";
import { GenerationControls } from "@/components/GenerationControls";
import { IMAGE_ACCEPT, IMAGE_TYPES, MediaUploader, type PickedFile } from "@/components/MediaUploader";
import { PreviewPlayer } from "@/components/PreviewPlayer";
import { LanguageSelect, VoiceSelect } from "@/components/Selects";
import { num, str, usePresetValues } from "@/hooks/usePresetValues";
import { useT } from "@/i18n/i18n";
import { PageTitle, Section } from "@/ui/card";
import { Field, Input, Slider, Textarea } from "@/ui/field";


async function upload(file: File): Promise<Asset> {
  const form = new FormData();
  form.append("file", file, file.name);
  return unwrap(api.POST("/api/v1/assets", { body: form as never }));
}

/** The job once it has ended: the avatar needs the speech's audio asset first. */
async function finished(jobId: string): Promise<Job> {
  for (;;) {
    const job = await unwrap(api.GET("/api/v1/jobs/{job_id}", { params: { path: { job_id: jobId } } }));
    if (["completed", "failed", "cancelled"].includes(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function ImageSource({ label, value, onAsset, onFile }: { label: string; value: string | null; onAsset: (asset: Asset) => void; onFile: (file: PickedFile | null) => void }) {
  const t = useT();
  return (
    <fieldset className="flex flex-col gap-2">
      <legend className="mb-1 text-sm font-medium">{label}</legend>
      <MediaUploader label={t("video.uploadImage")} accept={IMAGE_ACCEPT} typesLabel={IMAGE_TYPES} onPicked={onFile} />
      <p className="text-xs text-muted">{t("video.orPick")}</p>
      <AssetPicker type="image" value={value} onChange={onAsset} label={t("video.pickImage")} />
    </fieldset>
  );
}

function TalkingHead() {
  const t = useT();
  const [portraitId, setPortraitId] = useState<string | null>(null);
  const [portraitFile, setPortraitFile] = useState<PickedFile | null>(null);
  const [source, setSource] = useState<"script" | "audio">("script");
  const [script, setScript] = useState("");
  const [voiceId, setVoiceId] = useState("");
  const [language, setLanguage] = useState("pt-br");
  const [audioId, setAudioId] = useState<string | null>(null);
  const [speechJob, setSpeechJob] = useState<string | null>(null);
  const [result, setResult] = useState<Job | null>(null);

  const create = useMutation({
    mutationFn: async () => {
      setResult(null);
      setSpeechJob(null);
      const portrait = portraitFile ? (await upload(portraitFile.file)).id : portraitId;
      if (!portrait) throw new Error(t("video.needPortrait"));
      let audio = audioId;
      if (source === "script") {
        const speech = await unwrap(
          api.POST("/api/v1/audio/generate-speech", { body: { text: script, voice_id: voiceId || null, language } }),
        );
        setSpeechJob(speech.id);
        const spoken = await finished(speech.id);
        if (spoken.status !== "completed") throw new Error(spoken.error?.message ?? t("video.speechFailed"));
        audio = spoken.assets.find((asset) => asset.type === "audio")?.id ?? null;
      }
      if (!audio) throw new Error(t("video.needAudio"));
      return unwrap(api.POST("/api/v1/video/create-avatar", { body: { portrait_asset_id: portrait, audio_asset_id: audio } }));
    },
  });
  const video = result?.assets.find((asset) => asset.type === "video");
  return (
    <form
      className="flex flex-col gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        create.mutate();
      }}
    >
      <ImageSource label={t("video.portrait")} value={portraitId} onAsset={(asset) => setPortraitId(asset.id)} onFile={setPortraitFile} />
      <fieldset className="flex flex-wrap gap-4">
        <legend className="mb-1 text-sm font-medium">{t("video.speaks")}</legend>
        <label className="flex items-center gap-1.5 text-sm">
          <input type="radio" name="avatar-source" checked={source === "script"} onChange={() => setSource("script")} />
          {t("video.fromScript")}
        </label>
        <label className="flex items-center gap-1.5 text-sm">
          <input type="radio" name="avatar-source" checked={source === "audio"} onChange={() => setSource("audio")} />
          {t("video.fromAudio")}
        </label>
      </fieldset>
      {source === "script" ? (
        <>
          <Field label={t("video.script")}>
            <Textarea value={script} onChange={(event) => setScript(event.target.value)} maxLength={5000} required />
          </Field>
          <div className="grid gap-3 sm:grid-cols-2">
            <VoiceSelect value={voiceId} onChange={setVoiceId} />
            <LanguageSelect value={language} onChange={setLanguage} />
          </div>
        </>
      ) : (
        <AssetPicker type="audio" value={audioId} onChange={(asset) => setAudioId(asset.id)} label={t("video.pickAudio")} />
      )}
      {speechJob && !create.data && <p className="text-sm text-muted">{t("video.speaking")}</p>}
      <GenerationControls
        submitLabel={t("video.createAvatar")}
        busy={create.isPending}
        disabled={(!portraitId && !portraitFile) || (source === "script" ? !script.trim() : !audioId)}
        error={create.error}
        jobId={create.data?.id ?? null}
        onFinished={setResult}
      />
      {video && <PreviewPlayer asset={video} label={t("video.avatarResult")} />}
    </form>
  );
}

function Animate() {
  const t = useT();
  const initial = usePresetValues("animate");
  const handedOver = (useLocation().state as { imageAssetId?: string } | null)?.imageAssetId ?? null;
  const [imageId, setImageId] = useState<string | null>(handedOver);
  const [imageFile, setImageFile] = useState<PickedFile | null>(null);
  const [motion, setMotion] = useState(str(initial?.motion, "slow zoom in"));
  const [duration, setDuration] = useState(num(initial?.duration_seconds, 5));
  const [result, setResult] = useState<Job | null>(null);
  const values = () => ({ motion, duration_seconds: duration });
  const animate = useMutation({
    mutationFn: async () => {
      setResult(null);
      const image = imageFile ? (await upload(imageFile.file)).id : imageId;
      if (!image) throw new Error(t("video.needImage"));
      return unwrap(api.POST("/api/v1/video/animate", { body: { image_asset_id: image, ...values() } }));
    },
  });
  const video = result?.assets.find((asset) => asset.type === "video");
  return (
    <form
      className="flex flex-col gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        animate.mutate();
      }}
    >
      <ImageSource label={t("video.image")} value={imageId} onAsset={(asset) => setImageId(asset.id)} onFile={setImageFile} />
      <Field label={t("video.motion")}>
        <Input value={motion} onChange={(event) => setMotion(event.target.value)} maxLength={500} />
      </Field>
      <Slider label={t("video.duration")} value={duration} min={0.5} max={60} step={0.5} onChange={setDuration} />
      <GenerationControls
        submitLabel={t("video.animate")}
        busy={animate.isPending}
        disabled={!imageId && !imageFile}
        error={animate.error}
        jobId={animate.data?.id ?? null}
        onFinished={setResult}
        preset={{ kind: "animate", values }}
      />
      {video && <PreviewPlayer asset={video} label={t("video.animationResult")} />}
    </form>
  );
}

export default function VideoStudio() {
  const t = useT();
  return (
    <>
      <PageTitle>{t("video.title")}</PageTitle>
      <div className="grid gap-4 lg:grid-cols-2">
        <Section id="avatar-title" title={t("video.avatarTitle")}>
          <TalkingHead />
        </Section>
        <Section id="animate-title" title={t("video.animateTitle")}>
          <Animate />
        </Section>
      </div>
    </>
  );
}
