"""The API server's checks of a written object's values: scalar types, enums, base64 data, workload selectors.

A built-in object is decoded into Go structs before it is validated: a value of the wrong JSON type fails the
decode (POST/PUT: 400 ``… cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field
DeploymentSpec.spec.replicas of type int32``; a patched object: 422 on the field ``patch``), as does Secret
``data`` that is not base64 (``illegal base64 data at input byte 3``). A CustomResource is checked against its
schema instead (422 ``spec.duration in body must be of type string: "integer"``). Then validation (422):
enum fields (``Unsupported value: "LoadBalancr": supported values: …``) and a workload's selector against its
pod template's labels. The walk follows the kind's OpenAPI schema (:mod:`homelab_tui.demo.kube_schemas`); it
runs on writes only.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from homelab_tui.demo.kinds import Kind
from homelab_tui.demo.kube_schemas import Schema, schemas

_REF = "#/components/schemas/"
#: enum fields of the home-lab's manifests. The built-in schemas carry no ``enum``: the real API server checks
#: these in its validation code (k8s.io/kubernetes pkg/apis/core/validation ValidateService, ValidatePodSpec,
#: validateContainers; pkg/apis/apps/validation ValidateDeploymentStrategy, ValidateStatefulSetUpdateStrategy,
#: ValidateDaemonSetUpdateStrategy; pkg/apis/networking/validation validateHTTPIngressPath), written here by hand
ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("ServiceSpec", "type"): ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort"),
    ("ServicePort", "protocol"): ("SCTP", "TCP", "UDP"),
    ("ContainerPort", "protocol"): ("SCTP", "TCP", "UDP"),
    ("HTTPIngressPath", "pathType"): ("Exact", "ImplementationSpecific", "Prefix"),
    ("DeploymentStrategy", "type"): ("Recreate", "RollingUpdate"),
    ("StatefulSetUpdateStrategy", "type"): ("OnDelete", "RollingUpdate"),
    ("DaemonSetUpdateStrategy", "type"): ("OnDelete", "RollingUpdate"),
    ("Container", "imagePullPolicy"): ("Always", "IfNotPresent", "Never"),
    ("PodSpec", "restartPolicy"): ("Always", "Never", "OnFailure"),
}
#: kinds with a pod template: its restartPolicy may only be Always, and the selector must match its labels
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"}
#: resource.Quantity fields (a string or a number); the client's schemas type them as strings
_QUANTITIES = {"requests", "limits", "capacity", "allocatable", "overhead", "allocatedResources", "sizeLimit",
               "divisor"}
#: the Go types' int64 fields (the client's schemas say int64 for every integer; the others are int32)
_INT64 = {"activeDeadlineSeconds", "terminationGracePeriodSeconds", "runAsUser", "runAsGroup", "fsGroup",
          "generation", "observedGeneration", "deletionGracePeriodSeconds", "tolerationSeconds",
          "expirationSeconds", "seconds", "sizeBytes", "supplementalGroups"}
_INTS = {"int32", "int64"}


class Mismatch(NamedTuple):
    """A value of the wrong JSON type, located as Go's decoder and as field validation name it."""
    path: str  # "spec.template.spec.containers[0].image"
    go_field: str  # "Container.spec.template.spec.containers.image" (struct, then the JSON keys from the root)
    go_type: str  # "int32", "[]v1.Container"
    value: Any
    expected: str  # the schema's type: "integer", "string", …


class Problems(NamedTuple):
    mismatches: list[Mismatch]
    bad_base64: list[int]  # the input byte Go's base64 decoder stops at: Secret data, ConfigMap binaryData
    invalid: list[tuple[str, str, str]]  # (field, cause reason, message) of field validation


def _short(component: str) -> str:
    return component.rsplit(".", 1)[-1]


def resolve(schema: Schema, components: dict[str, Schema]) -> tuple[Schema, str | None]:
    """The schema a ``$ref`` (or ``allOf: [$ref]``) names, and the component's name."""
    name = None
    while True:
        ref = schema.get("$ref") or (schema.get("allOf") or [{}])[0].get("$ref")
        if not isinstance(ref, str):
            return schema, name
        name = ref[len(_REF):]
        schema = components[name]


def _go_type(schema: Schema, field: str, components: dict[str, Schema]) -> str:
    schema, name = resolve(schema, components)
    if name and "properties" in schema:
        return f"{name.rsplit('.', 2)[-2]}.{_short(name)}"
    kind = schema.get("type")
    if kind == "array":
        return "[]" + _go_type(schema.get("items") or {}, field, components)
    if kind == "object":
        return "map[string]" + _go_type(schema.get("additionalProperties") or {}, field, components)
    if kind == "integer":
        return "int64" if field in _INT64 else "int32"
    if kind == "string" and schema.get("format") == "byte":
        return "[]uint8"
    return {"number": "float64", "boolean": "bool", "string": "string"}.get(str(kind), "interface {}")


def _fits(expected: str, value: Any) -> bool:
    if expected == "string":
        return isinstance(value, str)
    if expected == "boolean":
        return isinstance(value, bool)
    if expected == "integer":
        return not isinstance(value, bool) and (isinstance(value, int)
                                                or isinstance(value, float) and value.is_integer())
    if expected == "number":
        return not isinstance(value, bool) and isinstance(value, (int, float))
    if expected == "array":
        return isinstance(value, list)
    return isinstance(value, dict) if expected == "object" else True


def base64_error(text: str) -> int | None:
    """The input byte Go's ``base64.StdEncoding`` stops at (``illegal base64 data at input byte N``), or None."""
    data, si, alphabet = text.encode(), 0, set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    n = len(data)
    while True:
        j = 0
        while j < 4:
            if si == n:
                return None if j == 0 else si - j
            ch = data[si]
            si += 1
            if ch in alphabet:
                j += 1
                continue
            if ch in b"\r\n":
                continue
            if ch != ord("=") or j < 2:
                return si - 1
            if j == 2:
                while si < n and data[si] in b"\r\n":
                    si += 1
                if si == n:
                    return n
                if data[si] != ord("="):
                    return si - 1
                si += 1
            while si < n and data[si] in b"\r\n":
                si += 1
            return si if si < n else None


class _Walk:
    def __init__(self, kind: Kind) -> None:
        self.components = schemas()[0]
        self.kind = kind
        self.found = Problems([], [], [])

    def value(self, schema: Schema, value: Any, path: str, go: str, struct: str, field: str) -> None:
        """Check ``value`` (at ``path``; ``go`` its JSON keys, ``struct`` the Go struct holding it)."""
        if value is None:
            return
        schema, name = resolve(schema, self.components)
        expected = schema.get("type") or ("object" if "properties" in schema else "")
        if field in _QUANTITIES and expected == "string" and _fits("number", value):
            expected = ""  # resource.Quantity: "500m" or 0.5
        if expected and not _fits(expected, value):
            go_type = _go_type({"$ref": _REF + name} if name else schema, field, self.components)
            self.found.mismatches.append(Mismatch(path, f"{struct}.{go}", go_type, value, expected))
            return
        if schema.get("format") == "byte" and isinstance(value, str):
            offset = base64_error(value)
            if offset is not None:
                self.found.bad_base64.append(offset)
        if isinstance(value, list):
            for i, item in enumerate(value):
                self.value(schema.get("items") or {}, item, f"{path}[{i}]", go, struct, field)
        elif isinstance(value, dict):
            self.fields(schema, value, path, go, _short(name) if name else struct)

    def fields(self, schema: Schema, obj: dict, path: str, go: str, struct: str) -> None:
        props = schema.get("properties")
        if props is None:
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                for key in sorted(obj):
                    self.value(extra, obj[key], f"{path}[{key}]", go, struct, go.rsplit(".", 1)[-1])
            return
        for key in sorted(obj):
            if key not in props:
                continue
            sub = f"{path}.{key}" if path else key
            self.value(props[key], obj[key], sub, f"{go}.{key}" if go else key, struct, key)
            self.enum(struct, key, obj[key], sub)

    def enum(self, struct: str, key: str, value: Any, path: str) -> None:
        allowed = ENUMS.get(("Container" if struct == "EphemeralContainer" else struct, key))
        if allowed is None or not isinstance(value, str) or not value:
            return
        if (struct, key) == ("PodSpec", "restartPolicy") and self.kind.kind in WORKLOADS:
            allowed = ("Always",)
        if value not in allowed:
            supported = ", ".join(f'"{a}"' for a in allowed)
            self.found.invalid.append((path, "FieldValueNotSupported",
                                       f'Unsupported value: "{value}": supported values: {supported}'))


def go_map(labels: Any) -> str:
    """Go's ``%#v`` of a ``map[string]string``."""
    if not labels:
        return "map[string]string(nil)" if labels is None else "map[string]string{}"
    return "map[string]string{" + ", ".join(f"{json.dumps(k)}:{json.dumps(str(v))}"
                                            for k, v in sorted(labels.items())) + "}"


def _selects(selector: dict, labels: dict) -> bool:
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values or op == "NotIn" and labels.get(key) in values \
                or op == "Exists" and key not in labels or op == "DoesNotExist" and key in labels:
            return False
    return True


def _selector(obj: dict, found: Problems) -> None:
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    selector, template = spec.get("selector"), spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels") if isinstance(template, dict) else None
    if not selector:
        found.invalid.append(("spec.selector", "FieldValueRequired", "Required value"))
    elif not _selects(selector, labels or {}) or not (selector.get("matchLabels") or selector.get("matchExpressions")):
        found.invalid.append(("spec.template.metadata.labels", "FieldValueInvalid",
                              f"Invalid value: {go_map(labels)}: `selector` does not match template `labels`"))


def check(kind: Kind, obj: dict) -> Problems:
    """What the API server would refuse in ``obj`` (an object of ``kind``)."""
    components, roots = schemas()
    walk = _Walk(kind)
    walk.fields(resolve(components[roots[kind.key]], components)[0], obj, "", "", kind.kind)
    if kind.kind in WORKLOADS and not walk.found.mismatches:
        selector = Problems([], [], [])
        _selector(obj, selector)
        walk.found.invalid[:0] = selector.invalid  # the API server checks the template's labels first
    return walk.found


def _go_value(value: Any) -> str:
    """Go's ``%+v`` of a decoded JSON value (maps with sorted keys)."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_value(v)}" for k, v in sorted(value.items())) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_value(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_kind(value: Any, go_type: str) -> str:
    """The JSON value as Go's decoder names it in an UnmarshalTypeError."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return f"number {json.dumps(value)}" if go_type in _INTS and isinstance(value, float) else "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def schema_type(value: Any) -> str:
    """A JSON value's OpenAPI type, as a CustomResource's schema validation names it."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}.get(type(value), "null")


def unmarshal_error(m: Mismatch) -> str:
    """``json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32``."""
    return f"json: cannot unmarshal {_json_kind(m.value, m.go_type)} into Go struct field {m.go_field} of type " \
           f"{m.go_type}"


def convert_error(m: Mismatch) -> str:
    """The unstructured converter's error for a strategic merge patch's result (apimachinery runtime/converter)."""
    src = "bool" if isinstance(m.value, bool) else {int: "int64", float: "float64", str: "string", list: "slice",
                                                      dict: "map"}[type(m.value)]
    if m.go_type.startswith("[]"):
        return f"cannot restore slice from {src}"
    if m.go_type.startswith("map["):
        return f"cannot restore map from {src}"
    if "." in m.go_type:
        return f"cannot restore struct from: {src}"
    if src == "int64" and m.go_type == "string" or src == "float64" and m.go_type in _INTS:
        return f"cannot convert {src} to {m.go_type}"
    return f"unrecognized type: {m.go_type}"


def patch_value(content_type: str, patch: Any, patched: dict) -> str:
    """The value a refused patch is quoted with: the strategic merge patch as Go prints it, else the patched
    object's JSON."""
    if content_type == "application/strategic-merge-patch+json":
        return _go_value(patch)
    return json.dumps(patched, separators=(",", ":"))
