import { describe, expect, it } from "vitest";

import type { PickedFile } from "@/components/MediaUploader";
import { translate, type Translate } from "@/i18n/i18n";
import { sampleProblem } from "@/pages/AudioStudio";

const limits = {
  min_voice_sample_seconds: 10,
  max_voice_sample_seconds: 300,
  max_upload_bytes: 1024 * 1024,
  max_audio_upload_seconds: 1800,
  max_image_pixels: 64_000_000,
};
const picked = (seconds: number | null, bytes = 1000): PickedFile => ({
  file: new File([new Uint8Array(bytes)], "voz.wav", { type: "audio/wav" }),
  duration: seconds,
});

describe("a voice sample against the server's limits", () => {
  const t: Translate = (key, values) => translate("en", key, values);

  it("says what is wrong before uploading", () => {
    expect(sampleProblem(picked(2), limits, t)).toBe("voz.wav lasts 2.0 s; a voice sample must last at least 10 s.");
    expect(sampleProblem(picked(400), limits, t)).toBe("voz.wav lasts 6:40; a voice sample may last at most 5:00.");
    expect(sampleProblem(picked(20, 2 * 1024 * 1024), limits, t)).toBe(
      "voz.wav is 2.0 MB; this server accepts files up to 1.0 MB.",
    );
  });

  it("lets a fitting sample through, and says nothing before the limits are known", () => {
    expect(sampleProblem(picked(20), limits, t)).toBeNull();
    expect(sampleProblem(picked(2), undefined, t)).toBeNull();
    expect(sampleProblem(null, limits, t)).toBeNull();
  });
});
