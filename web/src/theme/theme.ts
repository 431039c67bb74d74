/** Light, dark or the system's choice; saved per browser and applied as the `dark` class on <html>. */
import { useEffect, useSyncExternalStore } from "react";

export type Theme = "light" | "dark" | "system";
export const THEMES: Theme[] = ["light", "dark", "system"];
const STORAGE = "studio.theme";
const darkQuery = () => window.matchMedia("(prefers-color-scheme: dark)");

function saved(): Theme {
  try {
    const value = localStorage.getItem(STORAGE);
    return value === "light" || value === "dark" ? value : "system";
  } catch {
    return "system";
  }
}

let current: Theme = saved();
const listeners = new Set<() => void>();

export function applyTheme(theme: Theme): void {
  const dark = theme === "dark" || (theme === "system" && darkQuery().matches);
  document.documentElement.classList.toggle("dark", dark);
}

export function setTheme(theme: Theme): void {
  current = theme;
  try {
    localStorage.setItem(STORAGE, theme);
  } catch {
    // kept for this page only
  }
  applyTheme(theme);
  listeners.forEach((listener) => listener());
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useTheme(): { theme: Theme; setTheme: (theme: Theme) => void } {
  const theme = useSyncExternalStore(subscribe, () => current);
  useEffect(() => {
    applyTheme(theme);
    if (theme !== "system") return;
    const media = darkQuery();
    const follow = () => applyTheme("system");
    media.addEventListener("change", follow);
    return () => media.removeEventListener("change", follow);
  }, [theme]);
  return { theme, setTheme };
}
