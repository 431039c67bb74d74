/** Settings: theme and language, the account, its webhooks and its API keys. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Copy, Send, Trash2 } from "lucide-react";
import { useState, type FormEvent } from "react";

import { api, unwrap, type ApiKey, type Schemas, type Webhook } from "@/api/client";
import { session, useSession } from "@/auth/session";
import { ErrorNotice } from "@/components/ErrorNotice";
import { JobTypeSelect, localeName } from "@/components/Selects";
import { LOCALES, useLocale, type Locale } from "@/i18n/i18n";
import { formatDate } from "@/lib/format";
import { THEMES, useTheme } from "@/theme/theme";
import { Button } from "@/ui/button";
import { PageTitle, Section } from "@/ui/card";
import { Field, Input, Select } from "@/ui/field";
import { Badge, Notice, Spinner } from "@/ui/feedback";

type WebhookEvent = NonNullable<Schemas["WebhookCreate"]["events"]>[number];
const EVENTS: WebhookEvent[] = ["job.completed", "job.failed", "job.cancelled", "project.completed", "project.failed"];

function Appearance() {
  const { t, locale, setLocale } = useLocale();
  const { theme, setTheme } = useTheme();
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <fieldset>
        <legend className="mb-1 text-sm font-medium">{t("settings.theme")}</legend>
        <div className="flex flex-wrap gap-3">
          {THEMES.map((option) => (
            <label key={option} className="flex items-center gap-1.5 text-sm">
              <input type="radio" name="theme" checked={theme === option} onChange={() => setTheme(option)} />
              {t(`theme.${option}`)}
            </label>
          ))}
        </div>
      </fieldset>
      <Field label={t("settings.language")}>
        <Select value={locale} onChange={(event) => setLocale(event.target.value as Locale)}>
          {LOCALES.map((option) => (
            <option key={option} value={option}>
              {localeName(option)}
            </option>
          ))}
        </Select>
      </Field>
    </div>
  );
}

function Account() {
  const { t, locale } = useLocale();
  const [reveal, setReveal] = useState(false);
  const account = useQuery({ queryKey: ["account"], queryFn: () => unwrap(api.GET("/api/v1/account")) });
  if (account.isPending) return <Spinner label={t("common.loading")} />;
  if (account.error) return <ErrorNotice error={account.error} />;
  const data = account.data;
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
      <dt className="text-muted">{t("settings.accountName")}</dt>
      <dd>{data.name}</dd>
      <dt className="text-muted">{t("settings.keyPrefix")}</dt>
      <dd>
        <code>{data.key_prefix}…</code>
      </dd>
      <dt className="text-muted">{t("common.created")}</dt>
      <dd>{formatDate(data.created_at, locale)}</dd>
      <dt className="text-muted">{t("settings.signingSecret")}</dt>
      <dd className="flex flex-wrap items-center gap-2">
        <code className="break-all">{reveal ? data.webhook_secret : "••••••••••••"}</code>
        <Button size="sm" onClick={() => setReveal((value) => !value)}>
          {reveal ? t("settings.hide") : t("settings.reveal")}
        </Button>
      </dd>
    </dl>
  );
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const { t, locale } = useLocale();
  const deliveries = useQuery({
    queryKey: ["deliveries", webhook.id],
    queryFn: () => unwrap(api.GET("/api/v1/webhooks/{webhook_id}/deliveries", { params: { path: { webhook_id: webhook.id } } })),
    refetchInterval: 5000,
  });
  if (deliveries.isPending) return <Spinner label={t("common.loading")} />;
  if (deliveries.error) return <ErrorNotice error={deliveries.error} />;
  if (deliveries.data.length === 0) return <p className="text-xs text-muted">{t("webhooks.noDeliveries")}</p>;
  return (
    <ul className="text-xs" aria-label={t("webhooks.deliveries")}>
      {deliveries.data.map((delivery) => (
        <li key={delivery.id} className="flex flex-wrap gap-2">
          <Badge tone={delivery.status === "delivered" ? "ok" : delivery.status === "failed" ? "danger" : "neutral"}>
            {t(`webhooks.delivery.${delivery.status}`)}
          </Badge>
          <span>{delivery.event}</span>
          <span>{delivery.response_status ?? "–"}</span>
          <span>{t("webhooks.attempts", { n: delivery.attempts })}</span>
          <span className="text-muted">{formatDate(delivery.created_at, locale)}</span>
          {delivery.error && <span className="text-danger">{delivery.error}</span>}
        </li>
      ))}
    </ul>
  );
}

function Webhooks() {
  const { t, locale } = useLocale();
  const queryClient = useQueryClient();
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<WebhookEvent[]>([]);
  const [jobType, setJobType] = useState("");
  const [secret, setSecret] = useState<string | null>(null);
  const webhooks = useQuery({ queryKey: ["webhooks"], queryFn: () => unwrap(api.GET("/api/v1/webhooks")) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["webhooks"] });
  const create = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/webhooks", { body: { url: url.trim(), events, job_types: jobType ? [jobType] : [] } })),
    onSuccess: (webhook) => {
      setSecret(webhook.secret ?? null);
      setUrl("");
      setEvents([]);
      return refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/webhooks/{webhook_id}", { params: { path: { webhook_id: id } } })),
    onSettled: refresh,
  });
  const test = useMutation({
    mutationFn: (id: string) => unwrap(api.POST("/api/v1/webhooks/{webhook_id}/test", { params: { path: { webhook_id: id } } })),
    onSuccess: (_, id) => queryClient.invalidateQueries({ queryKey: ["deliveries", id] }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <div className="flex flex-col gap-4">
      <form onSubmit={submit} className="flex flex-col gap-3">
        <Field label={t("webhooks.url")} hint={t("webhooks.urlHint")}>
          <Input type="url" value={url} onChange={(event) => setUrl(event.target.value)} required placeholder="https://n8n.example.com/webhook/…" />
        </Field>
        <fieldset>
          <legend className="mb-1 text-sm font-medium">{t("webhooks.events")}</legend>
          <div className="flex flex-wrap gap-3">
            {EVENTS.map((event) => (
              <label key={event} className="flex items-center gap-1.5 text-sm">
                <input
                  type="checkbox"
                  checked={events.includes(event)}
                  onChange={(change) => setEvents((chosen) => (change.target.checked ? [...chosen, event] : chosen.filter((item) => item !== event)))}
                />
                {event}
              </label>
            ))}
          </div>
          <p className="mt-1 text-xs text-muted">{t("webhooks.eventsHint")}</p>
        </fieldset>
        <JobTypeSelect label={t("webhooks.jobType")} value={jobType} onChange={setJobType} />
        <ErrorNotice error={create.error} />
        <Button type="submit" variant="primary" className="self-start" disabled={!url.trim() || create.isPending}>
          {t("webhooks.create")}
        </Button>
        {secret && (
          <Notice tone="ok" role="status" title={t("webhooks.secretOnce")}>
            <code className="break-all">{secret}</code>
          </Notice>
        )}
      </form>
      <ErrorNotice error={test.error} />
      <ErrorNotice error={remove.error} />
      {webhooks.isPending ? (
        <Spinner label={t("common.loading")} />
      ) : (webhooks.data ?? []).length === 0 ? (
        <p className="text-sm text-muted">{t("webhooks.none")}</p>
      ) : (
        <ul aria-label={t("webhooks.title")}>
          {(webhooks.data ?? []).map((webhook) => (
            <li key={webhook.id} className="flex flex-col gap-1 border-b border-line py-2 last:border-b-0" data-testid="webhook-row">
              <div className="flex flex-wrap items-center gap-2">
                <code className="min-w-0 flex-1 text-sm break-all">{webhook.url}</code>
                <Button size="sm" onClick={() => test.mutate(webhook.id)}>
                  <Send className="size-4" aria-hidden />
                  {t("webhooks.test")}
                </Button>
                <Button size="sm" variant="danger" aria-label={t("webhooks.deleteOne", { url: webhook.url })} onClick={() => remove.mutate(webhook.id)}>
                  <Trash2 className="size-4" aria-hidden />
                </Button>
              </div>
              <p className="text-xs text-muted">
                {(webhook.events.length ? webhook.events : [t("webhooks.allEvents")]).join(", ")}
                {webhook.job_types.length > 0 && ` · ${webhook.job_types.join(", ")}`} · {formatDate(webhook.created_at, locale)}
              </p>
              <Deliveries webhook={webhook} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function ApiKeys() {
  const { t, locale } = useLocale();
  const queryClient = useQueryClient();
  // Only a key can make keys: a web UI token (the default sign-in) is refused with a 403.
  const canCreate = useSession().credential?.kind === "key";
  const [name, setName] = useState("");
  const [copied, setCopied] = useState(false);
  const keys = useQuery({
    queryKey: ["keys"],
    queryFn: () => unwrap(api.GET("/api/v1/keys", { params: { query: { limit: 200 } } })),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["keys"] });
  const create = useMutation({
    mutationFn: (keyName: string) => unwrap(api.POST("/api/v1/keys", { body: { name: keyName } })),
    onSuccess: () => {
      setName("");
      setCopied(false);
      return refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (key: ApiKey) => unwrap(api.DELETE("/api/v1/keys/{key_id}", { params: { path: { key_id: key.id } } })),
    // Revoking the key in use ends this session too, saying so.
    onSuccess: (_, key) => (key.current ? session.end("revoked") : refresh()),
  });
  const confirmRevoke = (key: ApiKey) => {
    const question = key.current ? t("keys.confirmRevokeCurrent", { name: key.name }) : t("keys.confirmRevoke", { name: key.name });
    if (window.confirm(question)) revoke.mutate(key);
  };
  const copy = async (secret: string) => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      setCopied(false); // no clipboard (insecure context): the key stays on screen to copy by hand
    }
  };
  return (
    <div className="flex flex-col gap-3">
      <p className="text-sm text-muted">{t("keys.about")}</p>
      {canCreate ? (
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(event) => {
            event.preventDefault();
            create.mutate(name.trim());
          }}
        >
          <Field label={t("keys.name")} className="min-w-48 flex-1">
            <Input value={name} onChange={(event) => setName(event.target.value)} required maxLength={100} />
          </Field>
          <Button type="submit" variant="primary" disabled={!name.trim() || create.isPending}>
            {t("keys.create")}
          </Button>
        </form>
      ) : (
        <Notice title={t("keys.tokenCannotCreate")} />
      )}
      {create.data?.key && (
        <Notice tone="ok" role="status" title={t("keys.shownOnce")}>
          <div className="flex flex-wrap items-center gap-2">
            <code className="break-all" data-testid="new-key">
              {create.data.key}
            </code>
            <Button size="sm" onClick={() => void copy(create.data.key ?? "")}>
              <Copy className="size-4" aria-hidden />
              {copied ? t("keys.copied") : t("keys.copy")}
            </Button>
          </div>
        </Notice>
      )}
      <ErrorNotice error={create.error ?? revoke.error ?? keys.error} />
      {keys.isPending ? (
        <Spinner label={t("common.loading")} />
      ) : (
        <ul aria-label={t("keys.title")}>
          {(keys.data ?? []).map((key) => (
            <li key={key.id} className="flex flex-wrap items-center gap-2 border-b border-line py-2 text-sm last:border-b-0" data-testid="key-row">
              <span className="font-medium">{key.name}</span>
              <code>{key.prefix}…</code>
              {key.current && <Badge tone="accent">{t("keys.current")}</Badge>}
              <span className="text-xs text-muted">
                {t("keys.createdOn", { date: formatDate(key.created_at, locale) })} ·{" "}
                {key.last_used_at ? t("keys.lastUsed", { date: formatDate(key.last_used_at, locale) }) : t("keys.neverUsed")}
              </span>
              {key.revoked_at ? (
                <Badge tone="warn">{t("keys.revokedOn", { date: formatDate(key.revoked_at, locale) })}</Badge>
              ) : (
                <Button
                  size="sm"
                  variant="danger"
                  className="ml-auto"
                  aria-label={t("keys.revokeOne", { name: key.name })}
                  disabled={revoke.isPending}
                  onClick={() => confirmRevoke(key)}
                >
                  {t("keys.revoke")}
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export default function SettingsPage() {
  const t = useLocale().t;
  return (
    <>
      <PageTitle>{t("settings.title")}</PageTitle>
      <div className="flex flex-col gap-4">
        <Section id="appearance-title" title={t("settings.appearance")}>
          <Appearance />
        </Section>
        <Section id="account-title" title={t("settings.account")}>
          <Account />
        </Section>
        <Section id="webhooks-title" title={t("webhooks.title")}>
          <Webhooks />
        </Section>
        <Section id="keys-title" title={t("keys.title")}>
          <ApiKeys />
        </Section>
      </div>
    </>
  );
}
