/** Audio studio: clone a voice from a dropped sample, the voice library, speech and music. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Trash2 } from "lucide-react";
import { useState, type FormEvent } from "react";

import { api, unwrap, type Job, type Schemas, type Voice } from "@/api/client";
import { GenerationControls } from "@/components/GenerationControls";
import { AUDIO_ACCEPT, AUDIO_TYPES, MediaUploader, type PickedFile } from "@/components/MediaUploader";
import { PreviewPlayer } from "@/components/PreviewPlayer";
import { LanguageSelect, VoiceSelect } from "@/components/Selects";
import { StatusBadge } from "@/components/StatusBadge";
import { WaveformPlayer } from "@/components/WaveformPlayer";
import { num, str, usePresetValues } from "@/hooks/usePresetValues";
import { useT, type Translate } from "@/i18n/i18n";
import { formatBytes, formatDuration } from "@/lib/format";
import { wordTimings } from "@/lib/words";
import { Button } from "@/ui/button";
import { PageTitle, Section } from "@/ui/card";
import { Field, Input, Slider, Textarea } from "@/ui/field";
import { Notice, Spinner } from "@/ui/feedback";
import { ErrorNotice } from "@/components/ErrorNotice";

/** Chatterbox's defaults (cfg 0.65, temperature 1.0, exaggeration 1.0) and natural speed. */
export const SPEECH_DEFAULTS = { cfg_weight: 0.65, temperature: 1.0, exaggeration: 1.0, speed: 1.0 };

function useVoices() {
  return useQuery({
    queryKey: ["voices"],
    queryFn: () => unwrap(api.GET("/api/v1/audio/voices", { params: { query: { limit: 200 } } })),
    // A voice being registered turns ready (or failed) on its own: look again until it has.
    refetchInterval: (query) => (query.state.data?.some((voice) => voice.status === "processing") ? 1500 : false),
  });
}

type Limits = Schemas["Limits"];

/** Why the server would refuse this sample (GET /api/v1/limits), said before uploading it; null if it fits. */
export function sampleProblem(sample: PickedFile | null, limits: Limits | undefined, t: Translate): string | null {
  if (!sample || !limits) return null;
  const name = sample.file.name;
  if (sample.file.size > limits.max_upload_bytes) {
    return t("upload.tooLarge", { name, size: formatBytes(sample.file.size), max: formatBytes(limits.max_upload_bytes) });
  }
  const duration = sample.duration;
  if (duration !== null && duration < limits.min_voice_sample_seconds) {
    return t("upload.tooShort", { name, duration: formatDuration(duration), min: formatDuration(limits.min_voice_sample_seconds) });
  }
  if (duration !== null && duration > limits.max_voice_sample_seconds) {
    return t("upload.tooLong", { name, duration: formatDuration(duration), max: formatDuration(limits.max_voice_sample_seconds) });
  }
  return null;
}

function CloneVoice() {
  const t = useT();
  const queryClient = useQueryClient();
  const [sample, setSample] = useState<PickedFile | null>(null);
  const limits = useQuery({ queryKey: ["limits"], queryFn: () => unwrap(api.GET("/api/v1/limits")), staleTime: Infinity });
  const problem = sampleProblem(sample, limits.data, t);
  const [name, setName] = useState("");
  const [language, setLanguage] = useState("pt-br");
  const clone = useMutation({
    mutationFn: async () => {
      const form = new FormData();
      form.append("sample", sample!.file, sample!.file.name);
      form.append("name", name.trim());
      form.append("language", language);
      return unwrap(
        api.POST("/api/v1/audio/clone-voice", {
          body: form as never,
          bodySerializer: (body) => body as unknown as FormData,
        }),
      );
    },
    onSuccess: () => {
      setName("");
      return queryClient.invalidateQueries({ queryKey: ["voices"] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    clone.mutate();
  };
  return (
    <form onSubmit={submit} className="flex flex-col gap-3" aria-labelledby="clone-title">
      <h3 id="clone-title" className="text-sm font-semibold">
        {t("audio.cloneTitle")}
      </h3>
      <MediaUploader label={t("audio.dropSample")} accept={AUDIO_ACCEPT} typesLabel={AUDIO_TYPES} onPicked={setSample} />
      {problem && <Notice tone="danger" role="alert" title={problem} />}
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label={t("audio.voiceName")}>
          <Input value={name} onChange={(event) => setName(event.target.value)} maxLength={100} required />
        </Field>
        <LanguageSelect value={language} onChange={setLanguage} />
      </div>
      <GenerationControls
        submitLabel={t("audio.clone")}
        busy={clone.isPending}
        disabled={!sample || !name.trim() || problem !== null}
        error={clone.error}
        jobId={clone.data?.job.id ?? null}
      />
    </form>
  );
}

function VoiceLibrary() {
  const t = useT();
  const voices = useVoices();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: (voice: Voice) =>
      unwrap(api.DELETE("/api/v1/audio/voices/{voice_id}", { params: { path: { voice_id: voice.id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["voices"] }),
  });
  if (voices.isPending) return <Spinner label={t("common.loading")} />;
  if (voices.error) return <ErrorNotice error={voices.error} />;
  if (voices.data.length === 0) return <p className="text-sm text-muted">{t("audio.noVoices")}</p>;
  return (
    <ul aria-label={t("audio.library")} className="flex flex-col">
      {voices.data.map((voice) => {
        const seconds = (voice.details as { duration_seconds?: number }).duration_seconds;
        return (
          <li key={voice.id} className="flex flex-wrap items-center gap-2 border-b border-line py-2 last:border-b-0" data-testid="voice-row">
            <span className="font-medium">{voice.name}</span>
            <StatusBadge status={voice.status} />
            <span className="text-xs text-muted">{voice.language}</span>
            {typeof seconds === "number" && <span className="text-xs text-muted">{formatDuration(seconds)}</span>}
            {voice.error && <span className="text-xs text-danger">{voice.error}</span>}
            <Button
              size="sm"
              variant="danger"
              className="ml-auto"
              aria-label={t("audio.deleteVoice", { name: voice.name })}
              onClick={() => {
                if (window.confirm(t("audio.confirmDelete", { name: voice.name }))) remove.mutate(voice);
              }}
            >
              <Trash2 className="size-4" aria-hidden />
            </Button>
          </li>
        );
      })}
      <ErrorNotice error={remove.error} />
    </ul>
  );
}

function Speech() {
  const t = useT();
  const initial = usePresetValues("speech");
  const [text, setText] = useState(str(initial?.text));
  const [voiceId, setVoiceId] = useState(str(initial?.voice_id));
  const [language, setLanguage] = useState(str(initial?.language, "pt-br"));
  const [speed, setSpeed] = useState(num(initial?.speed, SPEECH_DEFAULTS.speed));
  const [cfg, setCfg] = useState(num(initial?.cfg_weight, SPEECH_DEFAULTS.cfg_weight));
  const [temperature, setTemperature] = useState(num(initial?.temperature, SPEECH_DEFAULTS.temperature));
  const [exaggeration, setExaggeration] = useState(num(initial?.exaggeration, SPEECH_DEFAULTS.exaggeration));
  const [result, setResult] = useState<Job | null>(null);
  const values = () => ({ text, voice_id: voiceId || undefined, language, speed, cfg_weight: cfg, temperature, exaggeration });
  const speak = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/audio/generate-speech", { body: { ...values(), voice_id: voiceId || null } })),
    onMutate: () => setResult(null),
  });
  const audio = result?.assets.find((asset) => asset.type === "audio");
  return (
    <form
      className="flex flex-col gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        speak.mutate();
      }}
    >
      <Field label={t("audio.text")}>
        <Textarea value={text} onChange={(event) => setText(event.target.value)} maxLength={5000} required />
      </Field>
      <div className="grid gap-3 sm:grid-cols-2">
        <VoiceSelect value={voiceId} onChange={setVoiceId} />
        <LanguageSelect value={language} onChange={setLanguage} />
        <Slider label={t("audio.speed")} value={speed} min={0.25} max={4} step={0.05} onChange={setSpeed} />
        <Slider label={t("audio.cfg")} value={cfg} min={0} max={2} step={0.05} onChange={setCfg} hint={t("audio.cfgHint")} />
        <Slider label={t("audio.temperature")} value={temperature} min={0} max={2} step={0.05} onChange={setTemperature} />
        <Slider label={t("audio.exaggeration")} value={exaggeration} min={0} max={2} step={0.05} onChange={setExaggeration} hint={t("audio.exaggerationHint")} />
      </div>
      <GenerationControls
        submitLabel={t("audio.speak")}
        busy={speak.isPending}
        disabled={!text.trim()}
        error={speak.error}
        jobId={speak.data?.id ?? null}
        onFinished={setResult}
        preset={{ kind: "speech", values }}
      />
      {audio && result && (
        <WaveformPlayer downloadLink={audio.links.download} words={wordTimings(result.result)} label={t("audio.result")} />
      )}
    </form>
  );
}

function Music() {
  const t = useT();
  const initial = usePresetValues("music");
  const [description, setDescription] = useState(str(initial?.description));
  const [duration, setDuration] = useState(num(initial?.duration_seconds, 30));
  const [result, setResult] = useState<Job | null>(null);
  const values = () => ({ description, duration_seconds: duration });
  const compose = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/audio/generate-music", { body: values() })),
    onMutate: () => setResult(null),
  });
  const audio = result?.assets.find((asset) => asset.type === "audio");
  return (
    <form
      className="flex flex-col gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        compose.mutate();
      }}
    >
      <Field label={t("audio.musicDescription")}>
        <Input value={description} onChange={(event) => setDescription(event.target.value)} maxLength={1000} required />
      </Field>
      <Slider label={t("audio.musicDuration")} value={duration} min={1} max={600} step={1} onChange={setDuration} />
      <GenerationControls
        submitLabel={t("audio.compose")}
        busy={compose.isPending}
        disabled={!description.trim()}
        error={compose.error}
        jobId={compose.data?.id ?? null}
        onFinished={setResult}
        preset={{ kind: "music", values }}
      />
      {audio && <PreviewPlayer asset={audio} label={t("audio.musicResult")} />}
    </form>
  );
}

export default function AudioStudio() {
  const t = useT();
  return (
    <>
      <PageTitle>{t("audio.title")}</PageTitle>
      <div className="grid gap-4 lg:grid-cols-2">
        <Section id="voices-title" title={t("audio.voices")}>
          <div className="flex flex-col gap-4">
            <CloneVoice />
            <VoiceLibrary />
          </div>
        </Section>
        <Section id="speech-title" title={t("audio.speech")}>
          <Speech />
        </Section>
        <Section id="music-title" title={t("audio.music")}>
          <Music />
        </Section>
      </div>
    </>
  );
}
