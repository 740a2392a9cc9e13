"""Serves the console: ``/console`` is the page, ``/console/assets/...`` its modules and styles."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"

router = APIRouter(include_in_schema=False)

#: Mounted by ``create_app`` at ``/console/assets``.
assets = StaticFiles(directory=STATIC / "assets")


@router.get("/console")
async def console() -> FileResponse:
    """The page itself; its views live behind ``#/...`` so every link lands here."""
    # The page is small and changes with every release: revalidate rather than cache stale code.
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})
