"""The base every section of ``workspace.yaml`` is built on: a strict, frozen pydantic model.

Here: :class:`_Model` (unknown keys are errors, values frozen, text stripped) and :func:`require_unique`.
Not here: the sections themselves (the other modules of :mod:`salesnb.config`).
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


def require_unique(keys: list[str], what: str) -> None:
    """Raise ``ValueError`` naming the repeated ``keys`` (``what``: e.g. "theme keys").

    >>> require_unique(["a", "b", "a"], "tier keys")
    Traceback (most recent call last):
    ...
    ValueError: tier keys must be unique, repeated: a
    """
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError(f"{what} must be unique, repeated: {', '.join(dup)}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
