/**
 * Who the browser is signed in as. A short-lived token lives in sessionStorage (this tab only);
 * an API key is kept only when the user asks to stay signed in (localStorage). Neither ever
 * goes into a URL: every request carries it as `Authorization: Bearer …`.
 */
import { useSyncExternalStore } from "react";

export type Credential =
  | { kind: "key"; secret: string }
  | { kind: "token"; secret: string; expiresAt: number };

/** Why the user is on the sign-in page ("revoked": the server said the key was revoked). */
export type SignInReason = "expired" | "rejected" | "revoked" | "signed_out";

interface SessionState {
  credential: Credential | null;
  reason: SignInReason | null;
}

const KEY_STORAGE = "studio.key";
const TOKEN_STORAGE = "studio.token";

function restore(): Credential | null {
  try {
    const token = sessionStorage.getItem(TOKEN_STORAGE);
    if (token) {
      const parsed = JSON.parse(token) as { secret?: unknown; expiresAt?: unknown };
      if (typeof parsed.secret === "string" && typeof parsed.expiresAt === "number" && parsed.expiresAt > Date.now()) {
        return { kind: "token", secret: parsed.secret, expiresAt: parsed.expiresAt };
      }
      sessionStorage.removeItem(TOKEN_STORAGE);
    }
    const key = localStorage.getItem(KEY_STORAGE);
    return key ? { kind: "key", secret: key } : null;
  } catch {
    return null;
  }
}

let state: SessionState = { credential: restore(), reason: null };
const listeners = new Set<() => void>();

function publish(next: SessionState): void {
  state = next;
  listeners.forEach((listener) => listener());
}

function forget(): void {
  try {
    sessionStorage.removeItem(TOKEN_STORAGE);
    localStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage unavailable (private mode): nothing was kept
  }
}

export const session = {
  get(): SessionState {
    return state;
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  /** The Authorization header value for API calls, or null when signed out. */
  authorization(): string | null {
    const credential = state.credential;
    if (!credential) return null;
    if (credential.kind === "token" && credential.expiresAt <= Date.now()) {
      session.end("expired");
      return null;
    }
    return `Bearer ${credential.secret}`;
  },
  start(credential: Credential): void {
    forget();
    try {
      if (credential.kind === "token") {
        sessionStorage.setItem(TOKEN_STORAGE, JSON.stringify(credential));
      } else {
        localStorage.setItem(KEY_STORAGE, credential.secret);
      }
    } catch {
      // kept in memory only
    }
    publish({ credential, reason: null });
  },
  /** Sign out, saying why (shown on the sign-in page). */
  end(reason: SignInReason): void {
    forget();
    if (state.credential === null && state.reason === reason) return;
    publish({ credential: null, reason });
  },
};

export function useSession(): SessionState {
  return useSyncExternalStore(session.subscribe, session.get, session.get);
}
