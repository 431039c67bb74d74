/** Values a page was opened with ("use this template", "use these settings"), via router state. */
import { useLocation } from "react-router";

export interface PresetState {
  preset?: { kind: string; values: Record<string, unknown> };
}

export function usePresetValues(kind: string): Record<string, unknown> | null {
  const state = useLocation().state as PresetState | null;
  return state?.preset?.kind === kind ? state.preset.values : null;
}

export const str = (value: unknown, fallback = ""): string => (typeof value === "string" ? value : fallback);
export const num = (value: unknown, fallback: number): number => (typeof value === "number" && Number.isFinite(value) ? value : fallback);
