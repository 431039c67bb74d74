/** SubRip to WebVTT, for the <track> of the film player (browsers play only WebVTT). */

export function srtToVtt(srt: string): string {
  const body = srt
    .replace(/\r\n?/g, "\n")
    .replace(/^\uFEFF/, "")
    .replace(/(\d{2}:\d{2}:\d{2}),(\d{3})/g, "$1.$2")
    .trim();
  return `WEBVTT\n\n${body}\n`;
}
