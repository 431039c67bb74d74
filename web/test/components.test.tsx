import { act, fireEvent, renderHook, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { authedFetch } from "@/api/client";
import { session } from "@/auth/session";
import { AUDIO_ACCEPT, AUDIO_TYPES, MediaUploader } from "@/components/MediaUploader";
import { ScreenplayEditor } from "@/components/ScreenplayEditor";
import { useJobEvents } from "@/hooks/useJobEvents";
import SignInPage from "@/pages/SignIn";

import { eventStream, json, renderApp } from "./render";

const fetchMock = vi.fn<typeof fetch>();

beforeEach(() => {
  vi.stubGlobal("fetch", fetchMock);
  localStorage.clear();
  sessionStorage.clear();
  session.end("signed_out");
});
afterEach(() => {
  fetchMock.mockReset();
  vi.unstubAllGlobals();
});

const requestOf = (call: number) => fetchMock.mock.calls[call]![0] as Request;

describe("sign-in", () => {
  it("says clearly that a wrong key was refused, and keeps the user signed out", async () => {
    fetchMock.mockResolvedValueOnce(json({ status: 401, detail: "the API key or token is not valid" }, 401));
    renderApp(<SignInPage />);
    await userEvent.type(screen.getByLabelText("API key"), "sk_studio_wrong");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText(/This API key was not accepted/)).toBeInTheDocument();
    expect(session.get().credential).toBeNull();
    expect(requestOf(0).url).not.toContain("sk_studio_wrong");
    expect(requestOf(0).headers.get("Authorization")).toBe("Bearer sk_studio_wrong");
  });

  it("exchanges the key for a short-lived token and keeps only the token", async () => {
    fetchMock.mockResolvedValueOnce(json({ access_token: "jwt.token", token_type: "bearer", expires_in: 3600 }));
    renderApp(<SignInPage />, "pt-BR");
    await userEvent.type(screen.getByLabelText("Chave de API"), "sk_studio_right");
    await userEvent.click(screen.getByRole("button", { name: "Entrar" }));
    await waitFor(() => expect(session.get().credential).toMatchObject({ kind: "token", secret: "jwt.token" }));
    expect(new URL(requestOf(0).url).pathname).toBe("/api/v1/auth/token");
    expect(localStorage.getItem("studio.key")).toBeNull();
    expect(sessionStorage.getItem("studio.token")).toContain("jwt.token");
  });
});

describe("session", () => {
  it("ends, saying why, when the server refuses the session's credential", async () => {
    session.start({ kind: "key", secret: "sk_studio_x" });
    fetchMock.mockResolvedValueOnce(json({ detail: "revoked" }, 401));
    await expect(authedFetch("/api/v1/jobs")).rejects.toMatchObject({ status: 401 });
    expect(session.get()).toEqual({ credential: null, reason: "rejected" });
    expect(localStorage.getItem("studio.key")).toBeNull();
  });

  it("treats an expired token as signed out, before any request", () => {
    session.start({ kind: "token", secret: "old", expiresAt: Date.now() - 1 });
    expect(session.authorization()).toBeNull();
    expect(session.get().reason).toBe("expired");
  });
});

describe("MediaUploader", () => {
  it("refuses a file of the wrong type by name, listing what it accepts", async () => {
    const picked = vi.fn();
    renderApp(<MediaUploader label="Voice sample" accept={AUDIO_ACCEPT} typesLabel={AUDIO_TYPES} onPicked={picked} />);
    const file = new File(["hello"], "notes.txt", { type: "text/plain" });
    const items = [{ kind: "file", type: file.type, getAsFile: () => file }];
    fireEvent.drop(screen.getByTestId("dropzone"), { dataTransfer: { files: [file], items, types: ["Files"] } });
    expect(await screen.findByRole("alert")).toHaveTextContent("notes.txt is not a supported file. Accepted: WAV, MP3");
    expect(picked).toHaveBeenLastCalledWith(null);
  });

  it("is a labelled control that opens the file picker from the keyboard", () => {
    renderApp(<MediaUploader label="Voice sample" accept={AUDIO_ACCEPT} typesLabel={AUDIO_TYPES} onPicked={vi.fn()} />);
    const zone = screen.getByRole("button", { name: "Voice sample" });
    expect(zone).toHaveAttribute("tabindex", "0");
  });
});

describe("ScreenplayEditor", () => {
  it("lists each error with its line and marks the screenplay invalid", () => {
    renderApp(<ScreenplayEditor value={"title: X\nscenes:\n  - duration: -1\n"} onChange={vi.fn()} />);
    const editor = screen.getByLabelText("Screenplay (YAML or JSON)");
    expect(editor).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByTestId("screenplay-errors")).toHaveTextContent("Line 3:");
  });
});

describe("useJobEvents", () => {
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={new QueryClient()}>{children}</QueryClientProvider>
  );
  const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

  it("follows a job from its snapshot to its outcome, with the credential in a header", async () => {
    session.start({ kind: "key", secret: "sk_studio_k" });
    fetchMock.mockResolvedValueOnce(
      eventStream([
        sse("status", { status: "queued", progress: 0, stage: "" }),
        sse("progress", { status: "running", progress: 0.5, stage: "drawing" }),
        sse("completed", { id: "j1", status: "completed", progress: 1, stage: "", assets: [] }),
      ]),
    );
    const { result } = renderHook(() => useJobEvents("j1"), { wrapper });
    await waitFor(() => expect(result.current?.status).toBe("completed"));
    expect(result.current?.job?.id).toBe("j1");
    expect(requestOf(0).headers.get("Authorization")).toBe("Bearer sk_studio_k");
    expect(requestOf(0).url).not.toContain("sk_studio_k");
  });

  it("reconnects when the stream drops, and the new snapshot replaces stale progress", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    session.start({ kind: "key", secret: "sk_studio_k" });
    fetchMock
      .mockResolvedValueOnce(eventStream([sse("progress", { status: "running", progress: 0.8, stage: "x" })]))
      .mockResolvedValueOnce(eventStream([sse("status", { status: "cancelled", progress: 0.2, stage: "" })]));
    const { result } = renderHook(() => useJobEvents("j2"), { wrapper });
    await waitFor(() => expect(result.current?.progress).toBe(0.8));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1500);
    });
    await waitFor(() => expect(result.current).toMatchObject({ status: "cancelled", progress: 0.2 }));
    expect(fetchMock).toHaveBeenCalledTimes(2);
    vi.useRealTimers();
  });
});
