"""Proto messages as plain JSON for REST clients.

Unlike json_format.MessageToDict, 64-bit integers stay numbers, enums are names,
and scalar fields are always present, so clients see one stable shape.
"""

from __future__ import annotations

import base64
from typing import Any

from google.protobuf import descriptor_pool, message_factory
from google.protobuf.any_pb2 import Any as AnyMessage
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

# Register every studio message type so Any payloads and RPC signatures resolve by name.
from studio.v1 import audio_pb2, common_pb2, composer_pb2, image_pb2, video_pb2  # noqa: F401

_TIMESTAMP = "google.protobuf.Timestamp"


def _value(field: Any, value: Any) -> Any:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        if field.message_type.full_name == _TIMESTAMP:
            return value.ToJsonString()
        return to_json(value)
    if field.type == FieldDescriptor.TYPE_ENUM:
        enum_value = field.enum_type.values_by_number.get(value)
        return enum_value.name if enum_value is not None else value
    if field.type == FieldDescriptor.TYPE_BYTES:
        return base64.b64encode(value).decode()
    return value


def to_json(message: Message) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in message.DESCRIPTOR.fields:
        value = getattr(message, field.name)
        if field.is_repeated:
            out[field.name] = [_value(field, item) for item in value]
        elif field.type == FieldDescriptor.TYPE_MESSAGE or field.has_presence:
            if message.HasField(field.name):
                out[field.name] = _value(field, value)
        else:
            out[field.name] = _value(field, value)
    return out


def message_class(full_name: str) -> type[Message]:
    descriptor = descriptor_pool.Default().FindMessageTypeByName(full_name)
    cls: type[Message] = message_factory.GetMessageClass(descriptor)
    return cls


def unpack_any(packed: AnyMessage) -> Message:
    """The message inside an Any, as its own generated class."""
    result = message_class(packed.TypeName())()
    packed.Unpack(result)
    return result


def request_class(grpc_service: str, rpc: str) -> type[Message]:
    method = descriptor_pool.Default().FindServiceByName(grpc_service).FindMethodByName(rpc)
    cls: type[Message] = message_factory.GetMessageClass(method.input_type)
    return cls
