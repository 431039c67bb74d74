import type { MessageKey } from "@/i18n/en";
import { useT } from "@/i18n/i18n";
import { Badge } from "@/ui/feedback";

const TONES = {
  queued: "neutral",
  submitted: "neutral",
  running: "accent",
  processing: "accent",
  draft: "neutral",
  completed: "ok",
  ready: "ok",
  failed: "danger",
  cancelled: "warn",
} as const;

export function StatusBadge({ status }: { status: string }) {
  const t = useT();
  const tone = TONES[status as keyof typeof TONES] ?? "neutral";
  const key = `status.${status}` as MessageKey;
  return <Badge tone={tone}>{status in TONES ? t(key) : status}</Badge>;
}
