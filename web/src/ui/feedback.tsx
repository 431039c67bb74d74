/** Badges, progress bars, notices and spinners. */
import type { ReactNode } from "react";

import { cn } from "./cn";

type Tone = "neutral" | "ok" | "danger" | "warn" | "accent";
const tones: Record<Tone, string> = {
  neutral: "border-line text-muted",
  ok: "border-ok text-ok",
  danger: "border-danger text-danger",
  warn: "border-warn text-warn",
  accent: "border-accent text-accent",
};

export function Badge({ tone = "neutral", children }: { tone?: Tone; children: ReactNode }) {
  return (
    <span className={cn("inline-flex items-center rounded-full border px-2 py-0.5 text-xs font-medium", tones[tone])}>
      {children}
    </span>
  );
}

export function ProgressBar({ value, label }: { value: number; label: string }) {
  const percent = Math.round(Math.max(0, Math.min(1, value)) * 100);
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      className="h-2 w-full overflow-hidden rounded-full bg-surface-2"
    >
      <div className="h-full rounded-full bg-accent transition-[width]" style={{ width: `${percent}%` }} />
    </div>
  );
}

export function Notice({
  tone = "neutral",
  title,
  children,
  role,
}: {
  tone?: Tone;
  title?: ReactNode;
  children?: ReactNode;
  role?: "alert" | "status";
}) {
  return (
    <div role={role} className={cn("rounded-md border bg-surface px-3 py-2 text-sm", tones[tone])}>
      {title && <p className="font-medium">{title}</p>}
      {children && <div className="text-ink">{children}</div>}
    </div>
  );
}

export function Spinner({ label }: { label: string }) {
  return (
    <span role="status" aria-label={label} className="inline-block size-4 animate-spin rounded-full border-2 border-line border-t-accent" />
  );
}
