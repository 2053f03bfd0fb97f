"""Check a GGUF file's structure before llama.cpp loads it: a bad file then fails in Python, not in C.

It reads the header, the metadata and the tensor table, and checks that the tensor data they announce
fits in the file. It catches what happens in practice: an empty or truncated download, an HTML error
page saved as .gguf, random bytes.
"""

from __future__ import annotations

import mmap
import struct
from pathlib import Path

from assistant.core.errors import ModelMissing

MAGIC = b"GGUF"
# ggml tensor types: (elements per block, bytes per block); unknown types are only bounds-checked.
_TYPE_SIZES = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34), 9: (32, 36),
    10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210), 15: (256, 292),
    16: (256, 66), 17: (256, 74), 18: (256, 98), 19: (256, 50), 20: (32, 18), 21: (256, 110), 22: (256, 82),
    23: (256, 136), 24: (1, 1), 25: (1, 2), 26: (1, 4), 27: (1, 8), 28: (1, 8), 29: (256, 56), 30: (1, 2),
}
_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9


class _Reader:
    def __init__(self, data: mmap.mmap) -> None:
        self.data, self.pos = data, 0

    def take(self, fmt: str) -> int:
        size = struct.calcsize("<" + fmt)
        if self.pos + size > len(self.data):
            raise EOFError
        (value,) = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += size
        return value

    def skip(self, size: int) -> None:
        if size < 0 or self.pos + size > len(self.data):
            raise EOFError
        self.pos += size

    def string(self) -> bytes:
        length = self.take("Q")
        start = self.pos
        self.skip(length)
        return bytes(self.data[start : self.pos])

    def value(self, kind: int, depth: int = 0) -> object:
        if kind in _SCALARS:
            return self.take(_SCALARS[kind])
        if kind == _STRING:
            return self.skip(self.take("Q"))
        if kind == _ARRAY and depth == 0:
            inner, count = self.take("I"), self.take("Q")
            if inner in _SCALARS:  # skip a numeric array in one step
                return self.skip(count * struct.calcsize("<" + _SCALARS[inner]))
            if count > len(self.data):
                raise ValueError(f"array van {count} elementen")
            for _ in range(count):
                self.value(inner, depth + 1)
            return None
        raise ValueError(f"onbekend metadatatype {kind}")


def check_gguf(path: Path) -> None:
    """Raise `ModelMissing` with the reason when `path` is not a complete GGUF model file."""
    def bad(reason: str) -> ModelMissing:
        return ModelMissing(
            f"Het taalmodel {path} is beschadigd of geen GGUF-model ({reason}). "
            "Zet WELZIJN_LOCAL_MODEL_PATH op een goed GGUF-bestand, of run `welzijn setup` voor het meegeleverde model."
        )

    try:
        with open(path, "rb") as fh:
            if fh.read(4) != MAGIC:
                raise bad("het bestand begint niet met 'GGUF'")
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
                _check(_Reader(data), len(data), bad)
    except OSError as exc:
        raise bad(f"onleesbaar: {exc.strerror or exc}") from exc
    except EOFError as exc:
        raise bad("het bestand is afgekapt") from exc
    except (ValueError, struct.error) as exc:
        raise bad(str(exc)) from exc


def _check(r: _Reader, size: int, bad) -> None:
    r.skip(4)
    version, n_tensors, n_kv = r.take("I"), r.take("Q"), r.take("Q")
    if version not in (2, 3):
        raise bad(f"GGUF-versie {version} wordt niet ondersteund")
    if n_tensors == 0 or n_tensors > 100_000 or n_kv > 100_000:
        raise bad(f"onwaarschijnlijke kop: {n_tensors} tensors, {n_kv} metadatavelden")
    alignment = 32
    for _ in range(n_kv):
        key, kind = r.string(), r.take("I")
        if key == b"general.alignment" and kind == 4:
            alignment = r.take("I")
        else:
            r.value(kind)
    if alignment == 0 or alignment & (alignment - 1):
        raise bad(f"ongeldige uitlijning {alignment}")
    data_end = 0
    for _ in range(n_tensors):
        r.string()
        n_dims = r.take("I")
        if not 1 <= n_dims <= 4:
            raise bad(f"tensor met {n_dims} dimensies")
        elements = 1
        for _ in range(n_dims):
            elements *= r.take("Q")
        kind, offset = r.take("I"), r.take("Q")
        block, nbytes = _TYPE_SIZES.get(kind, (1, 0))
        data_end = max(data_end, offset + elements // block * nbytes)
    data_start = -(-r.pos // alignment) * alignment
    if data_start + data_end > size:
        raise bad(f"het bestand is afgekapt: {size} bytes, {data_start + data_end} nodig")
