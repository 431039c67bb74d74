/// <reference types="vitest/config" />
import { fileURLToPath } from "node:url";

import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const src = fileURLToPath(new URL("./src", import.meta.url));
const repository = fileURLToPath(new URL("..", import.meta.url));

// The gateway serves dist/ at /; `npm run dev` proxies the API to a gateway on :8080.
export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: { alias: { "@": src } },
  server: {
    // The app imports the screenplay's JSON Schema and the preset templates from the repository.
    fs: { allow: [repository] },
    proxy: Object.fromEntries(
      ["/api", "/v1", "/docs", "/readyz", "/healthz"].map((path) => [path, "http://127.0.0.1:8080"]),
    ),
  },
  build: {
    outDir: "dist",
    assetsDir: "assets",
    sourcemap: false,
    // The first page must stay under 500 kB gzipped (docs/ui.md); warn well before, on the raw size.
    chunkSizeWarningLimit: 600,
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./test/setup.ts"],
    include: ["test/**/*.test.{ts,tsx}"],
    css: false,
  },
});
