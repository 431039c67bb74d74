/**
 * Sign in with an API key. By default the key is exchanged for a short-lived token
 * (POST /api/v1/auth/token) and only the token is kept, for this tab; "stay signed in" keeps
 * the key in this browser instead. The key never goes into a URL.
 */
import { useMutation } from "@tanstack/react-query";
import { Clapperboard } from "lucide-react";
import { useState, type FormEvent } from "react";

import { api } from "@/api/client";
import { ApiError, problemDetail } from "@/api/problem";
import { session, useSession, type Credential, type SignInReason } from "@/auth/session";
import { LocaleSelect } from "@/components/Selects";
import type { MessageKey } from "@/i18n/en";
import { useLocale } from "@/i18n/i18n";
import { Button } from "@/ui/button";
import { Card } from "@/ui/card";
import { Field, Input } from "@/ui/field";
import { Notice } from "@/ui/feedback";

const REASONS: Record<Exclude<SignInReason, "signed_out">, MessageKey> = {
  expired: "auth.reasonExpired",
  rejected: "auth.reasonRejected",
  revoked: "auth.reasonRevoked",
};

async function signIn(key: string, keepKey: boolean): Promise<Credential> {
  const authorization = `Bearer ${key}`;
  if (keepKey) {
    const { error, response } = await api.GET("/api/v1/account", { headers: { Authorization: authorization } });
    if (!response.ok) throw new ApiError(response.status, problemDetail(error) ?? response.statusText, error);
    return { kind: "key", secret: key };
  }
  const { data, error, response } = await api.POST("/api/v1/auth/token", { headers: { Authorization: authorization } });
  if (!response.ok || !data) throw new ApiError(response.status, problemDetail(error) ?? response.statusText, error);
  return { kind: "token", secret: data.access_token, expiresAt: Date.now() + data.expires_in * 1000 };
}

export default function SignInPage() {
  const { t } = useLocale();
  const { reason } = useSession();
  const [key, setKey] = useState("");
  const [keepKey, setKeepKey] = useState(false);
  const attempt = useMutation({
    mutationFn: () => signIn(key.trim(), keepKey),
    onSuccess: (credential) => session.start(credential),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (key.trim()) attempt.mutate();
  };

  const failure = attempt.error;
  const failureText =
    failure instanceof ApiError && failure.status === 401
      ? t("auth.wrongKey")
      : failure
        ? t("auth.unreachable", { detail: failure.message })
        : null;

  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <Card className="w-full max-w-md">
        <div className="mb-4 flex items-center justify-between gap-2">
          <h1 className="flex items-center gap-2 text-xl font-semibold">
            <Clapperboard className="size-6 text-accent" aria-hidden />
            {t("auth.title")}
          </h1>
          <LocaleSelect id="signin-locale" />
        </div>
        {reason && reason !== "signed_out" && !failure && (
          <div className="mb-3">
            <Notice tone="warn" role="alert" title={t(REASONS[reason])} />
          </div>
        )}
        {reason === "signed_out" && !failure && (
          <div className="mb-3">
            <Notice role="status" title={t("auth.signedOut")} />
          </div>
        )}
        <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
          <Field label={t("auth.key")} hint={t("auth.keyHint")} error={failureText}>
            <Input
              type="password"
              autoComplete="current-password"
              value={key}
              onChange={(event) => setKey(event.target.value)}
              placeholder="sk_studio_…"
              required
            />
          </Field>
          <label className="flex items-start gap-2 text-sm">
            <input type="checkbox" className="mt-1" checked={keepKey} onChange={(event) => setKeepKey(event.target.checked)} />
            <span>
              {t("auth.keepKey")}
              <span className="block text-xs text-muted">{t("auth.keepKeyHint")}</span>
            </span>
          </label>
          <Button type="submit" variant="primary" disabled={!key.trim() || attempt.isPending}>
            {attempt.isPending ? t("auth.signingIn") : t("auth.signIn")}
          </Button>
        </form>
      </Card>
    </main>
  );
}
