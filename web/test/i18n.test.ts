/**
 * Every string the UI shows is a key of i18n/en.ts, translated in pt-BR.ts: no words written
 * straight into the markup. Scans the sources' syntax trees for text between tags and for
 * user-facing attributes holding a literal (technical examples are listed here on purpose).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

import ts from "typescript";
import { describe, expect, it } from "vitest";

import { en } from "@/i18n/en";
import { ptBR } from "@/i18n/pt-BR";

const SRC = join(__dirname, "..", "src");
const SHOWN = new Set(["aria-label", "title", "placeholder", "alt", "label", "hint", "description", "feature", "submitLabel", "closeLabel"]);
/** Literals that are the same in every language: formats a key or URL must have. */
const EXAMPLES = new Set(["sk_studio_…", "https://n8n.example.com/webhook/…"]);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "i18n" ? [] : sources(path);
    return path.endsWith(".tsx") ? [path] : [];
  });
}

function untranslated(path: string): string[] {
  const source = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const where = (node: ts.Node) => `${relative(SRC, path)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (ts.isJsxText(node) && /\p{L}{2,}/u.test(node.text)) found.push(`${where(node)} ${node.text.trim()}`);
    if (ts.isJsxAttribute(node) && SHOWN.has(node.name.getText()) && node.initializer && ts.isStringLiteral(node.initializer)) {
      const text = node.initializer.text;
      if (/\p{L}{2,}/u.test(text) && !EXAMPLES.has(text)) found.push(`${where(node)} ${node.name.getText()}="${text}"`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("translations", () => {
  it("leave no words in the markup", () => {
    const files = sources(SRC);
    expect(files.length).toBeGreaterThan(20);
    expect(files.flatMap(untranslated)).toEqual([]);
  });

  it("keep the same values in both languages", () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(ptBR[key].trim(), key).not.toBe("");
      expect(placeholders(ptBR[key]), key).toEqual(placeholders(en[key]));
    }
  });
});
