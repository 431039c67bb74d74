/**
 * A pasted or uploaded screenplay (YAML or JSON), checked against the pipeline's own JSON
 * Schema (libs/pipeline/.../screenplay.schema.json, imported at build time) with each error
 * placed on the line that holds the offending value.
 */
import { Validator, type OutputUnit } from "@cfworker/json-schema";
import { isMap, isSeq, LineCounter, parseDocument, type Node } from "yaml";

import { en, type MessageKey } from "@/i18n/en";

import schema from "../../../libs/pipeline/studio/pipeline/screenplay.schema.json";

export interface ScreenplayError {
  line: number;
  /** Where in the screenplay, e.g. "scenes[2].duration" (empty for the whole document). */
  path: string;
  message: string;
  /** A message of the app's own (translated by the editor); `message` is then its English text. */
  key?: MessageKey;
}

export type ScreenplayCheck =
  | { ok: true; screenplay: Record<string, unknown> }
  | { ok: false; errors: ScreenplayError[] };

const validator = new Validator(schema as object, "2020-12", false);
/** Keywords that only say "something inside failed"; the inner errors say what. */
const WRAPPERS = new Set(["properties", "items", "prefixItems", "$ref", "allOf", "anyOf", "oneOf", "additionalItems"]);

function pointer(location: string): (string | number)[] {
  return location
    .replace(/^#\/?/, "")
    .split("/")
    .filter(Boolean)
    .map((part) => decodeURIComponent(part.replace(/~1/g, "/").replace(/~0/g, "~")))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function readable(segments: (string | number)[]): string {
  return segments.reduce<string>(
    (out, part) => (typeof part === "number" ? `${out}[${part}]` : out ? `${out}.${part}` : part),
    "",
  );
}

/** The deepest YAML node on the path (the value if it exists, else its nearest parent). */
function nodeAt(root: Node | null, segments: (string | number)[]): Node | null {
  let node = root;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === segment);
      if (!pair || !pair.value) return pair ? (pair.key as Node) : node;
      node = pair.value as Node;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment] as Node | undefined;
      if (!item) return node;
      node = item;
    } else {
      return node;
    }
  }
  return node;
}

/** Errors worth showing: leaves of the error tree, one per location and message. */
function leafErrors(errors: OutputUnit[]): OutputUnit[] {
  const leaves = errors.filter((error) => !WRAPPERS.has(error.keyword));
  const seen = new Set<string>();
  return leaves.filter((error) => {
    const key = `${error.instanceLocation}|${error.error}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function checkScreenplay(text: string): ScreenplayCheck {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (document.errors.length > 0) {
    return {
      ok: false,
      errors: document.errors.map((error) => ({
        line: lines.linePos(error.pos[0]).line,
        path: "",
        message: error.message.split("\n")[0] ?? error.message,
      })),
    };
  }
  const data: unknown = document.toJS();
  if (!data || typeof data !== "object" || Array.isArray(data)) {
    return { ok: false, errors: [{ line: 1, path: "", message: en["projects.screenplayNotMapping"], key: "projects.screenplayNotMapping" }] };
  }
  const result = validator.validate(data);
  if (result.valid) return { ok: true, screenplay: data as Record<string, unknown> };
  const errors = leafErrors(result.errors).map((error) => {
    const segments = pointer(error.instanceLocation);
    const node = nodeAt(document.contents as Node | null, segments);
    const offset = node?.range?.[0] ?? 0;
    return { line: lines.linePos(offset).line, path: readable(segments), message: error.error };
  });
  errors.sort((a, b) => a.line - b.line);
  return { ok: false, errors };
}
