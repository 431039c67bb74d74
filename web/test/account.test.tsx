/** The account's API keys (Settings), why a revoked key signs the user out, and presets kept on the server. */
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { authedFetch } from "@/api/client";
import { session } from "@/auth/session";
import SettingsPage from "@/pages/SettingsPage";
import SignInPage from "@/pages/SignIn";
import TemplatesPage from "@/pages/TemplatesPage";

import { json, renderApp } from "./render";

type Route = (request: Request) => Response | Promise<Response>;
const fetchMock = vi.fn<typeof fetch>();
let routes: Record<string, Route> = {};

/** Answers by "METHOD /path"; anything else is a 404 the test did not expect. */
function serve(table: Record<string, Route>): void {
  routes = table;
  fetchMock.mockImplementation(async (input) => {
    const request = input instanceof Request ? input : new Request(new URL(String(input), window.location.origin));
    const route = routes[`${request.method} ${new URL(request.url).pathname}`];
    return route ? route(request) : json({ detail: `unexpected ${request.method} ${request.url}` }, 404);
  });
}

const KEY = {
  prefix: "sk_studio_ab",
  created_at: "2026-12-04T20:00:00Z",
  last_used_at: null,
  revoked_at: null,
};
const keys = [
  { ...KEY, id: "k2", name: "laptop", current: false, last_used_at: "2026-12-04T21:00:00Z" },
  { ...KEY, id: "k1", name: "first", current: true },
];
const ACCOUNT = {
  id: "k1", key_id: "k1", name: "first", key_prefix: "sk_studio_ab", webhook_secret: "whsec_x", created_at: KEY.created_at,
};
const settingsRoutes = (extra: Record<string, Route> = {}): Record<string, Route> => ({
  "GET /api/v1/account": () => json(ACCOUNT),
  "GET /api/v1/webhooks": () => json([]),
  "GET /api/v1/keys": () => json(keys),
  ...extra,
});

beforeEach(() => {
  vi.stubGlobal("fetch", fetchMock);
  // jsdom has no media queries; the theme (system = light here) asks for one.
  vi.stubGlobal("matchMedia", () => ({ matches: false, addEventListener: () => {}, removeEventListener: () => {} }));
  localStorage.clear();
  sessionStorage.clear();
  session.end("signed_out");
});
afterEach(() => {
  fetchMock.mockReset();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("a revoked key", () => {
  it("signs the session out with its own reason, told in the user's language", async () => {
    session.start({ kind: "token", secret: "jwt", expiresAt: Date.now() + 60_000 });
    serve({ "GET /api/v1/jobs": () => json({ status: 401, detail: "the API key this token was issued for was revoked", reason: "revoked" }, 401) });
    await expect(authedFetch("/api/v1/jobs")).rejects.toMatchObject({ status: 401 });
    expect(session.get()).toEqual({ credential: null, reason: "revoked" });
    renderApp(<SignInPage />, "pt-BR");
    expect(await screen.findByRole("alert")).toHaveTextContent("a chave de API foi revogada");
  });
});

describe("API keys card", () => {
  it("lists the account's keys and shows a new key once", async () => {
    session.start({ kind: "key", secret: "sk_studio_first" });
    serve(
      settingsRoutes({
        "POST /api/v1/keys": async (request) => {
          expect(await request.json()).toEqual({ name: "n8n" });
          return json({ ...KEY, id: "k3", name: "n8n", current: false, key: "sk_studio_new-secret" }, 201);
        },
      }),
    );
    renderApp(<SettingsPage />);
    const list = await screen.findByRole("list", { name: "API keys" });
    await waitFor(() => expect(within(list).getAllByTestId("key-row")).toHaveLength(2));
    expect(within(list).getAllByTestId("key-row")[1]).toHaveTextContent("in use");
    expect(within(list).getAllByTestId("key-row")[0]).toHaveTextContent("last used");
    await userEvent.type(screen.getByLabelText("Name"), "n8n");
    await userEvent.click(screen.getByRole("button", { name: "Create key" }));
    expect(await screen.findByTestId("new-key")).toHaveTextContent("sk_studio_new-secret");
  });

  it("cannot create keys with a web session token, and says how to", async () => {
    session.start({ kind: "token", secret: "jwt", expiresAt: Date.now() + 60_000 });
    serve(settingsRoutes());
    renderApp(<SettingsPage />);
    expect(await screen.findByText(/a web session token cannot create keys/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Create key" })).toBeNull();
    expect(await screen.findByRole("button", { name: "Revoke laptop" })).toBeEnabled();
  });

  it("signs out after revoking the key in use, once confirmed", async () => {
    session.start({ kind: "key", secret: "sk_studio_first" });
    const revoked: string[] = [];
    serve(
      settingsRoutes({
        "DELETE /api/v1/keys/k1": () => {
          revoked.push("k1");
          return new Response(null, { status: 204 });
        },
      }),
    );
    const confirm = vi.spyOn(window, "confirm").mockReturnValue(true);
    renderApp(<SettingsPage />);
    await userEvent.click(await screen.findByRole("button", { name: "Revoke first" }));
    expect(confirm.mock.calls[0]?.[0]).toContain("the key you are signed in with");
    await waitFor(() => expect(session.get()).toEqual({ credential: null, reason: "revoked" }));
    expect(revoked).toEqual(["k1"]);
  });
});

describe("presets", () => {
  const saved = { id: "p1", name: "Minha aquarela", kind: "image", tags: ["aquarela"], values: { prompt: "x" }, created_at: KEY.created_at };
  const documentWith = (paths: string[]) => () => json({ paths: Object.fromEntries(paths.map((path) => [path, { get: {} }])) });

  it("lists the account's presets from the server beside the repository's templates", async () => {
    session.start({ kind: "key", secret: "sk_studio_first" });
    localStorage.setItem("studio.presets", JSON.stringify([{ id: "b1", name: "Old one", kind: "speech", tags: [], values: {} }]));
    serve({ "GET /docs/openapi.json": documentWith(["/api/v1/presets"]), "GET /api/v1/presets": () => json([saved]) });
    renderApp(<TemplatesPage />);
    const card = (await screen.findByText("Minha aquarela")).closest("li")!;
    expect(card).toHaveTextContent("yours");
    expect((await screen.findByText("Old one")).closest("li")).toHaveTextContent("yours, this browser");
    expect(screen.getAllByTestId("template-card").length).toBeGreaterThan(2); // the repository's too
    expect(screen.queryByText(/this server does not store presets/)).toBeNull();
  });

  it("keeps them in this browser, saying so, on a server without presets", async () => {
    session.start({ kind: "key", secret: "sk_studio_first" });
    serve({ "GET /docs/openapi.json": documentWith([]) });
    renderApp(<TemplatesPage />);
    expect(await screen.findByText(/this server does not store presets yet/)).toBeInTheDocument();
    expect(fetchMock.mock.calls.some(([input]) => String(input instanceof Request ? input.url : input).includes("/api/v1/presets"))).toBe(false);
  });
});
