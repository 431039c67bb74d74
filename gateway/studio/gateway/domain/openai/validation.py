"""Body checks that fail as OpenAI's do: the field in `param`, OpenAI's `code`, its wording.

The rules are read from the msgspec request shapes (one source for the checks and the
OpenAPI document). Types are strict, as OpenAI's are: "1.5" is not a number. A body that
passes is then decoded by Litestar into the same shape, which cannot fail.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

import msgspec
from litestar import Request

from studio.gateway.domain.openai.errors import OpenAIError

_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "a boolean"),  # before int: a bool is an int in Python, never in JSON
    (int, "an integer"),
    (float, "a decimal number"),
    (str, "a string"),
    (dict, "an object"),
    (list, "an array"),
    (type(None), "null"),
)
_EXPECTED = {
    msgspec.inspect.BoolType: "a boolean",
    msgspec.inspect.IntType: "an integer",
    msgspec.inspect.FloatType: "a number",
    msgspec.inspect.StrType: "a string",
    msgspec.inspect.StructType: "an object",
    msgspec.inspect.NoneType: "null",
}


def _kind(value: Any) -> str:
    return next(name for kinds, name in _KINDS if isinstance(value, kinds))


def _quoted(values: Any) -> str:
    items = [f"'{v}'" for v in values]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f", and {items[-1]}"


def _invalid_type(name: str, expected: str, value: Any) -> OpenAIError:
    message = f"Invalid type for '{name}': expected {expected}, but got {_kind(value)} instead."
    return OpenAIError(message, param=name, code="invalid_type")


def _matches(value: Any, kind: msgspec.inspect.Type) -> bool:
    """Whether a JSON value has the type `kind` wants (its constraints aside)."""
    if isinstance(kind, msgspec.inspect.Metadata):
        return _matches(value, kind.type)
    if isinstance(kind, msgspec.inspect.LiteralType):
        return any(type(value) is type(v) for v in kind.values)
    if isinstance(kind, msgspec.inspect.FloatType):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(kind, msgspec.inspect.IntType):
        return isinstance(value, int) and not isinstance(value, bool)
    wanted = {
        msgspec.inspect.BoolType: bool,
        msgspec.inspect.StrType: str,
        msgspec.inspect.StructType: dict,
        msgspec.inspect.NoneType: type(None),
    }.get(type(kind))
    return wanted is None or isinstance(value, wanted)


def _check_number(name: str, value: float, kind: msgspec.inspect.IntType | msgspec.inspect.FloatType) -> None:
    noun = "integer" if isinstance(kind, msgspec.inspect.IntType) else "decimal"
    if kind.ge is not None and value < kind.ge:
        where, expected, code = "below minimum", f">= {kind.ge:g}", "below_min"
    elif kind.le is not None and value > kind.le:
        where, expected, code = "above maximum", f"<= {kind.le:g}", "above_max"
    else:
        return
    raise OpenAIError(
        f"Invalid '{name}': {noun} {where} value. Expected a value {expected}, but got {value:g} instead.",
        param=name,
        code=f"{noun}_{code}_value",
    )


def _check_string(name: str, value: str, kind: msgspec.inspect.StrType) -> None:
    if kind.min_length and not value:
        raise OpenAIError(
            f"Invalid '{name}': empty string. Expected a string with minimum length {kind.min_length}, "
            "but got an empty string instead.",
            param=name,
            code="empty_string",
        )
    if kind.max_length is not None and len(value) > kind.max_length:
        raise OpenAIError(
            f"Invalid '{name}': string too long. Expected a string with maximum length {kind.max_length}, "
            f"but got a string with length {len(value)} instead.",
            param=name,
            code="string_above_max_length",
        )
    if kind.pattern is not None and not re.search(kind.pattern, value):  # msgspec's patterns search too
        raise OpenAIError(
            f"Invalid '{name}': string does not match pattern. Expected a string that matches the pattern "
            f"'{kind.pattern}'.",
            param=name,
            code="invalid_value",
        )


def _check(name: str, value: Any, kind: msgspec.inspect.Type) -> None:
    if isinstance(kind, msgspec.inspect.Metadata):
        _check(name, value, kind.type)
    elif isinstance(kind, msgspec.inspect.UnionType):
        options = [option for option in kind.types if _matches(value, option)]
        if not options:
            expected = " or ".join(dict.fromkeys(_expected(option) for option in kind.types))
            raise _invalid_type(name, expected, value)
        _check(name, value, options[0])
    elif not _matches(value, kind):
        raise _invalid_type(name, _expected(kind), value)
    elif isinstance(kind, msgspec.inspect.LiteralType):
        if value not in kind.values:
            raise OpenAIError(
                f"Invalid value: '{value}'. Supported values are: {_quoted(kind.values)}.",
                param=name,
                code="invalid_value",
            )
    elif isinstance(kind, msgspec.inspect.IntType | msgspec.inspect.FloatType):
        _check_number(name, value, kind)
    elif isinstance(kind, msgspec.inspect.StrType):
        _check_string(name, value, kind)
    elif isinstance(kind, msgspec.inspect.StructType):
        _check_fields(value, kind, f"{name}.")


def _expected(kind: msgspec.inspect.Type) -> str:
    if isinstance(kind, msgspec.inspect.Metadata):
        return _expected(kind.type)
    if isinstance(kind, msgspec.inspect.LiteralType):
        return _expected(msgspec.inspect.type_info(type(kind.values[0])))
    return _EXPECTED.get(type(kind), "a valid value")


def _check_fields(value: dict[str, Any], shape: msgspec.inspect.StructType, prefix: str = "") -> None:
    for field in shape.fields:
        name = prefix + field.encode_name
        if field.encode_name in value:
            _check(name, value[field.encode_name], field.type)
        elif field.required:
            raise OpenAIError(f"Missing required parameter: '{name}'.", param=name, code="missing_required_parameter")


def check_body(body: bytes, shape: type[msgspec.Struct]) -> None:
    """Raise OpenAIError, as OpenAI would answer, unless `body` is a JSON object `shape` accepts."""
    try:
        value = msgspec.json.decode(body)
    except msgspec.DecodeError as error:
        raise OpenAIError(
            f"We could not parse the JSON body of your request ({error}). The API expects a JSON object "
            "with the fields of this endpoint."
        ) from None
    if not isinstance(value, dict):
        raise OpenAIError(f"Invalid type for the body: expected an object, but got {_kind(value)} instead.")
    _check_fields(value, _shape_info(shape))


@cache
def _shape_info(shape: type[msgspec.Struct]) -> msgspec.inspect.StructType:
    info = msgspec.inspect.type_info(shape)
    assert isinstance(info, msgspec.inspect.StructType)
    return info


def body_check(shape: type[msgspec.Struct]) -> Callable[[Request[Any, Any, Any]], Awaitable[None]]:
    """A `before_request` hook: the body is checked before Litestar decodes it into `shape`."""

    async def check(request: Request[Any, Any, Any]) -> None:
        check_body(await request.body(), shape)

    return check
