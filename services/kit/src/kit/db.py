"""Postgres engines from a libpq URI (a Unix-socket host included); built on demand, never at import."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def sqlalchemy_url(url: str, driver: str = "psycopg") -> str:
    """`postgresql://u:p@/db?host=/run/pg` -> `postgresql+psycopg://u:p@/db?host=/run/pg`."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.split("+")[0] not in ("postgres", "postgresql"):
        raise ValueError("DATABASE_URL must be a postgresql:// URI")
    return f"postgresql+{driver}://{rest}"


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An async engine over psycopg 3; connections are checked before use so a restarted server is survived."""
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
    )
