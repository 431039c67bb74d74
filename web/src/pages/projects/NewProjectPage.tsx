/**
 * A new project from a briefing, a template, or a pasted/uploaded screenplay. The screenplay is
 * checked against its JSON Schema before anything is sent; the project is created and produced in
 * one call, so a request the server refuses leaves no empty project behind.
 */
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useLocation, useNavigate } from "react-router";
import { stringify } from "yaml";

import { api, unwrap, type Schemas } from "@/api/client";
import { ErrorNotice } from "@/components/ErrorNotice";
import { ScreenplayEditor, useScreenplayCheck } from "@/components/ScreenplayEditor";
import { LanguageSelect } from "@/components/Selects";
import { str, type PresetState } from "@/hooks/usePresetValues";
import { useLocale } from "@/i18n/i18n";
import { localized, REPOSITORY_TEMPLATES, useUserPresets, type Preset } from "@/lib/presets";
import { Button } from "@/ui/button";
import { Card, PageTitle } from "@/ui/card";
import { cn } from "@/ui/cn";
import { Field, Input, Slider, Textarea } from "@/ui/field";

type Mode = "template" | "screenplay" | "briefing";
type Content = Pick<Schemas["NewProductionRequest"], "screenplay" | "briefing">;

function screenplayText(values: Record<string, unknown>): string {
  return values.screenplay ? stringify(values.screenplay, { lineWidth: 0 }) : "";
}

export default function NewProjectPage() {
  const { t, locale } = useLocale();
  const navigate = useNavigate();
  const handed = (useLocation().state as PresetState | null)?.preset;
  const fromTemplate = handed?.kind === "project" ? handed.values : null;
  const [mode, setMode] = useState<Mode>(fromTemplate ? "screenplay" : "template");
  const [name, setName] = useState(str(fromTemplate?.name));
  const [text, setText] = useState(fromTemplate ? screenplayText(fromTemplate) : "");
  const [briefing, setBriefing] = useState({ text: "", style: "", duration: 30, language: "pt-br" });
  const check = useScreenplayCheck(text);
  const { presets } = useUserPresets();
  const templates = [...REPOSITORY_TEMPLATES, ...presets].filter((preset) => preset.kind === "project");

  const produce = useMutation({
    mutationFn: async (content: Content) =>
      (await unwrap(api.POST("/api/v1/studio/projects", { body: { name: name.trim(), type: "video", ...content } }))).id,
    onSuccess: (id) => navigate(`/projects/${id}`),
  });

  const pick = (template: Preset) => {
    setName(str(template.values.name, localized(template.name, locale)));
    setText(screenplayText(template.values));
    setMode("screenplay");
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (mode === "briefing") produce.mutate({ briefing });
    else if (check?.ok) produce.mutate({ screenplay: check.screenplay });
  };

  const tabs: { id: Mode; label: string }[] = [
    { id: "template", label: t("projects.fromTemplate") },
    { id: "screenplay", label: t("projects.fromScreenplay") },
    { id: "briefing", label: t("projects.fromBriefing") },
  ];

  return (
    <>
      <PageTitle>{t("projects.new")}</PageTitle>
      <Card>
        <form onSubmit={submit} className="flex flex-col gap-4">
          <Field label={t("projects.name")}>
            <Input value={name} onChange={(event) => setName(event.target.value)} maxLength={200} required />
          </Field>
          <div role="tablist" aria-label={t("projects.startFrom")} className="flex flex-wrap gap-1 border-b border-line">
            {tabs.map((tab) => (
              <button
                key={tab.id}
                type="button"
                role="tab"
                id={`tab-${tab.id}`}
                aria-selected={mode === tab.id}
                aria-controls={`panel-${tab.id}`}
                onClick={() => setMode(tab.id)}
                className={cn("-mb-px border-b-2 px-3 py-2 text-sm", mode === tab.id ? "border-accent font-medium" : "border-transparent text-muted")}
              >
                {tab.label}
              </button>
            ))}
          </div>
          <div role="tabpanel" id={`panel-${mode}`} aria-labelledby={`tab-${mode}`}>
            {mode === "template" && (
              <ul className="grid gap-3 sm:grid-cols-2" aria-label={t("templates.title")}>
                {templates.map((template) => (
                  <li key={`${template.source}-${template.id}`} className="flex flex-col gap-2 rounded-md border border-line p-3">
                    <p className="font-medium">{localized(template.name, locale)}</p>
                    <p className="text-sm text-muted">{localized(template.description, locale)}</p>
                    <Button size="sm" className="self-start" onClick={() => pick(template)}>
                      {t("templates.use")}
                    </Button>
                  </li>
                ))}
              </ul>
            )}
            {mode === "screenplay" && <ScreenplayEditor value={text} onChange={setText} />}
            {mode === "briefing" && (
              <div className="flex flex-col gap-3">
                <Field label={t("projects.briefingText")}>
                  <Textarea value={briefing.text} onChange={(event) => setBriefing({ ...briefing, text: event.target.value })} maxLength={4000} />
                </Field>
                <div className="grid gap-3 sm:grid-cols-2">
                  <Field label={t("projects.style")}>
                    <Input value={briefing.style} onChange={(event) => setBriefing({ ...briefing, style: event.target.value })} />
                  </Field>
                  <LanguageSelect value={briefing.language} onChange={(language) => setBriefing({ ...briefing, language })} />
                </div>
                <Slider label={t("projects.duration")} value={briefing.duration} min={5} max={300} step={5} onChange={(value) => setBriefing({ ...briefing, duration: value })} />
              </div>
            )}
          </div>
          <ErrorNotice error={produce.error} title={t("projects.produceFailed")} />
          {mode !== "template" && (
            <Button
              type="submit"
              variant="primary"
              className="self-start"
              disabled={produce.isPending || !name.trim() || (mode === "briefing" ? !briefing.text.trim() : !check?.ok)}
            >
              {produce.isPending ? t("common.submitting") : t("projects.produce")}
            </Button>
          )}
        </form>
      </Card>
    </>
  );
}
