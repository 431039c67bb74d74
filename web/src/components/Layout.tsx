/** The studio's frame: navigation, server health, language, theme and sign-out around each page. */
import {
  AudioLines,
  Clapperboard,
  FolderKanban,
  History,
  Image,
  LayoutDashboard,
  LayoutTemplate,
  LogOut,
  Menu,
  Moon,
  Settings,
  Sun,
  Video,
} from "lucide-react";
import { Suspense, useState, type ReactNode } from "react";
import { NavLink, Outlet } from "react-router";

import { session } from "@/auth/session";
import { LocaleSelect } from "@/components/Selects";
import { useHealth } from "@/hooks/useHealth";
import { useLocale } from "@/i18n/i18n";
import type { MessageKey } from "@/i18n/en";
import { useTheme } from "@/theme/theme";
import { Button } from "@/ui/button";
import { cn } from "@/ui/cn";
import { Spinner } from "@/ui/feedback";

const NAV: { to: string; label: MessageKey; icon: ReactNode }[] = [
  { to: "/", label: "nav.dashboard", icon: <LayoutDashboard className="size-4" aria-hidden /> },
  { to: "/projects", label: "nav.projects", icon: <FolderKanban className="size-4" aria-hidden /> },
  { to: "/audio", label: "nav.audio", icon: <AudioLines className="size-4" aria-hidden /> },
  { to: "/image", label: "nav.image", icon: <Image className="size-4" aria-hidden /> },
  { to: "/video", label: "nav.video", icon: <Video className="size-4" aria-hidden /> },
  { to: "/history", label: "nav.history", icon: <History className="size-4" aria-hidden /> },
  { to: "/templates", label: "nav.templates", icon: <LayoutTemplate className="size-4" aria-hidden /> },
  { to: "/settings", label: "nav.settings", icon: <Settings className="size-4" aria-hidden /> },
];

function HealthDot() {
  const { t } = useLocale();
  const health = useHealth();
  const ready = health.data?.status === "ready";
  const label = health.isPending ? t("health.checking") : ready ? t("health.ready") : t("health.notReady");
  return (
    <span className="flex items-center gap-1.5 text-xs text-muted" title={label}>
      <span className={cn("size-2 rounded-full", ready ? "bg-ok" : health.isPending ? "bg-line" : "bg-danger")} aria-hidden />
      <span className="hidden sm:inline">{label}</span>
      <span className="sr-only sm:hidden">{label}</span>
    </span>
  );
}

export function Layout() {
  const { t } = useLocale();
  const { theme, setTheme } = useTheme();
  const [menuOpen, setMenuOpen] = useState(false);
  const dark = theme === "dark" || (theme === "system" && document.documentElement.classList.contains("dark"));

  return (
    <div className="flex min-h-screen flex-col md:flex-row">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-surface focus:p-2">
        {t("nav.skip")}
      </a>
      <aside className="border-b border-line bg-surface md:sticky md:top-0 md:h-screen md:w-56 md:shrink-0 md:border-r md:border-b-0">
        <div className="flex h-14 items-center justify-between gap-2 px-4">
          <span className="flex items-center gap-2 font-semibold">
            <Clapperboard className="size-5 text-accent" aria-hidden />
            {t("nav.brand")}
          </span>
          <Button
            variant="ghost"
            size="sm"
            className="md:hidden"
            aria-expanded={menuOpen}
            aria-controls="main-nav"
            onClick={() => setMenuOpen((open) => !open)}
          >
            <Menu className="size-5" aria-hidden />
            {t("nav.menu")}
          </Button>
        </div>
        <nav id="main-nav" aria-label={t("nav.label")} className={cn("px-2 pb-2 md:block", menuOpen ? "block" : "hidden")}>
          <ul className="flex flex-col gap-0.5">
            {NAV.map((item) => (
              <li key={item.to}>
                <NavLink
                  to={item.to}
                  end={item.to === "/"}
                  onClick={() => setMenuOpen(false)}
                  className={({ isActive }) =>
                    cn(
                      "flex items-center gap-2 rounded-md px-3 py-2 text-sm",
                      isActive ? "bg-accent text-accent-ink" : "text-ink hover:bg-surface-2",
                    )
                  }
                >
                  {item.icon}
                  {t(item.label)}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex h-14 items-center justify-end gap-2 border-b border-line bg-surface px-4">
          <HealthDot />
          <LocaleSelect id="header-locale" />
          <Button
            variant="ghost"
            size="sm"
            aria-label={dark ? t("theme.switchLight") : t("theme.switchDark")}
            onClick={() => setTheme(dark ? "light" : "dark")}
          >
            {dark ? <Sun className="size-4" aria-hidden /> : <Moon className="size-4" aria-hidden />}
          </Button>
          <Button variant="ghost" size="sm" onClick={() => session.end("signed_out")}>
            <LogOut className="size-4" aria-hidden />
            <span className="hidden sm:inline">{t("auth.signOut")}</span>
            <span className="sr-only sm:hidden">{t("auth.signOut")}</span>
          </Button>
        </header>
        <main id="main" className="mx-auto w-full max-w-6xl flex-1 p-3 sm:p-6">
          <Suspense fallback={<Spinner label={t("common.loading")} />}>
            <Outlet />
          </Suspense>
        </main>
      </div>
    </div>
  );
}
