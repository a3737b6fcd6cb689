"""Writes through the API: create, replace, patch, the scale and status subresources, as the API server does them."""

from __future__ import annotations

import base64
import copy
import json
import random
import re
from typing import Any, Callable, NoReturn

from homelab_tui.demo import kube_validate
from homelab_tui.demo.kinds import Kind
from homelab_tui.demo.kube_patch import JSON_PATCH, MERGE_PATCH, PATCH_TYPES, STRATEGIC_MERGE_PATCH, PatchError, \
    apply_patch
from homelab_tui.demo.podgen import SAFE
from homelab_tui.demo.store import ClusterStore

DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
#: groups served by the API server itself; everything else is a CustomResource (no strategic merge)
BUILTIN_GROUPS = {"", "apps", "storage.k8s.io", "networking.k8s.io"}
#: a patch's content type and body
Patch = tuple[str, Any]


class ApiError(Exception):
    def __init__(self, code: int, message: str, reason: str | None = None, details: dict | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.reason, self.details = code, message, reason, details


def safe_suffix(n: int = 5) -> str:
    """A generateName suffix."""
    return "".join(random.choice(SAFE) for _ in range(n))


def resource_name(kind: Kind) -> str:
    return f"{kind.plural}.{kind.group}" if kind.group else kind.plural


def not_found(kind: Kind, name: str) -> ApiError:
    return ApiError(404, f'{resource_name(kind)} "{name}" not found', "NotFound",
                    {"name": name, "group": kind.group, "kind": kind.plural})


def conflict(kind: Kind, name: str) -> ApiError:
    return ApiError(409, f'Operation cannot be fulfilled on {resource_name(kind)} "{name}": the object has been '
                         "modified; please apply your changes to the latest version and try again", "Conflict",
                    {"name": name, "group": kind.group, "kind": kind.plural})


def invalid_all(qualified: str, name: str, errors: list[tuple[str, str, str]], group: str = "",
                kind: str = "") -> ApiError:
    """422 Invalid of (field, cause reason, message) errors, worded as apimachinery's NewInvalid words them."""
    bodies = [f"{field}: {message}" for field, _, message in errors]
    text = bodies[0] if len(bodies) == 1 else "[" + ", ".join(bodies) + "]"
    return ApiError(422, f'{qualified} "{name}" is invalid: {text}', "Invalid",
                    {"name": name, "group": group, "kind": kind,
                     "causes": [{"reason": reason, "message": message, "field": field}
                                for field, reason, message in errors]})


def invalid(kind: Kind, name: str, field: str, message: str) -> ApiError:
    return _invalid(kind, name, [(field, "FieldValueInvalid", message)])


def _invalid(kind: Kind, name: str, errors: list[tuple[str, str, str]]) -> ApiError:
    qualified = f"{kind.kind}.{kind.group}" if kind.group else kind.kind  # GroupKind.String(): "Service"
    return invalid_all(qualified, name, errors, kind.group, kind.kind)


def undecodable(kind_name: str, version: str, error: str) -> ApiError:
    """400 of a body that does not decode into the kind's Go type."""
    return ApiError(400, f'{kind_name} in version "{version}" cannot be handled as a {kind_name}: {error}',
                    "BadRequest")


def unsupported_patch(content_type: str, kind: Kind) -> ApiError:
    accepted = [JSON_PATCH, MERGE_PATCH, "application/apply-patch+yaml"]
    if kind.group in BUILTIN_GROUPS:
        accepted.insert(2, STRATEGIC_MERGE_PATCH)
    return ApiError(415, f"the body of the request was in an unknown format - accepted media types include: "
                         f"{', '.join(accepted)}", "UnsupportedMediaType")


def _undecodable(kind: Kind, problems: kube_validate.Problems, patch: Patch | None, obj: dict) -> ApiError | None:
    """The decode error of a built-in object: 400 for a created or replaced body, 422 on ``patch`` for the
    result of a patch (the real server decodes the patched object)."""
    if problems.mismatches:
        first = problems.mismatches[0]
        error = kube_validate.unmarshal_error(first)
        if patch is not None and patch[0] == STRATEGIC_MERGE_PATCH:
            error = kube_validate.convert_error(first)
    elif problems.bad_base64:
        error = f"illegal base64 data at input byte {problems.bad_base64[0]}"
        if patch is not None and patch[0] == STRATEGIC_MERGE_PATCH:
            error = f"error decoding from json: {error}"
    else:
        return None
    if patch is None:
        return undecodable(kind.kind, kind.version, error)
    value = json.dumps(kube_validate.patch_value(patch[0], patch[1], obj), ensure_ascii=False)
    return invalid_all("", "", [("patch", "FieldValueInvalid", f"Invalid value: {value}: {error}")])


def _schema_errors(problems: kube_validate.Problems) -> list[tuple[str, str, str]]:
    """A CustomResource's values checked against its schema (apiextensions' structural schema validation)."""
    errors = []
    for m in problems.mismatches:
        given = kube_validate.schema_type(m.value)
        errors.append((m.path, "FieldValueTypeInvalid",
                       f'Invalid value: "{given}": {m.path} in body must be of type {m.expected}: "{given}"'))
    return errors


def validate(kind: Kind, obj: dict, patch: Patch | None = None) -> None:
    md = obj.get("metadata") or {}
    name = md.get("name", "")
    problems = kube_validate.check(kind, obj)
    if kind.group in BUILTIN_GROUPS:
        refused = _undecodable(kind, problems, patch, obj)
        if refused is not None:
            raise refused
        errors = problems.invalid
    else:
        errors = _schema_errors(problems) + problems.invalid
    if not name or len(name) > 253 or not DNS1123.match(name):
        errors.insert(0, ("metadata.name", "FieldValueInvalid",
                          f'Invalid value: "{name}": a lowercase RFC 1123 subdomain must consist of lower case '
                          "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
                          "character"))
    replicas = (obj.get("spec") or {}).get("replicas")
    if isinstance(replicas, int) and replicas < 0:
        errors.append(("spec.replicas", "FieldValueInvalid", f"Invalid value: {replicas}: must be greater than or "
                                                             "equal to 0"))
    if errors:
        raise _invalid(kind, name, errors)


def fold_string_data(obj: dict) -> None:
    """Secrets: ``stringData`` is write-only; it is merged into ``data`` as base64."""
    string_data = obj.pop("stringData", None)
    if obj.get("kind") == "Secret" and string_data:
        data = obj.get("data") or {}
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        obj["data"] = data


def finish(kind: Kind, old: dict | None, new: dict, subresource: str = "", patch: Patch | None = None) -> dict:
    """Apply the API server's rules to a proposed object: status/spec split, immutable metadata, stringData;
    then decode and validate it (``patch``: the patch's type and body when ``new`` is a patched object)."""
    new["apiVersion"], new["kind"] = kind.api_version, kind.kind
    fold_string_data(new)
    if old is not None:
        md, omd = new.setdefault("metadata", {}), old["metadata"]
        for key in ("uid", "creationTimestamp", "name", "namespace", "generation", "deletionTimestamp"):
            if key in omd:
                md[key] = omd[key]
        if "status" in kind.subresources:
            if subresource == "status":
                new = {**copy.deepcopy(old), "status": new.get("status", {})}
                new["metadata"] = {**old["metadata"], "resourceVersion": md.get("resourceVersion")}
            elif "status" in old:
                new["status"] = copy.deepcopy(old["status"])
            else:
                new.pop("status", None)
    validate(kind, new, patch)
    return new


def _check_version(kind: Kind, name: str, current: dict, proposed: dict) -> None:
    rv = (proposed.get("metadata") or {}).get("resourceVersion")
    if rv and rv != current["metadata"]["resourceVersion"]:
        raise conflict(kind, name)


def replace(store: ClusterStore, kind: Kind, namespace: str | None, name: str, body: Any,
            subresource: str = "", dry: bool = False) -> dict:
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object", "BadRequest")
    if (body.get("metadata") or {}).get("name", name) != name:
        raise ApiError(400, "the name of the object does not match the name on the URL", "BadRequest")
    return _write(store, kind, namespace, name, lambda current: copy.deepcopy(body), subresource, dry, None)


def patch(store: ClusterStore, kind: Kind, namespace: str | None, name: str, content_type: str, body: Any,
          subresource: str = "", dry: bool = False) -> dict:
    if content_type not in PATCH_TYPES or (content_type == STRATEGIC_MERGE_PATCH
                                           and kind.group not in BUILTIN_GROUPS):
        raise unsupported_patch(content_type, kind)

    def proposal(current: dict) -> dict:
        try:
            return apply_patch(content_type, current, body)
        except PatchError as exc:
            raise ApiError(422, str(exc), "Invalid") from exc

    return _write(store, kind, namespace, name, proposal, subresource, dry, (content_type, body))


def _mutate(store: ClusterStore, kind: Kind, namespace: str | None, name: str, fn: Callable[[dict], None],
            dry: bool) -> dict:
    """``store.mutate``, or with ``dry`` (``dryRun=All``) the object it would store, left unstored."""
    try:
        if not dry:
            return store.mutate(kind.key, namespace, name, fn)
        current = store.get(kind.key, namespace, name)
        if current is None:
            raise KeyError(name)
        fn(current)
        return current
    except KeyError:
        raise not_found(kind, name) from None


def _write(store: ClusterStore, kind: Kind, namespace: str | None, name: str, propose, subresource: str,
           dry: bool, patch: Patch | None) -> dict:
    def fn(obj: dict) -> None:
        proposed = propose(copy.deepcopy(obj))
        if not isinstance(proposed, dict):
            raise ApiError(422, "the patched object is not a JSON object", "Invalid")
        _check_version(kind, name, obj, proposed)
        result = finish(kind, obj, proposed, subresource, patch)
        obj.clear()
        obj.update(result)

    return _mutate(store, kind, namespace, name, fn, dry)


# ---------------------------------------------------------------------- scale subresource


def scale_of(obj: dict) -> dict:
    md = obj["metadata"]
    labels = obj["spec"].get("selector", {}).get("matchLabels", {})
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {"name": md["name"], "namespace": md["namespace"], "uid": md["uid"],
                         "resourceVersion": md["resourceVersion"], "creationTimestamp": md["creationTimestamp"]},
            "spec": {"replicas": obj["spec"].get("replicas", 1)},
            "status": {"replicas": obj.get("status", {}).get("replicas", 0),
                       "selector": ",".join(f"{k}={v}" for k, v in labels.items())}}


def write_scale(store: ClusterStore, kind: Kind, namespace: str, name: str, content_type: str | None,
                body: Any, dry: bool = False) -> dict:
    """PUT (content_type None) or PATCH of autoscaling/v1 Scale; returns the new Scale."""
    def fn(obj: dict) -> None:
        current = scale_of(obj)
        if content_type is None:
            proposed = body if isinstance(body, dict) else {}
        elif content_type in PATCH_TYPES:
            try:
                proposed = apply_patch(content_type, current, body)
            except PatchError as exc:
                raise ApiError(422, str(exc), "Invalid") from exc
        else:
            raise unsupported_patch(content_type, kind)
        _check_version(kind, name, obj, proposed)
        replicas = (proposed.get("spec") or {}).get("replicas") or 0  # Go decodes an absent int32 as 0
        if isinstance(replicas, float) and replicas.is_integer():
            replicas = int(replicas)
        if not isinstance(replicas, int) or isinstance(replicas, bool):
            _refuse_scale(replicas, content_type, body, proposed)
        if replicas < 0:
            raise invalid_all("Scale.autoscaling", name, [("spec.replicas", "FieldValueInvalid",
                                                           f"Invalid value: {replicas}: must be greater than or "
                                                           "equal to 0")], "autoscaling", "Scale")
        obj["spec"]["replicas"] = replicas

    return scale_of(_mutate(store, kind, namespace, name, fn, dry))


def _refuse_scale(replicas: Any, content_type: str | None, body: Any, proposed: dict) -> NoReturn:
    """Refuse a Scale whose replicas is not an integer, as the API server's decoder does."""
    mismatch = kube_validate.Mismatch("spec.replicas", "ScaleSpec.spec.replicas", "int32", replicas, "integer")
    if content_type is None:
        raise undecodable("Scale", "v1", kube_validate.unmarshal_error(mismatch))
    error = kube_validate.convert_error(mismatch) if content_type == STRATEGIC_MERGE_PATCH \
        else kube_validate.unmarshal_error(mismatch)
    value = json.dumps(kube_validate.patch_value(content_type, body, proposed), ensure_ascii=False)
    raise invalid_all("", "", [("patch", "FieldValueInvalid", f"Invalid value: {value}: {error}")])
