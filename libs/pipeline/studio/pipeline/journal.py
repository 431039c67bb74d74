"""A step executor that remembers finished steps on disk, so a rerun resumes.

The gateway keeps this record in Postgres; embedded renders with a work
directory keep it here: one JSON file per finished step id holding its result
message. Results are written atomically, after the step finished, so an
interrupted render never recalls a half-done step.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from google.protobuf import any_pb2, descriptor_pool, message_factory
from google.protobuf.message import Message

from studio.pipeline.steps import Step, StepExecutor


class JournalExecutor:
    def __init__(self, inner: StepExecutor, directory: Path) -> None:
        self.inner = inner
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        #: Step ids recalled from the journal instead of run, in this session.
        self.recalled: list[str] = []

    def _path(self, step_id: str) -> Path:
        return self.directory / f"{hashlib.sha256(step_id.encode()).hexdigest()[:32]}.json"

    def recall(self, step_id: str) -> Message | None:
        path = self._path(step_id)
        if not path.is_file():
            return None
        record = json.loads(path.read_text())
        if record.get("id") != step_id:
            return None
        packed = any_pb2.Any.FromString(base64.b64decode(record["result"]))
        type_name = packed.TypeName()
        result = message_factory.GetMessageClass(descriptor_pool.Default().FindMessageTypeByName(type_name))()
        packed.Unpack(result)
        return result

    def remember(self, step_id: str, result: Message) -> None:
        packed = any_pb2.Any()
        packed.Pack(result)
        record = {"id": step_id, "result": base64.b64encode(packed.SerializeToString()).decode()}
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".step-")
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(record, handle)
            Path(tmp).replace(self._path(step_id))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def run(self, step: Step) -> Any:
        recalled = self.recall(step.id)
        if recalled is not None:
            self.recalled.append(step.id)
            return recalled
        result = await self.inner.run(step)
        self.remember(step.id, result)
        return result
