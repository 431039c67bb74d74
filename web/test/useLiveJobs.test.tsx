import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { Job } from "@/api/client";
import { session } from "@/auth/session";
import { FAILURES_BEFORE_POLLING, useLiveJobs } from "@/hooks/useLiveJobs";

import { eventStream, json } from "./render";

const fetchMock = vi.fn<typeof fetch>();
const wrapper = ({ children }: { children: ReactNode }) => (
  <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>{children}</QueryClientProvider>
);
const job = (id: string, status: string, progress = 0, created = "2026-12-04T10:00:00Z"): Job =>
  ({ id, status, progress, stage: "", created_at: created, assets: [], type: "image.generate" }) as unknown as Job;
const sse = (event: string, data: unknown, id?: string) =>
  `${id ? `id: ${id}\n` : ""}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const requestOf = (call: number) => fetchMock.mock.calls[call]![0] as Request;
const path = (call: number) => new URL(requestOf(call).url).pathname;

beforeEach(() => {
  vi.stubGlobal("fetch", fetchMock);
  session.start({ kind: "key", secret: "sk_studio_live" });
});
afterEach(() => {
  fetchMock.mockReset();
  vi.unstubAllGlobals();
  vi.useRealTimers();
  session.end("signed_out");
});

describe("useLiveJobs", () => {
  it("starts from the snapshot, follows changes, and resumes after the last event id", async () => {
    fetchMock.mockResolvedValueOnce(
      eventStream([
        sse("snapshot", { jobs: [job("a", "running", 0.2), job("b", "completed", 1, "2026-12-04T09:00:00Z")] }, "10"),
        sse("job", job("a", "running", 0.6)),
        sse("job", job("c", "queued", 0, "2026-12-04T11:00:00Z"), "12"),
      ]),
    );
    fetchMock.mockImplementationOnce(() => new Promise<Response>(() => {})); // the reconnect, left open
    const { result } = renderHook(() => useLiveJobs(), { wrapper });
    await waitFor(() => expect(result.current.active.map((j) => j.id)).toEqual(["c", "a"]));
    expect(result.current.mode).toBe("stream");
    expect(result.current.active[1]?.progress).toBe(0.6);
    expect(result.current.recent.map((j) => j.id)).toEqual(["c", "a", "b"]);
    expect(path(0)).toBe("/api/v1/events");
    expect(requestOf(0).headers.get("Authorization")).toBe("Bearer sk_studio_live");
    expect(requestOf(0).headers.get("Last-Event-ID")).toBeNull();
    expect(requestOf(0).url).not.toContain("sk_studio_live");

    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2), { timeout: 3000 });
    expect(requestOf(1).headers.get("Last-Event-ID")).toBe("12");
  });

  it("lets a reconnect's snapshot replace everything, so a cancelled job's bar stops", async () => {
    fetchMock.mockResolvedValueOnce(eventStream([sse("snapshot", { jobs: [job("a", "running", 0.5)] }, "3")]));
    fetchMock.mockResolvedValueOnce(eventStream([sse("snapshot", { jobs: [job("a", "cancelled", 0.5)] }, "9")]));
    fetchMock.mockImplementation(() => new Promise<Response>(() => {}));
    const { result } = renderHook(() => useLiveJobs(), { wrapper });
    await waitFor(() => expect(result.current.active.map((j) => j.id)).toEqual(["a"]));
    await waitFor(() => expect(result.current.active).toEqual([]), { timeout: 3000 });
    expect(result.current.recent.map((j) => j.status)).toEqual(["cancelled"]);
  });

  it("re-reads the lists every two seconds while the stream keeps failing, in one request per list", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    fetchMock.mockImplementation((input) => {
      const url = new URL((input as Request).url);
      if (url.pathname === "/api/v1/events") return Promise.resolve(json({ detail: "buffered away" }, 502));
      const items = url.searchParams.getAll("status").length ? [job("q", "queued")] : [job("q", "queued"), job("d", "failed")];
      return Promise.resolve(json({ items, limit: 20, offset: 0 }));
    });
    const { result } = renderHook(() => useLiveJobs(), { wrapper });
    for (let attempt = 1; attempt < FAILURES_BEFORE_POLLING; attempt++) {
      await act(() => vi.advanceTimersByTimeAsync(2 ** attempt * 1000));
    }
    await waitFor(() => expect(result.current.mode).toBe("polling"));
    expect(result.current.active.map((j) => j.id)).toEqual(["q"]);
    const listCalls = fetchMock.mock.calls.map(([input]) => new URL((input as Request).url)).filter((u) => u.pathname === "/api/v1/jobs");
    const active = listCalls.find((u) => u.searchParams.getAll("status").length > 0);
    expect(active?.searchParams.getAll("status")).toEqual(["queued", "submitted", "running"]);
  });

  it("stops on a 401: the session ends and sign-in takes over", async () => {
    fetchMock.mockResolvedValue(json({ detail: "the API key or token is not valid" }, 401));
    renderHook(() => useLiveJobs(), { wrapper });
    await waitFor(() => expect(session.get().reason).toBe("rejected"));
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });
});
