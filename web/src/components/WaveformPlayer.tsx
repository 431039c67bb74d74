/**
 * Generated speech with its waveform (wavesurfer.js) and its text, each word highlighted from
 * the speech's word timings while it is spoken; clicking a word plays from there.
 */
import { Pause, Play } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import WaveSurfer from "wavesurfer.js";

import { useObjectUrl } from "@/api/media";
import { useT } from "@/i18n/i18n";
import { formatDuration } from "@/lib/format";
import { activeWordIndex, type WordTiming } from "@/lib/words";
import { Button } from "@/ui/button";
import { Notice, Spinner } from "@/ui/feedback";

interface WaveformPlayerProps {
  downloadLink: string;
  words: WordTiming[];
  label: string;
}

export function WaveformPlayer({ downloadLink, words, label }: WaveformPlayerProps) {
  const t = useT();
  const { src, error } = useObjectUrl(downloadLink);
  const container = useRef<HTMLDivElement>(null);
  const player = useRef<WaveSurfer | null>(null);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(0);
  const [playing, setPlaying] = useState(false);

  useEffect(() => {
    if (!src || !container.current) return;
    const styles = getComputedStyle(document.documentElement);
    const surfer = WaveSurfer.create({
      container: container.current,
      url: src,
      height: 64,
      waveColor: styles.getPropertyValue("--line").trim() || "#999",
      progressColor: styles.getPropertyValue("--accent").trim() || "#4338ca",
      cursorColor: styles.getPropertyValue("--ink").trim() || "#000",
      barWidth: 2,
      barGap: 1,
    });
    surfer.on("ready", (seconds) => setDuration(seconds));
    surfer.on("timeupdate", (seconds) => setTime(seconds));
    surfer.on("play", () => setPlaying(true));
    surfer.on("pause", () => setPlaying(false));
    surfer.on("finish", () => setPlaying(false));
    player.current = surfer;
    return () => {
      surfer.destroy();
      player.current = null;
    };
  }, [src]);

  if (error) return <Notice tone="danger" role="alert" title={t("media.loadFailed")} />;
  if (!src) return <Spinner label={t("common.loading")} />;
  const current = activeWordIndex(words, time);

  return (
    <figure className="flex flex-col gap-2" aria-label={label}>
      <div className="flex items-center gap-2">
        <Button
          size="sm"
          variant="primary"
          aria-label={playing ? t("media.pause") : t("media.play")}
          onClick={() => void player.current?.playPause()}
        >
          {playing ? <Pause className="size-4" aria-hidden /> : <Play className="size-4" aria-hidden />}
        </Button>
        <span className="text-xs text-muted tabular-nums" aria-live="off">
          {formatDuration(time)} / {formatDuration(duration)}
        </span>
      </div>
      <div ref={container} data-testid="waveform" className="w-full" />
      {words.length > 0 && (
        <p className="leading-8" data-testid="spoken-words">
          {words.map((word, index) => [
            index > 0 && " ",
            <button
              type="button"
              key={`${index}-${word.start_seconds}`}
              data-active={index === current || undefined}
              className={index === current ? "word-active px-0.5" : "px-0.5 hover:underline"}
              onClick={() => {
                player.current?.setTime(word.start_seconds);
                void player.current?.play();
              }}
              aria-label={t("media.playFromWord", { word: word.word })}
            >
              {word.word}
            </button>,
          ])}
        </p>
      )}
    </figure>
  );
}
