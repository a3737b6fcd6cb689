"""``homelab_tui/demo/openapi_builtin.json`` is the OpenAPI v3 schemas of the demo's built-in kinds, as the
official Python client's models (generated from the Kubernetes OpenAPI document) describe them.

The demo may not import the client (tests/unit/test_layering.py), so the schemas are a data file; this module
builds them and checks the file is current. After a client upgrade or a new built-in kind:

    python -m tests.unit.test_demo_openapi_builtin
"""

from __future__ import annotations

import json
import re
from typing import Any

import kubernetes.client as models

from homelab_tui.demo.kinds import KINDS
from homelab_tui.demo.kube_schemas import BUILTIN_FILE, PACKAGES

Schema = dict[str, Any]
_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_META_TYPES = {"ObjectMeta", "LabelSelector", "LabelSelectorRequirement", "OwnerReference", "ManagedFieldsEntry",
               "Condition", "MicroTime", "Time"}
#: nested types of a non-core group whose names do not start with one of its kinds
_GROUP_TYPES = {"apps": ("RollingUpdate", "StatefulSet"),
                "networking.k8s.io": ("HTTPIngress", "Ingress", "ServiceBackendPort")}
_PRIMITIVES: dict[str, Schema] = {"str": {"type": "string"}, "int": {"type": "integer", "format": "int64"},
                                  "float": {"type": "number", "format": "double"}, "bool": {"type": "boolean"},
                                  "datetime": {"type": "string", "format": "date-time"}, "date": {"type": "string"},
                                  "bytearray": {"type": "string", "format": "byte"},
                                  "bytes": {"type": "string", "format": "byte"}, "object": {}}
#: (type, field) -> (x-kubernetes-patch-strategy, x-kubernetes-patch-merge-key), from the Go types' struct tags
#: (the client's models do not carry them): kubectl builds its strategic merge patches from them, so a list
#: item left out of a manifest is deleted rather than kept
_CONTAINER = {"ports": ("merge", "containerPort"), "env": ("merge", "name"), "volumeMounts": ("merge", "mountPath"),
              "volumeDevices": ("merge", "devicePath")}
_PATCH_META: dict[tuple[str, str], tuple[str, str]] = {
    **{("PodSpec", f): ("merge", "name") for f in ("initContainers", "containers", "ephemeralContainers",
                                                   "imagePullSecrets", "schedulingGates")},
    ("PodSpec", "volumes"): ("merge,retainKeys", "name"), ("PodSpec", "resourceClaims"): ("merge,retainKeys", "name"),
    ("PodSpec", "hostAliases"): ("merge", "ip"), ("PodSpec", "topologySpreadConstraints"): ("merge", "topologyKey"),
    **{(t, f): v for t in ("Container", "EphemeralContainer") for f, v in _CONTAINER.items()},
    ("ServiceSpec", "ports"): ("merge", "port"), ("ObjectMeta", "finalizers"): ("merge", ""),
    ("ObjectMeta", "ownerReferences"): ("merge", "uid"), ("DeploymentSpec", "strategy"): ("retainKeys", ""),
    ("DaemonSetSpec", "updateStrategy"): ("retainKeys", ""), ("NodeStatus", "addresses"): ("merge", "type"),
}
_LIST = re.compile(r"^List\[(.+)\]$")
_DICT = re.compile(r"^Dict\[str, (.+)\]$")


class _Builder:
    """Walks the client's models from each built-in kind, naming every type as the API server does."""

    def __init__(self) -> None:
        self.out: dict[str, Schema] = {}
        self.names: dict[str, str] = {}

    def name(self, cls_name: str, group: str) -> str:
        if cls_name not in self.names:
            short = re.sub(r"^(CoreV1|V1)", "", cls_name)
            if short in _META_TYPES:
                self.names[cls_name] = _META + short
            else:
                owner = next((g for g, kinds in _GROUP_TYPES.items() if group == g and short.startswith(kinds)), "")
                own_kinds = tuple(k.kind for k in KINDS if k.group == group)
                if group and short.startswith(own_kinds):
                    owner = group
                self.names[cls_name] = PACKAGES[owner] + short
        return self.names[cls_name]

    def type_schema(self, type_name: str, group: str) -> Schema:
        if type_name in _PRIMITIVES:
            return dict(_PRIMITIVES[type_name])
        if m := _LIST.match(type_name):
            return {"type": "array", "items": self.type_schema(m.group(1), group)}
        if m := _DICT.match(type_name):
            return {"type": "object", "additionalProperties": self.type_schema(m.group(1), group)}
        return {"allOf": [{"$ref": "#/components/schemas/" + self.model(type_name, group)}], "default": {}}

    def model(self, cls_name: str, group: str) -> str:
        name = self.name(cls_name, group)
        if name in self.out:
            return name
        cls = getattr(models, cls_name)
        self.out[name] = schema = {"type": "object", "properties": {}}
        short = name.rsplit(".", 1)[1]
        required = []
        fields = {f.serialization_alias or attr: f for attr, f in cls.model_fields.items()}
        for attr, type_name in cls.openapi_types.items():
            json_name = cls.attribute_map[attr]
            prop = self.type_schema(type_name, group)
            field = fields.get(json_name)  # "exec" is the field "var_exec"
            if field is not None and field.description:
                prop["description"] = field.description
            strategy, key = _PATCH_META.get((short, json_name), ("merge", "type") if json_name == "conditions"
                                            and short.endswith("Status") else ("", ""))
            if strategy:
                prop["x-kubernetes-patch-strategy"] = strategy
            if key:
                prop["x-kubernetes-patch-merge-key"] = key
            schema["properties"][json_name] = prop
            if field is not None and field.is_required():
                required.append(json_name)
        if required:
            schema["required"] = required
        return name


def build() -> str:
    """The file's text: every schema the built-in kinds reach, sorted, one key per line."""
    builder = _Builder()
    for kind in KINDS:
        if kind.group in PACKAGES:
            builder.model("CoreV1Event" if kind.kind == "Event" else f"V1{kind.kind}", kind.group)
    return json.dumps(builder.out, sort_keys=True, indent=1) + "\n"


def test_the_committed_schemas_are_what_the_client_models_give():
    assert BUILTIN_FILE.read_text(encoding="utf-8") == build(), \
        "openapi_builtin.json is stale: python -m tests.unit.test_demo_openapi_builtin"


def test_each_built_in_kind_has_its_schema_and_kubectls_merge_keys():
    schemas = json.loads(BUILTIN_FILE.read_text(encoding="utf-8"))
    for kind in KINDS:
        if kind.group in PACKAGES:
            assert schemas[PACKAGES[kind.group] + kind.kind]["properties"]["metadata"]
    env = schemas["io.k8s.api.core.v1.Container"]["properties"]["env"]
    assert (env["x-kubernetes-patch-strategy"], env["x-kubernetes-patch-merge-key"]) == ("merge", "name")
    assert "io.k8s.api.apps.v1.RollingUpdateDeployment" in schemas


if __name__ == "__main__":
    BUILTIN_FILE.write_text(build(), encoding="utf-8")
