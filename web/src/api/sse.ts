/**
 * Server-sent events over fetch, so the stream carries the same `Authorization` header as
 * every other call (EventSource cannot send headers, and a credential must never go in a URL).
 */
import { EventSourceParserStream } from "eventsource-parser/stream";

import { authedFetch } from "./client";

export interface StreamEvent {
  event: string;
  data: string;
  id?: string | undefined;
}

export interface StreamOptions {
  signal: AbortSignal;
  /** Sent as Last-Event-ID so a server that numbers its events can resume after it. */
  lastEventId?: string | undefined;
  onEvent: (event: StreamEvent) => void;
}

/** Read one connection until the server ends it; throws ApiError when the server refuses it. */
export async function readEventStream(url: string, options: StreamOptions): Promise<void> {
  const headers: Record<string, string> = { Accept: "text/event-stream" };
  if (options.lastEventId) headers["Last-Event-ID"] = options.lastEventId;
  const response = await authedFetch(url, { headers, signal: options.signal, cache: "no-store" });
  if (!response.body) return;
  const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  const reader = events.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      options.onEvent({ event: value.event ?? "message", data: value.data, id: value.id });
    }
  } finally {
    reader.releaseLock();
  }
}

/** Seconds to wait before reconnect attempt `n` (1, 2, 4 … capped at 15). */
export function backoffSeconds(attempt: number): number {
  return Math.min(15, 2 ** Math.max(0, attempt - 1));
}
