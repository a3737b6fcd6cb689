"""The OpenAPI v3 schemas of the kinds the simulation serves, named as a real API server names them.

Built-in kinds (core, apps, storage.k8s.io, networking.k8s.io) are read from ``openapi_builtin.json``, the
schemas of the Kubernetes OpenAPI document as the official Python client's generated models carry them, with
the patch strategies and merge keys of the Go types (kubectl builds its strategic merge patches from them);
``tests/unit/test_demo_openapi_builtin.py`` writes that file and checks it is current. The CustomResources
(cert-manager, Traefik) are written out here from their CRDs: the fields of a Certificate's and an
IngressRoute's spec in full, the other CRDs' specs by their top-level fields, every CR's status open
(x-kubernetes-preserve-unknown-fields).

:func:`schemas` is computed once per process (the first /openapi/v3 request or validated write).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from homelab_tui.demo.kinds import KINDS, Kind

Schema = dict[str, Any]

BUILTIN_FILE = Path(__file__).with_name("openapi_builtin.json")
#: the schema packages of the built-in groups
PACKAGES = {"": "io.k8s.api.core.v1.", "apps": "io.k8s.api.apps.v1.", "storage.k8s.io": "io.k8s.api.storage.v1.",
            "networking.k8s.io": "io.k8s.api.networking.v1."}
_META_REF = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def component_name(kind: Kind) -> str:
    """``io.k8s.api.apps.v1.Deployment``; CRs: ``io.cert-manager.v1.Certificate`` (the group reversed)."""
    if kind.group in PACKAGES:
        return PACKAGES[kind.group] + kind.kind
    return ".".join(reversed(kind.group.split("."))) + f".{kind.version}.{kind.kind}"


# ---------------------------------------------------------------------- CustomResourceDefinitions

_S: Schema = {"type": "string"}
_I: Schema = {"type": "integer"}
_B: Schema = {"type": "boolean"}
_OPEN: Schema = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
_MAP: Schema = {"type": "object", "additionalProperties": {"type": "string"}}
_INT_OR_STRING: Schema = {"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}]}


def _obj(description: str = "", required: tuple[str, ...] = (), **props: Schema) -> Schema:
    out: Schema = {"type": "object", "properties": props}
    if description:
        out["description"] = description
    if required:
        out["required"] = list(required)
    return out


def _arr(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def _open_fields(*names: str) -> Schema:
    return _obj(**{n: _OPEN for n in names})


_STRINGS = _arr(_S)
_REF = _obj(required=("name",), name=_S, namespace=_S)
_ROUTE_SERVICE = _obj(
    required=("name",), healthCheck=_OPEN, kind=_S, middlewares=_arr(_REF), name=_S, namespace=_S, nativeLB=_B,
    nodePortLB=_B, passHostHeader=_B, port=_INT_OR_STRING, responseForwarding=_obj(flushInterval=_S), scheme=_S,
    serversTransport=_S, sticky=_OPEN, strategy=_S, weight=_I)

CRD_SPECS: dict[str, Schema] = {
    "Certificate": _obj(
        "Specification of the desired state of the Certificate resource.", ("issuerRef", "secretName"),
        additionalOutputFormats=_arr(_obj(type=_S)), commonName=_S, dnsNames=_STRINGS, duration=_S,
        emailAddresses=_STRINGS, encodeUsagesInRequest=_B, ipAddresses=_STRINGS, isCA=_B,
        issuerRef=_obj("Reference to the issuer responsible for issuing the certificate.", ("name",),
                       group=_S, kind=_S, name=_S),
        keystores=_open_fields("jks", "pkcs12"), literalSubject=_S, nameConstraints=_OPEN,
        otherNames=_arr(_obj(oid=_S, utf8Value=_S)),
        privateKey=_obj(algorithm=_S, encoding=_S, rotationPolicy=_S, size=_I), renewBefore=_S,
        renewBeforePercentage=_I, revisionHistoryLimit=_I, secretName=_S,
        secretTemplate=_obj(annotations=_MAP, labels=_MAP),
        subject=_obj(countries=_STRINGS, localities=_STRINGS, organizationalUnits=_STRINGS,
                     organizations=_STRINGS, postalCodes=_STRINGS, provinces=_STRINGS, serialNumber=_S,
                     streetAddresses=_STRINGS),
        uris=_STRINGS, usages=_STRINGS),
    "CertificateRequest": _obj(
        required=("issuerRef", "request"), duration=_S, extra=_OPEN, groups=_STRINGS, isCA=_B,
        issuerRef=_obj(required=("name",), group=_S, kind=_S, name=_S), request=_S, uid=_S, usages=_STRINGS,
        username=_S),
    "Issuer": _open_fields("acme", "ca", "selfSigned", "vault", "venafi"),
    "ClusterIssuer": _open_fields("acme", "ca", "selfSigned", "vault", "venafi"),
    "Order": {**_OPEN, "description": "Desired state of the Order resource."},
    "Challenge": {**_OPEN, "description": "Desired state of the Challenge resource."},
    "IngressRoute": _obj(
        "IngressRouteSpec defines the desired state of IngressRoute.", ("routes",), entryPoints=_STRINGS,
        parentRefs=_arr(_obj(group=_S, kind=_S, name=_S, namespace=_S, sectionName=_S)),
        routes=_arr(_obj(required=("match",), kind=_S, match=_S, middlewares=_arr(_REF), observability=_OPEN,
                         priority=_I, services=_arr(_ROUTE_SERVICE), syntax=_S)),
        tls=_obj(certResolver=_S, domains=_arr(_obj(main=_S, sans=_STRINGS)), options=_REF, secretName=_S,
                 store=_REF)),
    "Middleware": _open_fields(
        "addPrefix", "basicAuth", "buffering", "chain", "circuitBreaker", "compress", "contentType", "digestAuth",
        "errors", "forwardAuth", "grpcWeb", "headers", "inFlightReq", "ipAllowList", "ipWhiteList",
        "passTLSClientCert", "plugin", "rateLimit", "redirectRegex", "redirectScheme", "replacePath",
        "replacePathRegex", "retry", "stripPrefix", "stripPrefixRegex"),
}


def _custom_resource(kind: Kind) -> Schema:
    return _obj(f"{kind.kind} is a {kind.group} custom resource.", ("spec",) if kind.kind != "Challenge" else (),
                apiVersion=_S, kind=_S, metadata={"allOf": [{"$ref": _META_REF}]}, spec=CRD_SPECS[kind.kind],
                status=_OPEN)


@functools.cache
def schemas() -> tuple[dict[str, Schema], dict[str, str]]:
    """(every component schema by name, the component name of each kind's store key)."""
    components: dict[str, Schema] = json.loads(BUILTIN_FILE.read_text(encoding="utf-8"))
    roots = {kind.key: component_name(kind) for kind in KINDS}
    for kind in KINDS:
        if kind.group not in PACKAGES:
            components[roots[kind.key]] = _custom_resource(kind)
        gvk = {"group": kind.group, "version": kind.version, "kind": kind.kind}
        components[roots[kind.key]]["x-kubernetes-group-version-kind"] = [gvk]
    return components, roots
