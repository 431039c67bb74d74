/**
 * The foot of every generation form: submit, save the form as a preset, and the job it started,
 * followed live until it finishes.
 */
import { Save } from "lucide-react";
import { useState, type ReactNode } from "react";

import type { Job } from "@/api/client";
import { useT } from "@/i18n/i18n";
import { useUserPresets, type PresetKind } from "@/lib/presets";
import { Button } from "@/ui/button";
import { Dialog } from "@/ui/dialog";
import { Field, Input } from "@/ui/field";
import { ErrorNotice } from "@/components/ErrorNotice";

import { JobProgress } from "./JobProgress";

interface GenerationControlsProps {
  submitLabel: string;
  busy: boolean;
  disabled?: boolean;
  error: unknown;
  jobId: string | null;
  onFinished?: (job: Job) => void;
  preset?: { kind: PresetKind; values: () => Record<string, unknown> };
  children?: ReactNode;
}

export function GenerationControls({ submitLabel, busy, disabled, error, jobId, onFinished, preset, children }: GenerationControlsProps) {
  const t = useT();
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap gap-2">
        <Button type="submit" variant="primary" disabled={busy || disabled}>
          {busy ? t("common.submitting") : submitLabel}
        </Button>
        {preset && <SavePresetButton kind={preset.kind} values={preset.values} />}
        {children}
      </div>
      <ErrorNotice error={error} title={t("common.requestFailed")} />
      {jobId && <JobProgress key={jobId} jobId={jobId} onFinished={onFinished} />}
    </div>
  );
}

function SavePresetButton({ kind, values }: { kind: PresetKind; values: () => Record<string, unknown> }) {
  const t = useT();
  const { save, onServer } = useUserPresets();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [tags, setTags] = useState("");
  return (
    <>
      <Button onClick={() => setOpen(true)}>
        <Save className="size-4" aria-hidden />
        {t("presets.save")}
      </Button>
      <Dialog
        open={open}
        onOpenChange={setOpen}
        title={t("presets.saveTitle")}
        description={onServer ? t("presets.onServer") : t("presets.inBrowser")}
        closeLabel={t("common.close")}
      >
        <form
          className="flex flex-col gap-3"
          onSubmit={(event) => {
            event.preventDefault();
            const tagList = tags.split(",").map((tag) => tag.trim()).filter(Boolean);
            save.mutate(
              { kind, name: name.trim(), tags: tagList, values: values() },
              { onSuccess: () => { setOpen(false); setName(""); setTags(""); } },
            );
          }}
        >
          <Field label={t("presets.name")}>
            <Input value={name} onChange={(event) => setName(event.target.value)} required maxLength={100} />
          </Field>
          <Field label={t("presets.tags")} hint={t("presets.tagsHint")}>
            <Input value={tags} onChange={(event) => setTags(event.target.value)} />
          </Field>
          <ErrorNotice error={save.error} />
          <Button type="submit" variant="primary" disabled={!name.trim() || save.isPending}>
            {t("presets.saveConfirm")}
          </Button>
        </form>
      </Dialog>
    </>
  );
}
