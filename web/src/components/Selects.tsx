/** Selects several pages share: speech language, the UI's language, a ready voice, a job type. */
import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "@/api/client";
import { LOCALES, useLocale, type Locale } from "@/i18n/i18n";
import { jobTypeLabel } from "@/lib/jobs";
import { Field, Select } from "@/ui/field";

export const LANGUAGES = ["pt-br", "en", "es", "fr", "de", "it"] as const;

export const JOB_TYPES = [
  "audio.synthesize",
  "audio.generate_music",
  "audio.register_voice",
  "image.generate",
  "image.edit",
  "image.upscale",
  "video.create_avatar_video",
  "video.animate",
  "composer.compose",
];

interface ValueProps {
  value: string;
  onChange: (value: string) => void;
}

/** The language spoken or written (a generation's `language`). */
export function LanguageSelect({ value, onChange }: ValueProps) {
  const { t, locale } = useLocale();
  const names = new Intl.DisplayNames([locale], { type: "language" });
  return (
    <Field label={t("common.language")}>
      <Select value={value} onChange={(event) => onChange(event.target.value)}>
        {LANGUAGES.map((code) => (
          <option key={code} value={code}>
            {`${names.of(code) ?? code} (${code})`}
          </option>
        ))}
      </Select>
    </Field>
  );
}

/** The UI's own language; compact, for the header and the sign-in card. */
export function LocaleSelect({ id }: { id: string }) {
  const { t, locale, setLocale } = useLocale();
  return (
    <>
      <label className="sr-only" htmlFor={id}>
        {t("settings.language")}
      </label>
      <select
        id={id}
        value={locale}
        onChange={(event) => setLocale(event.target.value as Locale)}
        className="h-8 rounded-md border border-line bg-surface px-2 text-sm"
      >
        {LOCALES.map((option) => (
          <option key={option} value={option}>
            {localeName(option)}
          </option>
        ))}
      </select>
    </>
  );
}

export function localeName(locale: Locale): string {
  return locale === "en" ? "English" : "Português (Brasil)";
}

/** The voices ready to speak (cloned ones), or the backend's default voice. */
export function VoiceSelect({ value, onChange }: ValueProps) {
  const { t } = useLocale();
  const voices = useQuery({
    queryKey: ["voices"],
    queryFn: () => unwrap(api.GET("/api/v1/audio/voices", { params: { query: { limit: 200 } } })),
  });
  return (
    <Field label={t("audio.voice")}>
      <Select value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">{t("audio.defaultVoice")}</option>
        {(voices.data ?? [])
          .filter((voice) => voice.status === "ready")
          .map((voice) => (
            <option key={voice.id} value={voice.id}>
              {voice.name}
            </option>
          ))}
      </Select>
    </Field>
  );
}

/** A job type, or all of them (""). */
export function JobTypeSelect({ label, value, onChange }: ValueProps & { label: string }) {
  const { t } = useLocale();
  return (
    <Field label={label}>
      <Select value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">{t("history.all")}</option>
        {JOB_TYPES.map((option) => (
          <option key={option} value={option}>
            {jobTypeLabel(option, t)}
          </option>
        ))}
      </Select>
    </Field>
  );
}
