import { describe, expect, it } from "vitest";

import type { Job } from "@/api/client";
import { reduceJobEvent, reduceTenantEvent, type LiveJob } from "@/lib/jobState";

const event = (name: string, body: unknown) => ({ event: name, data: JSON.stringify(body) });
const job = (id: string, status: string, progress = 0): Job => ({ id, status, progress }) as unknown as Job;

describe("one job's events", () => {
  it("starts from the snapshot, then follows progress", () => {
    let state: LiveJob | null = reduceJobEvent(null, event("status", { status: "queued", progress: 0, stage: "" }));
    state = reduceJobEvent(state, event("progress", { status: "running", progress: 0.4, stage: "drawing" }));
    expect(state).toMatchObject({ status: "running", progress: 0.4, stage: "drawing" });
  });

  it("lets a reconnect's snapshot replace a stale progress", () => {
    let state = reduceJobEvent(null, event("progress", { status: "running", progress: 0.9, stage: "x" }));
    state = reduceJobEvent(state, event("status", { status: "cancelled", progress: 0.3, stage: "" }));
    expect(state).toMatchObject({ status: "cancelled", progress: 0.3 });
  });

  it("never moves a finished job again", () => {
    let state = reduceJobEvent(null, event("cancelled", job("a", "cancelled", 0.5)));
    state = reduceJobEvent(state, event("progress", { status: "running", progress: 0.8, stage: "late" }));
    expect(state).toMatchObject({ status: "cancelled", progress: 0.5 });
    expect(state?.job?.id).toBe("a");
  });

  it("ignores a malformed event", () => {
    const state = reduceJobEvent(null, event("status", { status: "running", progress: 0.1, stage: "" }));
    expect(reduceJobEvent(state, { event: "progress", data: "{not json" })).toBe(state);
  });
});

describe("the tenant's stream", () => {
  it("replaces everything on a snapshot and upserts changes", () => {
    let jobs = reduceTenantEvent(new Map([["old", job("old", "running")]]), event("snapshot", { jobs: [job("a", "queued")] }));
    expect([...jobs.keys()]).toEqual(["a"]);
    jobs = reduceTenantEvent(jobs, event("job", job("a", "running", 0.5)));
    jobs = reduceTenantEvent(jobs, event("job", job("b", "queued")));
    expect(jobs.get("a")?.progress).toBe(0.5);
    expect(jobs.size).toBe(2);
  });

  it("does not bring a finished job back to running", () => {
    let jobs = reduceTenantEvent(new Map(), event("job", job("a", "cancelled", 0.2)));
    jobs = reduceTenantEvent(jobs, event("job", job("a", "running", 0.7)));
    expect(jobs.get("a")).toMatchObject({ status: "cancelled", progress: 0.2 });
  });
});
