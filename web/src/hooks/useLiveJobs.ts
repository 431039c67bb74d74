/**
 * The tenant's queue and recent jobs, live. With GET /api/v1/events (GATEWAY_NEEDS.md) one
 * stream keeps them current (snapshot first, Last-Event-ID on reconnect); without it, the
 * lists are re-read from the server every two seconds. Either way it is the server's state.
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";

import { useCapabilities } from "@/api/capabilities";
import { api, unwrap, type Job } from "@/api/client";
import { PENDING } from "@/api/pending";
import { backoffSeconds, readEventStream } from "@/api/sse";
import { ACTIVE, isActive, reduceTenantEvent } from "@/lib/jobState";

export const POLL_MS = 2000;
const RECENT = 20;

export interface LiveJobs {
  active: Job[];
  recent: Job[];
  mode: "stream" | "polling" | "connecting";
  loading: boolean;
}

const newestFirst = (a: Job, b: Job) => b.created_at.localeCompare(a.created_at);

function useTenantStream(enabled: boolean): Map<string, Job> | null {
  const [jobs, setJobs] = useState<Map<string, Job> | null>(null);
  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    let lastEventId: string | undefined;
    let current = new Map<string, Job>();
    const run = async () => {
      for (let attempt = 1; !controller.signal.aborted; attempt++) {
        try {
          await readEventStream(PENDING.events.split(" ")[1] ?? "", {
            signal: controller.signal,
            lastEventId,
            onEvent: (event) => {
              if (event.id) lastEventId = event.id;
              current = reduceTenantEvent(current, event);
              setJobs(current);
              attempt = 1;
            },
          });
        } catch {
          if (controller.signal.aborted) return;
        }
        await new Promise((resolve) => setTimeout(resolve, backoffSeconds(attempt) * 1000));
      }
    };
    void run();
    return () => controller.abort();
  }, [enabled]);
  return jobs;
}

export function useLiveJobs(): LiveJobs {
  const capabilities = useCapabilities();
  const streaming = capabilities?.has(PENDING.events) ?? false;
  const polling = capabilities !== undefined && !streaming;
  const streamed = useTenantStream(streaming);

  const recent = useQuery({
    queryKey: ["jobs", "recent"],
    queryFn: () => unwrap(api.GET("/api/v1/jobs", { params: { query: { limit: RECENT } } })),
    enabled: polling,
    refetchInterval: POLL_MS,
  });
  const active = useQuery({
    queryKey: ["jobs", "active"],
    queryFn: async () => {
      const pages = await Promise.all(
        ACTIVE.map((status) => unwrap(api.GET("/api/v1/jobs", { params: { query: { status, limit: 100 } } }))),
      );
      return pages.flatMap((page) => page.items);
    },
    enabled: polling,
    refetchInterval: POLL_MS,
  });

  return useMemo(() => {
    if (streaming) {
      const all = [...(streamed?.values() ?? [])].sort(newestFirst);
      return {
        active: all.filter((job) => isActive(job.status)),
        recent: all.slice(0, RECENT),
        mode: streamed ? "stream" : "connecting",
        loading: !streamed,
      };
    }
    return {
      active: [...(active.data ?? [])].sort(newestFirst),
      recent: recent.data?.items ?? [],
      mode: "polling",
      loading: recent.isPending || active.isPending,
    };
  }, [streaming, streamed, active.data, active.isPending, recent.data, recent.isPending]);
}
