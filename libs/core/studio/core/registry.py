"""The studio's processes: names, proto services, default ports, and where they are built."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from studio.core.errors import ConfigError


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    #: Fully qualified proto service, empty for the gateway.
    grpc_service: str
    #: "module:function" building the ServiceDefinition from an ArtifactStore.
    factory: str
    port: int
    metrics_port: int
    #: The pip distribution that provides it (named in errors).
    distribution: str

    def load_factory(self) -> Callable[..., Any]:
        module_name, _, attr = self.factory.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name and module_name.startswith(error.name):
                raise ConfigError(f"{self.name} is not installed here (pip install ./{self.distribution})") from None
            raise
        factory: Callable[..., Awaitable[Any]] = getattr(module, attr)
        return factory


def _model_server(name: str, port: int, metrics_port: int) -> ServiceSpec:
    title = name.capitalize()
    return ServiceSpec(
        name=name,
        grpc_service=f"studio.v1.{title}Service",
        factory=f"studio.{name}.service:build_service",
        port=port,
        metrics_port=metrics_port,
        distribution=f"services/{name}",
    )


SERVICES: dict[str, ServiceSpec] = {
    spec.name: spec
    for spec in (
        _model_server("audio", 50051, 9101),
        _model_server("image", 50052, 9102),
        _model_server("video", 50053, 9103),
        _model_server("composer", 50054, 9104),
    )
}

GATEWAY_PORT = 8080


def service_spec(name: str) -> ServiceSpec:
    try:
        return SERVICES[name]
    except KeyError:
        raise ConfigError(f"unknown service {name!r}; choose one of: {', '.join(SERVICES)}") from None
