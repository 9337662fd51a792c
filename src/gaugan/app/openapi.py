"""The OpenAPI document made exact: what the schema allows is what the server accepts.

FastAPI writes optional form fields and query parameters as ``anyOf [T, null]``, but a multipart
field or a query string cannot carry a JSON null (leaving the field out is how one omits it, and
an optional field sent empty takes its default, which the schema did not allow either); it
writes uploads as any binary string, though an empty file is refused and so is one over the
upload limit; and it says nothing of the image types the uploads must be. `exact_document`
rewrites the generated document accordingly, so that a client generated from it (or a fuzzer such
as schemathesis, given image strategies for those types) sends only what the server takes.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``anyOf [T, {"type": "null"}]`` -> T (keeping title, description and default)."""
    options = schema.get("anyOf")
    if not options:
        return schema
    rest = [o for o in options if o.get("type") != "null"]
    if len(rest) != 1 or len(rest) == len(options):
        return schema
    out = {k: v for k, v in schema.items() if k != "anyOf"}
    out.update(rest[0])
    if out.get("default", 0) is None:
        del out["default"]
    return out


def _empty_means_default(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional form field sent empty takes its default (FastAPI reads "" as absent): say so."""
    if "enum" in schema:
        return {**schema, "enum": [*schema["enum"], ""]}
    if schema.get("type") in ("integer", "number"):
        keep = {"title", "description", "default"}
        value = {k: v for k, v in schema.items() if k not in keep}
        return {**{k: schema[k] for k in keep if k in schema}, "anyOf": [value, {"type": "string", "const": ""}]}
    return schema


def _is_upload(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "string" and (schema.get("format") == "binary" or "contentMediaType" in schema)


# What each upload part may hold (the multipart `encoding` of the request bodies).
UPLOAD_TYPES = {"label_map": "image/png", "style_image": "image/png, image/jpeg"}


def exact_document(document: dict[str, Any], max_upload_bytes: int, limit_text: str) -> dict[str, Any]:
    """A copy of ``document`` with null-free form fields and query parameters, sized uploads and
    the image types of the upload parts."""
    document = copy.deepcopy(document)
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        if not name.startswith("Body_"):
            continue
        required = set(schema.get("required", []))
        for field, prop in list(schema.get("properties", {}).items()):
            prop = _without_null(prop)
            if field not in required:
                prop = _empty_means_default(prop)
            if _is_upload(prop):
                prop.update(minLength=1, maxLength=max_upload_bytes)
                prop["description"] = f"{prop.get('description', 'file')}; non-empty, at most {limit_text}"
            schema["properties"][field] = prop
    schemas = document.get("components", {}).get("schemas", {})
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if "schema" in parameter:
                    parameter["schema"] = _without_null(parameter["schema"])
            form = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data")
            if form is not None:
                fields = schemas.get(form["schema"].get("$ref", "").rsplit("/", 1)[-1], {}).get("properties", {})
                form["encoding"] = {name: {"contentType": kind} for name, kind in UPLOAD_TYPES.items() if name in fields}
    return document


def install_exact_openapi(app: FastAPI, max_upload_bytes: int, limit_text: str) -> None:
    """Serve `exact_document` of the app's generated schema at /openapi.json (built once)."""
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            generated = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            app.openapi_schema = exact_document(generated, max_upload_bytes, limit_text)
        return app.openapi_schema

    app.openapi = openapi
