import { describe, expect, it } from "vitest";

import { Capabilities } from "@/api/capabilities";
import { ApiError, isMissingEndpoint } from "@/api/problem";
import { en } from "@/i18n/en";
import { translate } from "@/i18n/i18n";
import { ptBR } from "@/i18n/pt-BR";
import { jobSummary, mainOutput } from "@/lib/jobs";
import { groupSteps, plannedSteps } from "@/lib/steps";
import { srtToVtt } from "@/lib/subtitles";
import { activeWordIndex, wordTimings } from "@/lib/words";

describe("translations", () => {
  const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

  it("translate every string into Portuguese, with the same values in it", () => {
    for (const [key, english] of Object.entries(en)) {
      const portuguese = ptBR[key as keyof typeof en];
      expect(portuguese.trim(), key).not.toBe("");
      expect(placeholders(portuguese), key).toEqual(placeholders(english));
    }
  });

  it("fills in values", () => {
    expect(translate("pt-BR", "projects.steps", { done: 3, total: 11 })).toBe("3 de 11 etapas");
    expect(translate("en", "image.upscale", { factor: 4 })).toBe("Upscale ×4");
  });
});

describe("word highlighting", () => {
  const words = wordTimings({
    words: [
      { word: "Olá", start_seconds: 0, end_seconds: 0.3 },
      { word: "mundo", start_seconds: 0.3, end_seconds: 0.7 },
      { word: "bonito", start_seconds: 0.9, end_seconds: 1.2 },
    ],
  });
  it("finds the word spoken at a moment, and none in a pause", () => {
    expect(activeWordIndex(words, 0)).toBe(0);
    expect(activeWordIndex(words, 0.5)).toBe(1);
    expect(activeWordIndex(words, 0.8)).toBe(-1);
    expect(activeWordIndex(words, 1.0)).toBe(2);
    expect(activeWordIndex(words, 5)).toBe(-1);
  });
  it("reads no timings from a result without them", () => {
    expect(wordTimings(null)).toEqual([]);
    expect(wordTimings({ words: [{ nope: 1 }] })).toEqual([]);
  });
});

describe("subtitles", () => {
  it("turns SubRip into WebVTT", () => {
    expect(srtToVtt("1\r\n00:00:00,000 --> 00:00:01,500\r\nOi\r\n")).toBe("WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.500\nOi\n");
  });
});

describe("capabilities from the OpenAPI document", () => {
  const capabilities = new Capabilities({
    paths: { "/api/v1/jobs": { get: { parameters: [{ name: "status", in: "query" }] } } },
    components: { schemas: { GenerateContentRequest: { properties: { screenplay: {} } } } },
  });
  it("answer from what the server declares", () => {
    expect(capabilities.has("GET /api/v1/jobs")).toBe(true);
    expect(capabilities.has("POST /api/v1/jobs/cancel")).toBe(false);
    expect(capabilities.hasParam("GET /api/v1/jobs", "status")).toBe(true);
    expect(capabilities.hasParam("GET /api/v1/jobs", "q")).toBe(false);
    expect(capabilities.hasField("GenerateContentRequest", "briefing")).toBe(false);
  });
  it("tell a missing route from an unknown id", () => {
    expect(isMissingEndpoint(new ApiError(404, "Not Found", { detail: "Not Found" }))).toBe(true);
    expect(isMissingEndpoint(new ApiError(405, "Method Not Allowed"))).toBe(true);
    expect(isMissingEndpoint(new ApiError(404, "x", { detail: "job 123 not found" }))).toBe(false);
  });
});

describe("jobs and steps in words", () => {
  it("summarise a job by what it was asked", () => {
    expect(jobSummary({ parameters: { prompt: "a fox" } })).toBe("a fox");
    expect(jobSummary({ parameters: { timeline: { title: "Film" } } })).toBe("Film");
  });
  it("pick the film over its subtitles", () => {
    const asset = (type: string) => ({ type }) as never;
    expect(mainOutput([asset("subtitles"), asset("video")])).toEqual({ type: "video" });
  });
  it("group a production's steps as a creator thinks of them", () => {
    const steps = plannedSteps([
      { id: "1", name: "frame:1", label: "Frame 1", service: "image", job_id: "j1" },
      { id: "2", name: "compose", label: "Final", service: "composer", job_id: null },
      { id: "3", name: "talk:2", label: "Talk", service: "video", job_id: null },
      { id: "4", name: "mystery", label: "?", service: "x", job_id: null },
    ]);
    expect(groupSteps(steps).map((group) => group.key)).toEqual(["frames", "motion", "final", "other"]);
  });
});

describe("plannedSteps scenes and versions", () => {
  it("takes the server's scene and version, and reads the scene from older servers' step names", () => {
    const [frame, music, old] = plannedSteps([
      { id: "frame:2@a", name: "frame:2", scene: 2, version: 3 },
      { id: "music@b", name: "music", scene: null, version: 1 },
      { id: "pictures:4@c", name: "pictures:4" },
    ]);
    expect([frame?.scene, frame?.version]).toEqual([2, 3]);
    expect([music?.scene, music?.version]).toEqual([null, 1]);
    expect([old?.scene, old?.version]).toEqual([4, null]);
  });
});
