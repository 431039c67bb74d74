/** Templates: the repository's presets and the user's own, filtered; "use" opens the form filled in. */
import { Trash2 } from "lucide-react";
import { useState } from "react";
import { useNavigate } from "react-router";

import type { MessageKey } from "@/i18n/en";
import { useLocale } from "@/i18n/i18n";
import { localized, PRESET_KINDS, REPOSITORY_TEMPLATES, useUserPresets, type Preset, type PresetKind } from "@/lib/presets";
import { Button } from "@/ui/button";
import { Card, PageTitle } from "@/ui/card";
import { Badge } from "@/ui/feedback";
import { Field, Input, Select } from "@/ui/field";
import { ErrorNotice } from "@/components/ErrorNotice";

const OPENS: Record<PresetKind, string> = {
  project: "/projects/new",
  image: "/image",
  speech: "/audio",
  music: "/audio",
  animate: "/video",
  avatar: "/video",
};

export function matches(preset: Preset, kind: string, tag: string, text: string, locale: "en" | "pt-BR"): boolean {
  if (kind && preset.kind !== kind) return false;
  if (tag && !preset.tags.includes(tag)) return false;
  const haystack = `${localized(preset.name, locale)} ${localized(preset.description, locale)} ${preset.tags.join(" ")}`.toLowerCase();
  return !text || haystack.includes(text.toLowerCase());
}

export default function TemplatesPage() {
  const { t, locale } = useLocale();
  const navigate = useNavigate();
  const { presets, onServer, error, remove } = useUserPresets();
  const [kind, setKind] = useState("");
  const [tag, setTag] = useState("");
  const [text, setText] = useState("");
  const all = [...REPOSITORY_TEMPLATES, ...presets];
  const tags = [...new Set(all.flatMap((preset) => preset.tags))].sort();
  const shown = all.filter((preset) => matches(preset, kind, tag, text, locale));
  const sourceLabel: Record<Preset["source"], MessageKey> = {
    repository: "templates.fromRepository",
    server: "templates.fromServer",
    browser: "templates.fromBrowser",
  };

  return (
    <>
      <PageTitle>{t("templates.title")}</PageTitle>
      <Card>
        <div className="mb-4 grid gap-3 sm:grid-cols-3">
          <Field label={t("templates.kind")}>
            <Select value={kind} onChange={(event) => setKind(event.target.value)}>
              <option value="">{t("history.all")}</option>
              {PRESET_KINDS.map((option) => (
                <option key={option} value={option}>
                  {t(`kind.${option}`)}
                </option>
              ))}
            </Select>
          </Field>
          <Field label={t("templates.tag")}>
            <Select value={tag} onChange={(event) => setTag(event.target.value)}>
              <option value="">{t("history.all")}</option>
              {tags.map((option) => (
                <option key={option} value={option}>
                  {option}
                </option>
              ))}
            </Select>
          </Field>
          <Field label={t("history.search")}>
            <Input type="search" value={text} onChange={(event) => setText(event.target.value)} />
          </Field>
        </div>
        {!onServer && <p className="mb-3 text-xs text-muted">{t("presets.inBrowser")}</p>}
        <ErrorNotice error={error ?? remove.error} />
        {shown.length === 0 ? (
          <p className="text-sm text-muted">{t("templates.none")}</p>
        ) : (
          <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3" aria-label={t("templates.title")}>
            {shown.map((preset) => (
              <li key={`${preset.source}-${preset.id}`} className="flex flex-col gap-2 rounded-md border border-line p-3" data-testid="template-card">
                <div className="flex flex-wrap items-center gap-2">
                  <Badge tone="accent">{t(`kind.${preset.kind}`)}</Badge>
                  <span className="text-xs text-muted">{t(sourceLabel[preset.source])}</span>
                </div>
                <p className="font-medium">{localized(preset.name, locale)}</p>
                {preset.description && <p className="text-sm text-muted">{localized(preset.description, locale)}</p>}
                <p className="flex flex-wrap gap-1">
                  {preset.tags.map((item) => (
                    <Badge key={item}>{item}</Badge>
                  ))}
                </p>
                <div className="mt-auto flex gap-2">
                  <Button
                    size="sm"
                    variant="primary"
                    aria-label={t("templates.useOne", { name: localized(preset.name, locale) })}
                    onClick={() => navigate(OPENS[preset.kind], { state: { preset: { kind: preset.kind, values: preset.values } } })}
                  >
                    {t("templates.use")}
                  </Button>
                  {preset.source !== "repository" && (
                    <Button size="sm" variant="danger" aria-label={t("templates.deleteOne", { name: localized(preset.name, locale) })} onClick={() => remove.mutate(preset)}>
                      <Trash2 className="size-4" aria-hidden />
                    </Button>
                  )}
                </div>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}
