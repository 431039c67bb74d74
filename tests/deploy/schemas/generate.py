"""Regenerates the CRD JSON schemas in this folder (not run by the tests).

    pip install cloudcoil-models-keda cloudcoil-models-prometheus-operator
    python tests/deploy/schemas/generate.py

cloudcoil's models are generated from the projects' own CRDs (KEDA and the Prometheus
Operator, both Apache-2.0); their pydantic JSON schema keeps types, required fields and
enums. Every object that lists its properties is closed (additionalProperties: false), as a
Kubernetes API server with strict field validation treats unknown fields. Importing the
Prometheus Operator models takes many seconds, hence this snapshot.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NOISE = ("title", "default", "description")


def closed(schema: Any) -> Any:
    """The schema without annotations, every object with listed properties closed."""
    if isinstance(schema, dict):
        result = {
            key: {name: closed(sub) for name, sub in value.items()} if key in ("properties", "$defs") else closed(value)
            for key, value in schema.items()
            if key not in NOISE
        }
        if "properties" in result and "additionalProperties" not in result:
            result["additionalProperties"] = False
        return result
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    return schema


def main() -> None:
    from cloudcoil.models.keda import v1alpha1 as keda
    from cloudcoil.models.prometheus_operator import v1 as monitoring

    models: dict[str, tuple[Any, str]] = {
        "keda.sh/v1alpha1/ScaledObject": (keda.ScaledObject, "cloudcoil-models-keda"),
        "keda.sh/v1alpha1/TriggerAuthentication": (keda.TriggerAuthentication, "cloudcoil-models-keda"),
        "monitoring.coreos.com/v1/ServiceMonitor": (monitoring.ServiceMonitor, "cloudcoil-models-prometheus-operator"),
        "monitoring.coreos.com/v1/PrometheusRule": (monitoring.PrometheusRule, "cloudcoil-models-prometheus-operator"),
    }
    for key, (model, distribution) in models.items():
        schema = closed(model.model_json_schema(by_alias=True, mode="validation"))
        schema["$comment"] = f"{key} from {distribution} {version(distribution)}; see generate.py"
        path = HERE / (key.split("/")[-1].lower() + ".json")
        path.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
        print(f"wrote {path.name}")


if __name__ == "__main__":
    main()
