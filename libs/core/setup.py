"""Builds studio.v1 stubs from ../../protos whenever the package is built or installed.

Generated code is never committed: it is produced here, at install time, so the
contract in protos/ is the only source of truth.
"""

from __future__ import annotations

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.egg_info import egg_info

HERE = Path(__file__).resolve().parent


def _protos_dir() -> Path:
    for candidate in (HERE.parent.parent / "protos", HERE / "protos"):
        if (candidate / "studio" / "v1").is_dir():
            return candidate
    raise SystemExit("studio-core: protos/studio/v1 not found next to libs/core (copy protos/ into the build)")


def generate_stubs() -> None:
    from grpc_tools import protoc  # build requirement

    protos = _protos_dir()
    out = HERE
    files = sorted(str(p) for p in (protos / "studio" / "v1").glob("*.proto"))
    include = str(Path(protoc.__file__).parent / "_proto")
    args = [
        "protoc",
        f"-I{protos}",
        f"-I{include}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *files,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("studio-core: protoc failed")
    (out / "studio" / "v1" / "py.typed").write_text("")


class BuildPy(build_py):
    def run(self) -> None:
        generate_stubs()
        super().run()


class EggInfo(egg_info):
    def run(self) -> None:
        generate_stubs()
        super().run()


if __name__ == "__main__" or "setuptools" in sys.modules:
    setup(cmdclass={"build_py": BuildPy, "egg_info": EggInfo})
