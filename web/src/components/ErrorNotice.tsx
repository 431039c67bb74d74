/** A failed request, as the server explained it; a route the server lacks says so plainly. */
import { errorMessage, isMissingEndpoint } from "@/api/problem";
import { useT } from "@/i18n/i18n";
import { Notice } from "@/ui/feedback";

export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  const t = useT();
  if (!error) return null;
  if (isMissingEndpoint(error)) return <Notice tone="warn" role="alert" title={t("na.several")}>{t("na.body")}</Notice>;
  return (
    <Notice tone="danger" role="alert" title={title}>
      {errorMessage(error)}
    </Notice>
  );
}
