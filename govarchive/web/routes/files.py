"""Downloads: raw captures (sandboxed, as text), attachments, version texts, bundles.

Only keys the catalog names are served (64 hex digits, then looked up), and a bundle's local
file must lie inside the home: nothing outside the store or the home can be reached.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from sqlmodel import Session

from archive import queries as archive_queries
from archive.catalog.models import Attachment
from archive.errors import ArchiveError
from archive.payloads import raw_body
from govarchive.web import queries
from govarchive.web.services import bundle_file
from govarchive.web.state import WebState, db_session, web_state

from .common import answer

router = APIRouter(tags=["files"])
KEY = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 256 * 1024


def _disposition(filename: str, inline: bool = False) -> str:
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "download"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _decode(body: bytes) -> str:
    from charset_normalizer import from_bytes

    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        best = from_bytes(body).best()
        return str(best) if best is not None else body.decode("utf-8", "replace")


@router.get("/raw/{key}", summary="A raw capture as plain text, sandboxed")
def raw_capture(key: str, request: Request, session: Session = Depends(db_session)) -> Response:
    """The captured page source, decoded to UTF-8 and served as ``text/plain`` with ``CSP: sandbox``."""
    if not KEY.match(key) or not queries.referenced_key(session, key):
        raise HTTPException(status_code=404, detail="no such capture")
    state = web_state(request)
    try:
        body = raw_body(state.store, session, key)  # a body stored once lives in its capture's WARC
    except ArchiveError as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from None
    return Response(
        _decode(body),
        media_type="text/plain; charset=utf-8",
        headers={
            "Content-Security-Policy": "sandbox",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline",
        },
    )


def _stream(state: WebState, key: str) -> Iterator[bytes]:
    with state.store.open(key) as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def _attachment(session: Session, report_id: int, number: int, index: int) -> Attachment:
    attachment = queries.version_attachment(session, report_id, number, index)
    if attachment is None:
        raise HTTPException(
            status_code=404, detail=f"report {report_id} version {number} has no attachment {index}"
        )
    return attachment


@router.get(
    "/reports/{report_id}/versions/{number}/attachments/{index}",
    summary="An archived attachment (index in the version's attachment list, from 0)",
)
def attachment_download(
    report_id: int, number: int, index: int, request: Request, session: Session = Depends(db_session)
) -> Response:
    attachment = _attachment(session, report_id, number, index)
    if not attachment.blob_key or not KEY.match(attachment.blob_key):
        raise HTTPException(status_code=404, detail="the attachment itself was not archived")
    state = web_state(request)
    name = attachment.name or f"attachment-{index}.{attachment.type or 'bin'}"
    if attachment.type and not name.lower().endswith("." + attachment.type.lower()):
        name = f"{name}.{attachment.type}"
    presigned = state.store.url_for(attachment.blob_key, filename=name)
    if presigned:
        return RedirectResponse(presigned, status_code=307)
    return StreamingResponse(
        _stream(state, attachment.blob_key),
        media_type="application/octet-stream",
        headers={"Content-Disposition": _disposition(name)},
    )


@router.get("/reports/{report_id}/versions/{number}/attachments/{index}/text", summary="An attachment's text")
def attachment_text(
    report_id: int, number: int, index: int, request: Request, session: Session = Depends(db_session)
) -> Response:
    attachment = _attachment(session, report_id, number, index)
    if not attachment.text_key:
        raise HTTPException(status_code=404, detail="no text was extracted from this attachment")
    body = web_state(request).store.get_bytes(attachment.text_key)
    return Response(
        body, media_type="text/plain; charset=utf-8", headers={"Content-Security-Policy": "sandbox"}
    )


@router.get("/reports/{report_id}/versions/{number}/text.txt", summary="The archived text of one version")
def version_text_download(report_id: int, number: int, request: Request) -> Response:
    state = web_state(request)
    text = answer(lambda: archive_queries.version_text(state.engine, state.store, report_id, number))
    return Response(
        text, media_type="text/plain; charset=utf-8", headers={"Content-Security-Policy": "sandbox"}
    )


@router.get("/bundles/{bundle_id}/download", summary="Download a bundle (HTTP range requests work)")
def bundle_download(bundle_id: int, request: Request) -> Response:
    """The bundle file with ``Accept-Ranges``; a redirect to a presigned URL when kept in S3."""
    from archive.bundles import BundleError, get_bundle, get_format

    state = web_state(request)
    bundle = answer(lambda: get_bundle(state.engine, bundle_id))
    try:
        media = get_format(bundle.format).media_type
    except BundleError:  # a format no longer offered: still downloadable
        media = "application/octet-stream"
    path = bundle_file(state, bundle)
    if path is not None:
        return FileResponse(path, media_type=media, filename=bundle.filename)
    if bundle.key and KEY.match(bundle.key):
        presigned = state.store.url_for(bundle.key, filename=bundle.filename)
        if presigned:
            return RedirectResponse(presigned, status_code=307)
        return StreamingResponse(
            _stream(state, bundle.key),
            media_type=media,
            headers={"Content-Disposition": _disposition(bundle.filename)},
        )
    raise HTTPException(status_code=404, detail=f"bundle {bundle_id} has no file this server may serve")
