"""The OpenAPI document tells the truth about errors, so that a schema check
(schemathesis) of every answer means something:

- every error answer is the protocol's `ErrorBody` (FastAPI would document its own
  `HTTPValidationError` for 422, which this server never sends);
- every operation lists the errors any request can meet: 400 (a malformed request),
  413 (a body over the limit), 503 (shed under overload), and 401/403 where a bearer
  token is read (found from the routes' dependencies, not a list kept by hand);
- HEAD answers have no body, and blob downloads are images;
- a blob PATCH names its required Upload-Offset and Upload-Length headers, bounded by
  this server's size limit, and blob answers name the headers they always carry.

What a schema cannot say stays in sync-protocol.md: Upload-Offset must be the
server's (409), the first PATCH fixes Upload-Length (400 `length_mismatch`), and the
bytes must hash to the name (422).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.domain.blobs import UPLOAD_LENGTH, UPLOAD_OFFSET
from app.domain.protocol import ErrorBody
from server_stub.api.deps import current_principal
from server_stub.api.routes.blobs import blob_principal

_ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
_ERROR_CONTENT = {"application/json": {"schema": _ERROR_REF}}
_BINARY = {"schema": {"type": "string", "format": "binary"}}

_ANY_REQUEST = {
    "400": "malformed request (e.g. a bad Content-Length)",
    "413": "the body is over the size limit",
    "503": "the server is overloaded; try again after Retry-After",
}
_BEARER = {
    "401": "no token, or an expired, revoked or unknown one",
    "403": "this account may not do this",
}
# The dependencies that read a bearer token (blob_principal wraps current_principal
# on a session of its own).
_BEARER_CALLS = frozenset({current_principal, blob_principal})
_METHODS_WITH_BODY = frozenset({"post", "put", "patch"})
_IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")


def _calls(dependant: Dependant) -> Iterable[Callable[..., Any]]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            yield dep.call
        yield from _calls(dep)


def _bearer_operations(app: FastAPI) -> set[tuple[str, str]]:
    """(path, method) of every operation that authenticates a bearer token."""
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, APIRoute) and _BEARER_CALLS & set(_calls(route.dependant)):
            found |= {(route.path_format, m.lower()) for m in route.methods}
    return found


def _describe(responses: dict[str, Any], status: str, description: str) -> None:
    entry = responses.setdefault(status, {"description": description})
    if not entry.get("description"):
        entry["description"] = description
    entry["content"] = _ERROR_CONTENT


def with_documented_errors(schema: dict[str, Any], *, bearer: set[tuple[str, str]]) -> dict[str, Any]:
    """`schema` (changed in place, and returned) with the error answers described above."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components["ErrorBody"] = error_schema
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, entry in list(responses.items()):
                if status.startswith(("4", "5")):
                    _describe(responses, status, entry.get("description") or "error")
            extra = dict(_ANY_REQUEST)
            if method not in _METHODS_WITH_BODY:
                extra.pop("413")
            if (path, method) in bearer:
                extra |= _BEARER
            for status, description in extra.items():
                _describe(responses, status, responses.get(status, {}).get("description") or description)
            if method == "head":
                for entry in responses.values():
                    entry.pop("content", None)
    return schema


def _document_blob_download(schema: dict[str, Any]) -> None:
    for path, operations in schema.get("paths", {}).items():
        get = operations.get("get")
        if path.endswith("/blobs/{sha256}") and get is not None:
            ok = get["responses"].setdefault("200", {"description": "the bytes"})
            ok["content"] = {kind: _BINARY for kind in (*_IMAGE_TYPES, "application/octet-stream")}


def _count_header(name: str, *, minimum: int, maximum: int, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": True,
        "description": description,
        "schema": {"type": "integer", "minimum": minimum, "maximum": maximum},
    }


def _offset_header(description: str) -> dict[str, Any]:
    return {UPLOAD_OFFSET: {"description": description, "schema": {"type": "integer", "minimum": 0}}}


def _document_blob_upload(schema: dict[str, Any], *, max_bytes: int) -> None:
    """The headers of the resumable upload (sync-protocol.md, "Blobs"); the route reads
    them itself so that a missing or malformed one is the protocol's 400 `malformed`."""
    for path, operations in schema.get("paths", {}).items():
        if not path.endswith("/blobs/{sha256}"):
            continue
        patch, head = operations.get("patch"), operations.get("head")
        if patch is not None:
            patch.setdefault("parameters", []).extend(
                [
                    _count_header(
                        UPLOAD_OFFSET, minimum=0, maximum=max_bytes, description="bytes held so far"
                    ),
                    _count_header(UPLOAD_LENGTH, minimum=1, maximum=max_bytes, description="the blob's size"),
                ]
            )
            for status in ("200", "201", "204"):
                patch["responses"][status]["headers"] = _offset_header("bytes now held")
            patch["responses"]["413"]["description"] = (
                f"Upload-Length over {max_bytes} bytes, or a chunk over 4 MiB"
            )
        if head is not None:
            for status in ("200", "204"):
                head["responses"][status]["headers"] = _offset_header("bytes held") | {
                    UPLOAD_LENGTH: {
                        "description": "the blob's size",
                        "schema": {"type": "integer", "minimum": 1},
                    }
                }


def document_errors(app: FastAPI) -> None:
    """Wrap `app.openapi` (after any other wrapper) to describe the error answers."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if getattr(app.state, "errors_documented", False) and app.openapi_schema is not None:
            return app.openapi_schema
        schema = with_documented_errors(build(), bearer=_bearer_operations(app))
        _document_blob_download(schema)
        _document_blob_upload(schema, max_bytes=app.state.settings.blob_max_bytes)
        app.openapi_schema = schema
        app.state.errors_documented = True
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
