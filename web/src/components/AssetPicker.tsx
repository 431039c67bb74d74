/** Pick one of your image or audio assets (uploads and results), newest first. */
import { useQuery } from "@tanstack/react-query";

import { api, unwrap, type Asset } from "@/api/client";
import { useObjectUrl } from "@/api/media";
import { useLocale } from "@/i18n/i18n";
import { formatDate } from "@/lib/format";
import { cn } from "@/ui/cn";
import { Spinner } from "@/ui/feedback";

function ImageChoice({ asset, selected, onSelect, label }: { asset: Asset; selected: boolean; onSelect: () => void; label: string }) {
  const { src } = useObjectUrl(asset.links.download);
  return (
    <button
      type="button"
      onClick={onSelect}
      aria-pressed={selected}
      aria-label={label}
      className={cn("aspect-square overflow-hidden rounded-md border-2 bg-surface-2", selected ? "border-accent" : "border-transparent")}
    >
      {src && <img src={src} alt="" className="size-full object-cover" />}
    </button>
  );
}

interface AssetPickerProps {
  type: "image" | "audio";
  value: string | null;
  onChange: (asset: Asset) => void;
  label: string;
}

export function AssetPicker({ type, value, onChange, label }: AssetPickerProps) {
  const { t, locale } = useLocale();
  const assets = useQuery({
    queryKey: ["assets", type, "picker"],
    queryFn: () => unwrap(api.GET("/api/v1/assets", { params: { query: { type, limit: 24 } } })),
  });
  if (assets.isPending) return <Spinner label={t("common.loading")} />;
  const items = assets.data ?? [];
  if (items.length === 0) return <p className="text-sm text-muted">{t("picker.empty")}</p>;
  if (type === "image") {
    return (
      <div role="group" aria-label={label} className="grid grid-cols-4 gap-2 sm:grid-cols-6">
        {items.map((asset, index) => (
          <ImageChoice
            key={asset.id}
            asset={asset}
            selected={asset.id === value}
            onSelect={() => onChange(asset)}
            label={t("picker.image", { n: index + 1, date: formatDate(asset.created_at, locale) })}
          />
        ))}
      </div>
    );
  }
  return (
    <div role="radiogroup" aria-label={label} className="flex flex-col gap-1">
      {items.map((asset) => (
        <label key={asset.id} className="flex items-center gap-2 text-sm">
          <input type="radio" name={`pick-${type}`} checked={asset.id === value} onChange={() => onChange(asset)} />
          {asset.role} · {formatDate(asset.created_at, locale)}
        </label>
      ))}
    </div>
  );
}
