/**
 * Presets as data: the repository's templates (templates/*.json, bundled at build time) and the
 * user's own, saved on the server (every key of the account sees them). A server without
 * /api/v1/presets (older than this app) keeps them in this browser instead, labelled so; presets
 * a browser kept before its server had them stay listed there until deleted.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { useCapabilities } from "@/api/capabilities";
import { api, unwrap } from "@/api/client";
import type { Locale } from "@/i18n/i18n";

export const PRESET_KINDS = ["project", "image", "speech", "music", "animate", "avatar"] as const;
export type PresetKind = (typeof PRESET_KINDS)[number];

export interface Preset {
  id: string;
  kind: PresetKind;
  name: string | Record<string, string>;
  description?: string | Record<string, string>;
  tags: string[];
  language?: string;
  values: Record<string, unknown>;
  source: "repository" | "server" | "browser";
}

const files = import.meta.glob<Omit<Preset, "source">>("../../../templates/*.json", { eager: true, import: "default" });

export const REPOSITORY_TEMPLATES: Preset[] = Object.values(files)
  .map((template) => ({ ...template, source: "repository" as const }))
  .sort((a, b) => a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));

export function localized(text: string | Record<string, string> | undefined, locale: Locale): string {
  if (text === undefined) return "";
  if (typeof text === "string") return text;
  return text[locale] ?? text.en ?? Object.values(text)[0] ?? "";
}

const BROWSER_STORAGE = "studio.presets";

function browserPresets(): Preset[] {
  try {
    const saved: unknown = JSON.parse(localStorage.getItem(BROWSER_STORAGE) ?? "[]");
    return Array.isArray(saved) ? (saved as Preset[]).map((preset) => ({ ...preset, source: "browser" })) : [];
  } catch {
    return [];
  }
}

function writeBrowserPresets(presets: Preset[]): void {
  localStorage.setItem(BROWSER_STORAGE, JSON.stringify(presets));
}

export interface NewPreset {
  kind: PresetKind;
  name: string;
  tags: string[];
  values: Record<string, unknown>;
}

export const SERVER_PRESETS = "GET /api/v1/presets";

async function serverPresets(): Promise<Preset[]> {
  const saved = await unwrap(api.GET("/api/v1/presets", { params: { query: { limit: 200 } } }));
  return saved.map(({ id, kind, name, tags, values }) => ({ id, kind, name, tags, values, source: "server" as const }));
}

/** The user's presets and how to save or delete one, wherever they are kept. */
export function useUserPresets() {
  const capabilities = useCapabilities();
  const onServer = capabilities?.has(SERVER_PRESETS) ?? false;
  const queryClient = useQueryClient();
  const list = useQuery({
    queryKey: ["presets", onServer],
    queryFn: async (): Promise<Preset[]> => (onServer ? [...(await serverPresets()), ...browserPresets()] : browserPresets()),
    enabled: capabilities !== undefined,
  });
  const save = useMutation({
    mutationFn: async (preset: NewPreset) => {
      if (onServer) {
        await unwrap(api.POST("/api/v1/presets", { body: preset }));
        return;
      }
      writeBrowserPresets([...browserPresets(), { ...preset, id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`, source: "browser" }]);
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["presets"] }),
  });
  const remove = useMutation({
    mutationFn: async (preset: Preset) => {
      if (preset.source === "server") {
        await unwrap(api.DELETE("/api/v1/presets/{preset_id}", { params: { path: { preset_id: preset.id } } }));
      } else {
        writeBrowserPresets(browserPresets().filter((kept) => kept.id !== preset.id));
      }
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["presets"] }),
  });
  return { presets: list.data ?? [], onServer, error: list.error, save, remove };
}
