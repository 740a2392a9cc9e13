"""``GET /healthz`` and ``GET /v1`` (no API key needed), and ``/`` redirecting to the console."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from cloudca import __version__
from cloudca.server.api.deps import RuntimeDep
from cloudca.server.api.envelope import JSONResponse
from cloudca.server.meta.schemas import ApiRoot, Health

router = APIRouter(tags=["service"])


@router.get("/", include_in_schema=False)
async def root() -> RedirectResponse:
    """People who open the server's address in a browser land on the console."""
    return RedirectResponse("/console", status_code=307)


@router.get("/v1", response_model=ApiRoot)
async def api_root() -> JSONResponse:
    """The API's name and version, and where its documentation and the console are."""
    return JSONResponse(
        {
            "name": "cloudca",
            "version": __version__,
            "documentation": "/docs",
            "openapi": "/openapi.json",
            "console": "/console",
        }
    )


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
async def healthz(runtime: RuntimeDep) -> JSONResponse:
    """200 when the database answers, 503 otherwise (for load balancers and orchestrators)."""
    try:
        async with runtime.database.read() as connection:
            await connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as exc:
        return JSONResponse(
            {"status": "unavailable", "version": __version__, "reason": type(exc).__name__}, status_code=503
        )
    return JSONResponse({"status": "ok", "version": __version__})
