/**
 * Paint the part of an image to change. The mask is exported at the image's own size, white
 * where painted on black, which is what the edit endpoint's `mask_asset_id` expects.
 */
import { useEffect, useRef, useState, type PointerEvent } from "react";

import { useT } from "@/i18n/i18n";
import { Button } from "@/ui/button";
import { Slider } from "@/ui/field";

interface MaskPainterProps {
  src: string;
  onChange: (hasMask: boolean) => void;
  canvasRef: React.RefObject<HTMLCanvasElement | null>;
}

export function MaskPainter({ src, onChange, canvasRef }: MaskPainterProps) {
  const t = useT();
  const [size, setSize] = useState({ width: 0, height: 0 });
  const [brush, setBrush] = useState(32);
  const drawing = useRef(false);

  useEffect(() => {
    const image = new Image();
    image.onload = () => setSize({ width: image.naturalWidth, height: image.naturalHeight });
    image.src = src;
  }, [src]);

  const paint = (event: PointerEvent<HTMLCanvasElement>) => {
    const canvas = canvasRef.current;
    if (!drawing.current || !canvas) return;
    const box = canvas.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * canvas.width;
    const y = ((event.clientY - box.top) / box.height) * canvas.height;
    const context = canvas.getContext("2d")!;
    context.fillStyle = "rgba(255,255,255,1)";
    context.beginPath();
    context.arc(x, y, (brush / box.width) * canvas.width, 0, Math.PI * 2);
    context.fill();
    onChange(true);
  };

  const clear = () => {
    const canvas = canvasRef.current;
    canvas?.getContext("2d")?.clearRect(0, 0, canvas.width, canvas.height);
    onChange(false);
  };

  return (
    <div className="flex flex-col gap-2">
      <div className="relative w-full max-w-md">
        <img src={src} alt={t("image.editSource")} className="w-full rounded-md" />
        {size.width > 0 && (
          <canvas
            ref={canvasRef}
            width={size.width}
            height={size.height}
            aria-label={t("image.maskCanvas")}
            role="img"
            className="absolute inset-0 size-full cursor-crosshair touch-none rounded-md opacity-60 mix-blend-screen"
            onPointerDown={(event) => {
              drawing.current = true;
              paint(event);
            }}
            onPointerMove={paint}
            onPointerUp={() => (drawing.current = false)}
            onPointerLeave={() => (drawing.current = false)}
          />
        )}
      </div>
      <div className="flex flex-wrap items-end gap-3">
        <div className="w-56">
          <Slider label={t("image.brush")} value={brush} min={4} max={96} step={2} onChange={setBrush} />
        </div>
        <Button size="sm" onClick={clear}>
          {t("image.clearMask")}
        </Button>
      </div>
    </div>
  );
}

/** The painted mask as a PNG: white where painted, black elsewhere. */
export async function maskPng(canvas: HTMLCanvasElement, failure: string): Promise<Blob> {
  const out = document.createElement("canvas");
  out.width = canvas.width;
  out.height = canvas.height;
  const context = out.getContext("2d")!;
  context.fillStyle = "#000";
  context.fillRect(0, 0, out.width, out.height);
  context.drawImage(canvas, 0, 0);
  return new Promise((resolve, reject) =>
    out.toBlob((blob) => (blob ? resolve(blob) : reject(new Error(failure))), "image/png"),
  );
}
