import { describe, expect, it } from "vitest";
import { stringify } from "yaml";

import { checkScreenplay } from "@/lib/screenplay";
import { REPOSITORY_TEMPLATES } from "@/lib/presets";

describe("screenplay checks", () => {
  it("accepts a minimal screenplay, in YAML or JSON", () => {
    expect(checkScreenplay("title: Film\nscenes:\n  - duration: 3\n    prompt: a fox\n").ok).toBe(true);
    expect(checkScreenplay('{"title": "Film", "scenes": [{"duration": 3, "prompt": "a fox"}]}').ok).toBe(true);
  });

  it("puts a wrong value on its own line", () => {
    const result = checkScreenplay("title: Broken\nscenes:\n  - prompt: a fox\n    duration: soon\n");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toContainEqual(expect.objectContaining({ line: 4, path: "scenes[0].duration" }));
  });

  it("names a missing field and an unknown one where they are", () => {
    const result = checkScreenplay("title: Film\nscenes:\n  - duration: 3\n    promt: a typo\n");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.every((error) => error.line >= 3)).toBe(true);
    expect(result.errors.map((error) => error.message).join(" ")).toMatch(/promt/);
    const missing = checkScreenplay("scenes:\n  - duration: 3\n");
    expect(!missing.ok && missing.errors[0]?.message).toMatch(/title/);
  });

  it("reports a YAML syntax error at its line", () => {
    const result = checkScreenplay("title: Film\nscenes:\n  - duration: [3\n");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.line).toBeGreaterThanOrEqual(3);
  });

  it("refuses a document that is not a mapping", () => {
    const result = checkScreenplay("- just\n- a list\n");
    expect(result.ok).toBe(false);
  });
});

describe("the repository's templates", () => {
  it("are each complete, in both languages", () => {
    expect(REPOSITORY_TEMPLATES.length).toBeGreaterThanOrEqual(3);
    for (const template of REPOSITORY_TEMPLATES) {
      expect(template.id).toMatch(/^[a-z0-9-]+$/);
      expect(typeof template.name === "object" && template.name.en && template.name["pt-BR"]).toBeTruthy();
      expect(template.tags.length).toBeGreaterThan(0);
    }
    const ids = REPOSITORY_TEMPLATES.map((template) => template.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("offer the brief's three projects, each a valid screenplay", () => {
    const projects = REPOSITORY_TEMPLATES.filter((template) => template.kind === "project");
    expect(projects.map((template) => template.id).sort()).toEqual(
      ["childrens-story-watercolour", "presenter-20s", "product-teaser-vertical"].sort(),
    );
    for (const template of projects) {
      const result = checkScreenplay(stringify(template.values.screenplay));
      expect(result.ok ? [] : result.errors).toEqual([]);
    }
  });
});
