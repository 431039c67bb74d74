/**
 * A new project from a briefing, a template, or a pasted/uploaded screenplay. The screenplay is
 * checked against its JSON Schema before anything is sent; if the server still refuses it, the
 * project already created is reused by the next attempt (never a pile of empty projects).
 */
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useLocation, useNavigate } from "react-router";
import { stringify } from "yaml";

import { useCapabilities } from "@/api/capabilities";
import { api, requestJson, unwrap } from "@/api/client";
import { ErrorNotice } from "@/components/ErrorNotice";
import { NotAvailable } from "@/components/NotAvailable";
import { ScreenplayEditor, useScreenplayCheck } from "@/components/ScreenplayEditor";
import { LanguageSelect } from "@/components/Selects";
import { str, type PresetState } from "@/hooks/usePresetValues";
import { useLocale } from "@/i18n/i18n";
import { localized, REPOSITORY_TEMPLATES, useUserPresets, type Preset } from "@/lib/presets";
import { Button } from "@/ui/button";
import { Card, PageTitle } from "@/ui/card";
import { cn } from "@/ui/cn";
import { Field, Input, Slider, Textarea } from "@/ui/field";
import { Notice } from "@/ui/feedback";


type Mode = "template" | "screenplay" | "briefing";
const BRIEFING_FIELD = "POST /api/v1/studio/generate-content { briefing }";

function screenplayText(values: Record<string, unknown>): string {
  return values.screenplay ? stringify(values.screenplay, { lineWidth: 0 }) : "";
}

export default function NewProjectPage() {
  const { t, locale } = useLocale();
  const navigate = useNavigate();
  const capabilities = useCapabilities();
  const handed = (useLocation().state as PresetState | null)?.preset;
  const fromTemplate = handed?.kind === "project" ? handed.values : null;
  const [mode, setMode] = useState<Mode>(fromTemplate ? "screenplay" : "template");
  const [name, setName] = useState(str(fromTemplate?.name));
  const [text, setText] = useState(fromTemplate ? screenplayText(fromTemplate) : "");
  const [projectId, setProjectId] = useState<string | null>(null);
  const [briefing, setBriefing] = useState({ text: "", style: "", duration_seconds: 30, language: "pt-br" });
  const check = useScreenplayCheck(text);
  const { presets } = useUserPresets();
  const templates = [...REPOSITORY_TEMPLATES, ...presets].filter((preset) => preset.kind === "project");
  const briefingSupported = capabilities?.hasField("GenerateContentRequest", "briefing") ?? false;

  const produce = useMutation({
    mutationFn: async (content: { screenplay: Record<string, unknown> } | { briefing: typeof briefing }) => {
      let id = projectId;
      if (!id) {
        id = (await unwrap(api.POST("/api/v1/studio/create-project", { body: { name: name.trim(), type: "video" } }))).id;
        setProjectId(id);
      }
      if ("screenplay" in content) {
        await unwrap(api.POST("/api/v1/studio/generate-content", { body: { project_id: id, screenplay: content.screenplay } }));
      } else {
        await requestJson("POST", "/api/v1/studio/generate-content", { project_id: id, briefing: content.briefing });
      }
      return id;
    },
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
                {capabilities && !briefingSupported && <NotAvailable operation={BRIEFING_FIELD} feature={t("projects.fromBriefing")} />}
                <fieldset disabled={!briefingSupported} className="flex flex-col gap-3">
                  <Field label={t("projects.briefingText")}>
                    <Textarea value={briefing.text} onChange={(event) => setBriefing({ ...briefing, text: event.target.value })} maxLength={4000} />
                  </Field>
                  <div className="grid gap-3 sm:grid-cols-2">
                    <Field label={t("projects.style")}>
                      <Input value={briefing.style} onChange={(event) => setBriefing({ ...briefing, style: event.target.value })} />
                    </Field>
                    <LanguageSelect value={briefing.language} onChange={(language) => setBriefing({ ...briefing, language })} />
                  </div>
                  <Slider label={t("projects.duration")} value={briefing.duration_seconds} min={5} max={300} step={5} onChange={(value) => setBriefing({ ...briefing, duration_seconds: value })} />
                </fieldset>
              </div>
            )}
          </div>
          {projectId && produce.error ? <Notice tone="warn" role="status">{t("projects.reusesProject")}</Notice> : null}
          <ErrorNotice error={produce.error} title={t("projects.produceFailed")} />
          {mode !== "template" && (
            <Button
              type="submit"
              variant="primary"
              className="self-start"
              disabled={produce.isPending || !name.trim() || (mode === "briefing" ? !briefingSupported || !briefing.text.trim() : !check?.ok)}
            >
              {produce.isPending ? t("common.submitting") : t("projects.produce")}
            </Button>
          )}
        </form>
      </Card>
    </>
  );
}
