/**
 * Drag-and-drop (or pick) one media file. The type is checked before anything is sent and an
 * audio or video file's duration is read in the browser, so a wrong file gets a clear message
 * at once; the server checks again (its message is shown as is).
 */
import { Upload } from "lucide-react";
import { useState } from "react";
import { useDropzone, type Accept } from "react-dropzone";

import { useT } from "@/i18n/i18n";
import { formatBytes, formatDuration } from "@/lib/format";
import { cn } from "@/ui/cn";

export const AUDIO_ACCEPT: Accept = {
  "audio/wav": [".wav"],
  "audio/x-wav": [".wav"],
  "audio/mpeg": [".mp3"],
  "audio/ogg": [".ogg", ".oga"],
  "audio/flac": [".flac"],
  "audio/mp4": [".m4a"],
  "audio/x-m4a": [".m4a"],
  "audio/webm": [".webm"],
};
export const AUDIO_TYPES = "WAV, MP3, OGG, FLAC, M4A, WebM";
export const IMAGE_ACCEPT: Accept = { "image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/webp": [".webp"] };
export const IMAGE_TYPES = "PNG, JPEG, WebP";
export const SCREENPLAY_ACCEPT: Accept = {
  "application/yaml": [".yaml", ".yml"],
  "text/yaml": [".yaml", ".yml"],
  "application/json": [".json"],
};

export interface PickedFile {
  file: File;
  /** Seconds, for audio and video (null until read, or if the browser cannot decode it). */
  duration: number | null;
}

/** The duration of an audio/video file, read by the browser's own decoder. */
export function readDuration(file: File): Promise<number | null> {
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file);
    const media = document.createElement(file.type.startsWith("video") ? "video" : "audio");
    const done = (value: number | null) => {
      URL.revokeObjectURL(url);
      resolve(value);
    };
    media.preload = "metadata";
    media.onloadedmetadata = () => done(Number.isFinite(media.duration) ? media.duration : null);
    media.onerror = () => done(null);
    media.src = url;
  });
}

interface MediaUploaderProps {
  label: string;
  accept: Accept;
  typesLabel: string;
  onPicked: (picked: PickedFile | null) => void;
  disabled?: boolean;
}

export function MediaUploader({ label, accept, typesLabel, onPicked, disabled }: MediaUploaderProps) {
  const t = useT();
  const [picked, setPicked] = useState<PickedFile | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const { getRootProps, getInputProps, isDragActive } = useDropzone({
    accept,
    multiple: false,
    disabled,
    onDrop: async (accepted, rejected) => {
      setProblem(null);
      if (rejected.length > 0 || accepted.length === 0) {
        const name = rejected[0]?.file.name ?? "";
        setPicked(null);
        onPicked(null);
        setProblem(t("upload.badType", { name, types: typesLabel }));
        return;
      }
      const file = accepted[0]!;
      const timed = file.type.startsWith("audio") || file.type.startsWith("video");
      const duration = timed ? await readDuration(file) : null;
      if (timed && duration === null) {
        setProblem(t("upload.unreadable", { name: file.name, types: typesLabel }));
        setPicked(null);
        onPicked(null);
        return;
      }
      const next = { file, duration };
      setPicked(next);
      onPicked(next);
    },
  });

  return (
    <div className="flex flex-col gap-1">
      <div
        {...getRootProps({
          role: "button",
          "aria-label": label,
          "aria-describedby": problem ? "uploader-problem" : undefined,
          className: cn(
            "flex min-h-28 cursor-pointer flex-col items-center justify-center gap-1 rounded-lg border-2 border-dashed p-4 text-center text-sm",
            isDragActive ? "border-accent bg-surface-2" : "border-line",
            disabled && "cursor-not-allowed opacity-60",
          ),
        })}
        data-testid="dropzone"
      >
        <input {...getInputProps({ "aria-label": label })} />
        <Upload className="size-5 text-muted" aria-hidden />
        <span className="font-medium">{label}</span>
        <span className="text-xs text-muted">{t("upload.hint", { types: typesLabel })}</span>
      </div>
      {picked && (
        <p className="text-sm" data-testid="picked-file">
          {picked.file.name} · {formatBytes(picked.file.size)}
          {picked.duration !== null && <> · {t("upload.duration", { duration: formatDuration(picked.duration) })}</>}
        </p>
      )}
      {problem && (
        <p id="uploader-problem" role="alert" className="text-sm text-danger">
          {problem}
        </p>
      )}
    </div>
  );
}
