/**
 * The tenant's queue and recent jobs, live, from GET /api/v1/events: a snapshot on every
 * connection, then each change. On reconnect the last event id goes back as Last-Event-ID, so
 * the server replays what was missed (or sends a new snapshot, which replaces everything).
 * The stream is read with fetch and the Authorization header (sse.ts), never EventSource.
 * If the stream keeps failing (a proxy that buffers it, say), the lists are re-read every two
 * seconds instead, labelled as such, until the stream works again.
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";

import { api, unwrap, type Job } from "@/api/client";
import { ApiError } from "@/api/problem";
import { backoffSeconds, readEventStream } from "@/api/sse";
import { ACTIVE, isActive, reduceTenantEvent } from "@/lib/jobState";

export const EVENTS_URL = "/api/v1/events";
export const POLL_MS = 2000;
/** Failed connections in a row before the lists are polled meanwhile. */
export const FAILURES_BEFORE_POLLING = 3;
const RECENT = 20;

export interface LiveJobs {
  active: Job[];
  recent: Job[];
  mode: "stream" | "polling" | "connecting";
  loading: boolean;
}

interface StreamState {
  jobs: Map<string, Job> | null;
  failing: boolean;
}

const newestFirst = (a: Job, b: Job) => b.created_at.localeCompare(a.created_at);

function useTenantStream(): StreamState {
  const [jobs, setJobs] = useState<Map<string, Job> | null>(null);
  const [failing, setFailing] = useState(false);
  useEffect(() => {
    const controller = new AbortController();
    let lastEventId: string | undefined;
    let current = new Map<string, Job>();
    const run = async () => {
      let failures = 0;
      while (!controller.signal.aborted) {
        let received = false;
        try {
          await readEventStream(EVENTS_URL, {
            signal: controller.signal,
            lastEventId,
            onEvent: (event) => {
              if (event.id) lastEventId = event.id;
              received = true;
              current = reduceTenantEvent(current, event);
              setJobs(current);
              setFailing(false);
            },
          });
        } catch (error) {
          if (controller.signal.aborted) return;
          if (error instanceof ApiError && error.status === 401) return; // the session ends; sign-in takes over
        }
        failures = received ? 1 : failures + 1;
        if (failures >= FAILURES_BEFORE_POLLING) setFailing(true);
        await new Promise((resolve) => setTimeout(resolve, backoffSeconds(failures) * 1000));
      }
    };
    void run();
    return () => controller.abort();
  }, []);
  return { jobs, failing };
}

export function useLiveJobs(): LiveJobs {
  const streamed = useTenantStream();
  const polling = streamed.failing;

  const recent = useQuery({
    queryKey: ["jobs", "recent"],
    queryFn: () => unwrap(api.GET("/api/v1/jobs", { params: { query: { limit: RECENT } } })),
    enabled: polling,
    refetchInterval: POLL_MS,
  });
  const active = useQuery({
    queryKey: ["jobs", "active"],
    queryFn: async () =>
      (await unwrap(api.GET("/api/v1/jobs", { params: { query: { status: [...ACTIVE], limit: 200 } } }))).items,
    enabled: polling,
    refetchInterval: POLL_MS,
  });

  return useMemo(() => {
    if (!polling || !recent.data || !active.data) {
      const all = [...(streamed.jobs?.values() ?? [])].sort(newestFirst);
      return {
        active: all.filter((job) => isActive(job.status)),
        recent: all.slice(0, RECENT),
        mode: streamed.jobs && !polling ? "stream" : "connecting",
        loading: !streamed.jobs,
      };
    }
    return {
      active: [...active.data].sort(newestFirst),
      recent: recent.data.items,
      mode: "polling",
      loading: false,
    };
  }, [polling, streamed.jobs, active.data, recent.data]);
}
