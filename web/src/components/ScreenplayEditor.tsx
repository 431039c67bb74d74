/**
 * A screenplay's text (YAML or JSON) with line numbers, checked against its JSON Schema as it
 * is typed; each error is listed with its line, and that line is marked in the gutter.
 */
import { useMemo, useRef, type ChangeEvent } from "react";
import { useDropzone } from "react-dropzone";

import { useT } from "@/i18n/i18n";
import { checkScreenplay, type ScreenplayCheck } from "@/lib/screenplay";
import { Button } from "@/ui/button";
import { cn } from "@/ui/cn";

import { SCREENPLAY_ACCEPT } from "./MediaUploader";

interface ScreenplayEditorProps {
  value: string;
  onChange: (text: string) => void;
}

export function useScreenplayCheck(text: string): ScreenplayCheck | null {
  return useMemo(() => (text.trim() ? checkScreenplay(text) : null), [text]);
}

export function ScreenplayEditor({ value, onChange }: ScreenplayEditorProps) {
  const t = useT();
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const check = useScreenplayCheck(value);
  const errors = check && !check.ok ? check.errors : [];
  const badLines = new Set(errors.map((error) => error.line));
  const lineCount = Math.max(1, value.split("\n").length);
  const { getRootProps, getInputProps, open } = useDropzone({
    accept: SCREENPLAY_ACCEPT,
    multiple: false,
    noClick: true,
    noKeyboard: true,
    onDrop: async (files) => {
      if (files[0]) onChange(await files[0].text());
    },
  });

  const goTo = (line: number) => {
    const textarea = area.current;
    if (!textarea) return;
    const lines = value.split("\n");
    const start = lines.slice(0, line - 1).reduce((total, text) => total + text.length + 1, 0);
    textarea.focus();
    textarea.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
  };

  return (
    <div className="flex flex-col gap-2" {...getRootProps()}>
      <input {...getInputProps({ "aria-label": t("projects.uploadScreenplay") })} />
      <div className="flex flex-wrap items-center justify-between gap-2">
        <label htmlFor="screenplay-text" className="text-sm font-medium">
          {t("projects.screenplay")}
        </label>
        <Button size="sm" onClick={open}>
          {t("projects.uploadScreenplay")}
        </Button>
      </div>
      <div className="flex max-h-[28rem] overflow-hidden rounded-md border border-line bg-surface font-mono text-xs">
        <div ref={gutter} aria-hidden className="overflow-hidden bg-surface-2 py-2 text-right text-muted select-none">
          {Array.from({ length: lineCount }, (_, index) => (
            <div key={index} className={cn("px-2 leading-5", badLines.has(index + 1) && "bg-danger text-surface")}>
              {index + 1}
            </div>
          ))}
        </div>
        <textarea
          id="screenplay-text"
          ref={area}
          value={value}
          spellCheck={false}
          wrap="off"
          aria-invalid={errors.length > 0}
          aria-describedby="screenplay-errors"
          onChange={(event: ChangeEvent<HTMLTextAreaElement>) => onChange(event.target.value)}
          onScroll={(event) => {
            if (gutter.current) gutter.current.scrollTop = event.currentTarget.scrollTop;
          }}
          className="min-h-72 flex-1 resize-y bg-transparent p-2 leading-5 outline-none"
          placeholder={t("projects.screenplayPlaceholder")}
        />
      </div>
      <div id="screenplay-errors" aria-live="polite">
        {check?.ok && <p className="text-sm text-ok">{t("projects.screenplayValid")}</p>}
        {errors.length > 0 && (
          <ul className="flex flex-col gap-1 text-sm text-danger" aria-label={t("projects.screenplayErrors")} data-testid="screenplay-errors">
            {errors.map((error, index) => (
              <li key={index}>
                <button type="button" className="underline" onClick={() => goTo(error.line)}>
                  {t("projects.errorLine", { line: error.line })}
                </button>
                {error.path && <code className="mx-1">{error.path}</code>}
                {error.key ? t(error.key) : error.message}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
