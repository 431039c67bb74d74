"""Run the fake providers on loopback and print the environment that points the studio at them.

    python -m tests.providers.fakes --port 8765
    # in another shell: paste the printed exports, then
    studio render examples/luna.yaml -o out/fake-providers.mp4 \
        --backend image=fal --backend speech=elevenlabs --backend animation=kling --backend music=replicate
"""

from __future__ import annotations

import argparse
import shlex
import signal
import threading

from tests.providers.fakes.server import FakeProviderServer


def main() -> None:
    parser = argparse.ArgumentParser(description="Fake fal.ai, Replicate, ElevenLabs, Kling, Runway, Luma, MiniMax")
    parser.add_argument("--port", type=int, default=8765, help="loopback port (default 8765)")
    args = parser.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with FakeProviderServer(args.port) as fake:
        print("# fake providers listening; point the studio at them with:")
        for name, value in fake.settings_env().items():
            print(f"export {name}={shlex.quote(value)}")
        print("# Ctrl-C stops them", flush=True)
        stop.wait()


if __name__ == "__main__":
    main()
