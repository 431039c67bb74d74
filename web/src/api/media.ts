/**
 * Asset bytes for players and downloads. <img>/<audio>/<video> cannot send an Authorization
 * header. Players of audio and video get a short-lived signed URL instead
 * (POST /api/v1/assets/{id}/url: presigned on S3, else an HMAC-signed gateway link), so they
 * stream and seek with Range requests rather than fetching a whole film first. Images and
 * waveforms (which need the bytes anyway) are fetched with the header and shown from an object URL.
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { api, authedFetch, unwrap } from "./client";

/** A signed media URL is re-asked for this long before it expires (a player may still seek). */
const MEDIA_URL_MARGIN_MS = 10 * 60_000;

/** A URL a player can stream the asset from without credentials, while it lasts. */
export function useMediaUrl(assetId: string | null | undefined): { src: string | null; error: unknown } {
  const media = useQuery({
    queryKey: ["media-url", assetId],
    queryFn: () => unwrap(api.POST("/api/v1/assets/{asset_id}/url", { params: { path: { asset_id: assetId ?? "" } } })),
    enabled: Boolean(assetId),
    staleTime: (query) =>
      query.state.data ? Math.max(0, Date.parse(query.state.data.expires_at) - Date.now() - MEDIA_URL_MARGIN_MS) : 0,
    refetchOnWindowFocus: false,
  });
  return { src: media.data?.url ?? null, error: media.error };
}

export function streamUrl(downloadLink: string): string {
  return `${downloadLink}${downloadLink.includes("?") ? "&" : "?"}mode=stream`;
}

const segment = encodeURIComponent;

/** The asset converted to `format` (GET /api/v1/assets/{id}/export), for saveAs. */
export function exportUrl(assetId: string, format: string): string {
  return `/api/v1/assets/${segment(assetId)}/export?format=${segment(format)}`;
}

/** A small WebP of an image or of a video's frame (cached by the browser for a day). */
export function thumbnailUrl(assetId: string, size = 96): string {
  return `/api/v1/assets/${segment(assetId)}/thumbnail?size=${size}`;
}

/** The project's current version as a zip. */
export function projectZipUrl(projectId: string): string {
  return `/api/v1/studio/projects/${segment(projectId)}/export`;
}

export async function fetchBlob(url: string): Promise<Blob> {
  return (await authedFetch(url)).blob();
}

/** An object URL of the bytes behind `url` (a download link), revoked when no longer shown. */
export function useObjectUrl(url: string | null | undefined): { src: string | null; error: unknown } {
  const blob = useQuery({
    queryKey: ["blob", url],
    queryFn: () => fetchBlob(streamUrl(url ?? "")),
    enabled: Boolean(url),
    staleTime: Infinity,
    gcTime: 60_000,
  });
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    if (!blob.data) {
      setSrc(null);
      return;
    }
    const objectUrl = URL.createObjectURL(blob.data);
    setSrc(objectUrl);
    return () => URL.revokeObjectURL(objectUrl);
  }, [blob.data]);
  return { src, error: blob.error };
}

/** Save the bytes behind `url` as `filename` (the browser's own download). */
export async function saveAs(url: string, filename: string): Promise<void> {
  const blob = await fetchBlob(url);
  saveBlob(blob, filename);
}

export function saveBlob(blob: Blob, filename: string): void {
  const objectUrl = URL.createObjectURL(blob);
  const anchor = document.createElement("a");
  anchor.href = objectUrl;
  anchor.download = filename;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(objectUrl), 10_000);
}

export function extensionOf(contentType: string): string {
  const known: Record<string, string> = {
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
    "audio/flac": "flac",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "application/x-subrip": "srt",
    "text/vtt": "vtt",
  };
  return known[contentType] ?? contentType.split("/")[1] ?? "bin";
}
