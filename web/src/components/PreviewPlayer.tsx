/** An asset shown as what it is: an image, an audio player or a video player (with subtitles). */
import { useEffect, useState } from "react";

import type { Asset } from "@/api/client";
import { useMediaUrl, useObjectUrl } from "@/api/media";
import { useT } from "@/i18n/i18n";
import { cn } from "@/ui/cn";
import { Notice, Spinner } from "@/ui/feedback";

interface PreviewPlayerProps {
  asset: Pick<Asset, "id" | "type" | "content_type" | "links">;
  label: string;
  /** WebVTT text for the video's subtitle track. */
  subtitles?: string | null;
  className?: string;
}

export function PreviewPlayer({ asset, label, subtitles, className }: PreviewPlayerProps) {
  const t = useT();
  // Audio and video stream from a signed URL (Range, seeking); an image is small, fetched whole.
  const playable = asset.type === "audio" || asset.type === "video";
  const media = useMediaUrl(playable ? asset.id : null);
  const image = useObjectUrl(playable ? null : asset.links.download);
  const { src, error } = playable ? media : image;
  const track = useVttUrl(subtitles);
  if (error) return <Notice tone="danger" role="alert" title={t("media.loadFailed")} />;
  if (!src) return <Spinner label={t("common.loading")} />;
  if (asset.type === "image") {
    return <img src={src} alt={label} className={cn("max-h-96 rounded-md border border-line object-contain", className)} />;
  }
  if (asset.type === "audio") {
    return <audio controls src={src} aria-label={label} className={cn("w-full", className)} />;
  }
  if (asset.type === "video") {
    return (
      <video controls src={src} aria-label={label} className={cn("max-h-[28rem] w-full rounded-md bg-black", className)}>
        {track && <track kind="subtitles" src={track} label={t("media.subtitles")} default />}
      </video>
    );
  }
  return <p className="text-sm text-muted">{asset.content_type}</p>;
}

function useVttUrl(vtt: string | null | undefined): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!vtt) {
      setUrl(null);
      return;
    }
    const objectUrl = URL.createObjectURL(new Blob([vtt], { type: "text/vtt" }));
    setUrl(objectUrl);
    return () => URL.revokeObjectURL(objectUrl);
  }, [vtt]);
  return url;
}
