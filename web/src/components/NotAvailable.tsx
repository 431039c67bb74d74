/** The honest state of features whose endpoints this gateway lacks (see web/GATEWAY_NEEDS.md). */
import { useT } from "@/i18n/i18n";
import { Notice } from "@/ui/feedback";

export function NotAvailable({ operation, feature }: { operation: string; feature: string }) {
  const t = useT();
  return (
    <Notice tone="warn" role="status" title={t("na.title", { feature })}>
      <p>
        {t("na.body")} <code className="text-xs">{operation}</code>
      </p>
    </Notice>
  );
}

/** Several missing features in one notice; nothing when none is missing. */
export function MissingFeatures({ missing }: { missing: { operation: string; feature: string }[] }) {
  const t = useT();
  if (missing.length === 0) return null;
  return (
    <Notice tone="warn" role="status" title={t("na.several")}>
      <ul className="list-disc pl-5">
        {missing.map((item) => (
          <li key={item.operation}>
            {item.feature}: <code className="text-xs">{item.operation}</code>
          </li>
        ))}
      </ul>
    </Notice>
  );
}
