/** Follow one job live over its event stream, reconnecting (snapshot first) until it finishes. */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { ApiError } from "@/api/problem";
import { backoffSeconds, readEventStream } from "@/api/sse";
import { reduceJobEvent, TERMINAL, type LiveJob } from "@/lib/jobState";

export function useJobEvents(jobId: string | null | undefined): LiveJob | null {
  const [state, setState] = useState<LiveJob | null>(null);
  const queryClient = useQueryClient();

  useEffect(() => {
    setState(null);
    if (!jobId) return;
    const controller = new AbortController();
    let current: LiveJob | null = null;
    const run = async () => {
      for (let attempt = 0; !controller.signal.aborted; attempt++) {
        try {
          await readEventStream(`/api/v1/jobs/${jobId}/events`, {
            signal: controller.signal,
            onEvent: (event) => {
              current = reduceJobEvent(current, event);
              setState(current);
              if (current && TERMINAL.has(current.status)) {
                void queryClient.invalidateQueries({ queryKey: ["jobs"] });
                void queryClient.invalidateQueries({ queryKey: ["assets"] });
                void queryClient.invalidateQueries({ queryKey: ["job", jobId] });
              }
            },
          });
          attempt = 0;
        } catch (error) {
          if (controller.signal.aborted) return;
          if (error instanceof ApiError && error.status < 500 && error.status !== 429) return;
        }
        if (current && TERMINAL.has(current.status)) return;
        await new Promise((resolve) => setTimeout(resolve, backoffSeconds(attempt) * 1000));
      }
    };
    void run();
    return () => controller.abort();
  }, [jobId, queryClient]);

  return state;
}
