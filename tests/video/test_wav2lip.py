"""The wav2lip seam on a narrow random network of the published interface, saved and loaded by its loader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.core.errors import ConfigError, FailedPrecondition, ModelNotInstalled
from studio.v1.video_pb2 import CreateAvatarVideoRequest
from tests.video.conftest import decode_frames, make_harness, probe_streams

torch = pytest.importorskip("torch")

from studio.video.neural.backend import load_wav2lip, save_wav2lip  # noqa: E402
from studio.video.neural.mel import mel_basis, mel_windows, melspectrogram  # noqa: E402
from studio.video.neural.network import Wav2Lip, Wav2LipConfig  # noqa: E402

TINY = Wav2LipConfig(
    face_channels=(4, 4, 8, 8, 16, 16, 16),
    audio_channels=(4, 8, 8, 16, 16),
    decoder_channels=(16, 16, 16, 8, 8, 8, 4),
    output_channels=4,
)


def test_published_layout_and_shapes() -> None:
    with torch.device("meta"):  # the published widths, without allocating 37M parameters
        published = Wav2Lip()
    keys = published.state_dict().keys()
    assert "face_encoder_blocks.0.0.conv_block.0.weight" in keys and "output_block.1.weight" in keys
    assert published.state_dict()["face_decoder_blocks.1.0.conv_block.0.weight"].shape == (1024, 512, 3, 3)
    tiny = Wav2Lip(TINY).eval()
    with torch.inference_mode():
        out = tiny(torch.zeros(3, 1, 80, 16), torch.rand(3, 6, 96, 96))
    assert out.shape == (3, 3, 96, 96) and float(out.min()) >= 0 and float(out.max()) <= 1


def test_mel_matches_an_independent_slaney_filterbank() -> None:
    audio_utils = pytest.importorskip("transformers.audio_utils")
    reference = audio_utils.mel_filter_bank(
        num_frequency_bins=401, num_mel_filters=80, min_frequency=55.0, max_frequency=7600.0,
        sampling_rate=16000, norm="slaney", mel_scale="slaney",
    )  # fmt: skip
    np.testing.assert_allclose(mel_basis(), reference.T, rtol=1e-4, atol=1e-7)
    mel = melspectrogram(np.random.default_rng(0).standard_normal(16000).astype(np.float32) * 0.1)
    assert mel.shape == (80, 81) and mel.min() >= -4 and mel.max() <= 4
    windows = mel_windows(mel, 25, 25)
    assert windows.shape == (25, 80, 16)
    np.testing.assert_array_equal(windows[5], mel[:, 16:32])  # frame 5 at 0.2 s = mel frame 16


def test_loader_round_trip_and_errors(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = Wav2Lip(TINY)
    folder = save_wav2lip(model, tmp_path / "wav2lip")
    loaded = load_wav2lip(folder)
    assert loaded.config == TINY and not loaded.training
    for name, value in model.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[name])
    with pytest.raises(ModelNotInstalled, match=r"wav2lip_gan\.pth"):
        load_wav2lip(tmp_path / "empty")
    (folder / "config.json").write_text('{"face_channels": [8, 8, 8, 8, 16, 16, 16]}')
    with pytest.raises(ConfigError, match="does not match"):
        load_wav2lip(folder)


async def test_wav2lip_backend_renders_a_synced_mp4(tmp_path: Path, astronaut_png: Path) -> None:
    import soundfile

    torch.manual_seed(0)
    save_wav2lip(Wav2Lip(TINY), tmp_path / "models" / "wav2lip")
    video = make_harness(tmp_path, lipsync_batch_size=8, device="cpu")
    speech = tmp_path / "speech.wav"
    t = np.arange(16000) / 16000
    soundfile.write(speech, 0.3 * np.sin(2 * np.pi * 180 * t) * (np.sin(2 * np.pi * 3 * t) > 0), 16000)
    request = CreateAvatarVideoRequest(
        portrait=await video.put(astronaut_png), audio=await video.put(speech), backend="wav2lip"
    )
    result = await video.call("CreateAvatarVideo", request)
    assert (result.backend, result.mouth_driver, result.frames) == ("wav2lip", "audio", 25)
    out = await video.fetch(result.video, tmp_path / "avatar.mp4")
    assert probe_streams(out)["audio"]["codec_name"] == "aac"
    frames = decode_frames(out, 512, 512).astype(np.float32)
    from PIL import Image

    still = np.asarray(Image.open(astronaut_png).convert("RGB"), dtype=np.float32)
    diff = np.abs(frames - still[None]).mean(axis=(0, 3))
    # The network repaints the lower face only; everything else is the portrait (up to codec noise).
    assert diff[150:175, 200:250].mean() > 10 * diff[300:, :].mean()
    assert diff[:80].mean() < 3


async def test_wav2lip_without_weights_is_a_failed_precondition(tmp_path: Path, astronaut_png: Path) -> None:
    video = make_harness(tmp_path)
    request = CreateAvatarVideoRequest(portrait=await video.put(astronaut_png), audio=await video.put(astronaut_png))
    request.backend = "wav2lip"
    with pytest.raises(FailedPrecondition, match="wav2lip is not installed"):
        await video.call("CreateAvatarVideo", request)
