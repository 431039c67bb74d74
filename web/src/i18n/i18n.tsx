/**
 * Every string the UI shows, in English and Brazilian Portuguese. `ptBR` is typed as the same
 * record as `en`, so a string missing from either language fails the type check.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

import { en, type MessageKey } from "./en";
import { ptBR } from "./pt-BR";

export type Locale = "en" | "pt-BR";
export const LOCALES: Locale[] = ["en", "pt-BR"];
const STORAGE = "studio.locale";
const dictionaries: Record<Locale, Record<MessageKey, string>> = { en, "pt-BR": ptBR };

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

export function translate(locale: Locale, key: MessageKey, values?: Record<string, string | number>): string {
  const text = dictionaries[locale][key];
  if (!values) return text;
  return text.replace(/\{(\w+)\}/g, (match, name: string) => (name in values ? String(values[name]) : match));
}

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE);
    if (saved === "en" || saved === "pt-BR") return saved;
  } catch {
    // no storage: fall through to the browser's language
  }
  return navigator.language.toLowerCase().startsWith("pt") ? "pt-BR" : "en";
}

interface LocaleState {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: Translate;
}

const LocaleContext = createContext<LocaleState | null>(null);

export function LocaleProvider({ children, locale: fixed }: { children: ReactNode; locale?: Locale }) {
  const [locale, setLocaleState] = useState<Locale>(fixed ?? initialLocale);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  const setLocale = useCallback((next: Locale) => {
    setLocaleState(next);
    try {
      localStorage.setItem(STORAGE, next);
    } catch {
      // kept for this page only
    }
  }, []);
  const value = useMemo<LocaleState>(
    () => ({ locale, setLocale, t: (key, values) => translate(locale, key, values) }),
    [locale, setLocale],
  );
  return <LocaleContext.Provider value={value}>{children}</LocaleContext.Provider>;
}

export function useLocale(): LocaleState {
  const state = useContext(LocaleContext);
  if (!state) throw new Error("useLocale outside LocaleProvider");
  return state;
}

export function useT(): Translate {
  return useLocale().t;
}
