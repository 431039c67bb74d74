/** /readyz, re-read every 15 s: Postgres, NATS, the artifact store and each model server. */
import { useQuery } from "@tanstack/react-query";

import type { Schemas } from "@/api/client";

export function useHealth() {
  return useQuery({
    queryKey: ["readyz"],
    queryFn: async (): Promise<Schemas["Readiness"]> => {
      // 503 still carries the checks: which part is not ready is the point.
      const response = await fetch("/readyz", { headers: { Accept: "application/json" } });
      return (await response.json()) as Schemas["Readiness"];
    },
    refetchInterval: 15_000,
  });
}
