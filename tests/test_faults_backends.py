"""The LLM backend unavailable: server down, model file missing or damaged. The server stays up."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.rag.service import Assistant
from assistant.rag.retriever import Knowledge
from tests.conftest import MODELS, REPO
from tests.live import free_port

WRR_Q = "Welke vier typen burgers onderscheidt de WRR?"


def gguf_bytes(arch: str = "qwen2") -> bytes:
    """A structurally valid GGUF (one small F32 tensor) that is no usable model."""
    def string(s: str) -> bytes:
        return struct.pack("<Q", len(s)) + s.encode()

    head = b"GGUF" + struct.pack("<IQQ", 3, 1, 1)
    head += string("general.architecture") + struct.pack("<I", 8) + string(arch)
    head += string("token_embd.weight") + struct.pack("<IQQIQ", 2, 8, 4, 0, 0)
    head += b"\0" * (-len(head) % 32)
    return head + b"\0" * (8 * 4 * 4)


def broken_models(folder: Path) -> dict[str, Path]:
    files = {
        "leeg": b"",
        "html-foutpagina": b"<html><body>404 Not Found</body></html>",
        "willekeurige-bytes": bytes((i * 131 + 7) % 256 for i in range(200_000)),
        "kop-zonder-rest": b"GGUF" + struct.pack("<IQQ", 3, 291, 24),
        "onzin-na-de-kop": b"GGUF" + struct.pack("<IQQ", 3, 5, 3) + b"\xff" * 5000,
        "afgekapt": gguf_bytes()[:-40],
    }
    folder.mkdir(exist_ok=True)
    for name, data in files.items():
        (folder / f"{name}.gguf").write_bytes(data)
    return {name: folder / f"{name}.gguf" for name in files}


CASES = ["openai-down", "ollama-down", "model-missing", "model-corrupt", "model-not-a-model"]


def case_settings(settings, tmp_path, case: str, fallback: bool):
    dead = f"http://127.0.0.1:{free_port()}"
    backend, extra = {
        "openai-down": ("openai", {"openai_url": dead + "/v1"}),
        "ollama-down": ("ollama", {"ollama_url": dead}),
        "model-missing": ("local", {"local_model_path": tmp_path / "bestaat-niet.gguf"}),
        "model-corrupt": ("local", {"local_model_path": broken_models(tmp_path / "m")["willekeurige-bytes"]}),
        "model-not-a-model": ("local", {"local_model_path": tmp_path / "klein.gguf"}),
    }[case]
    (tmp_path / "klein.gguf").write_bytes(gguf_bytes())
    return settings.model_copy(update={"backend": backend, "fallback_to_extractive": fallback, "llm_timeout": 5,
                                       "rate_limit_per_minute": 0, **extra})


REASON = {"openai-down": "niet bereikbaar", "ollama-down": "niet bereikbaar", "model-missing": "ontbreekt",
          "model-corrupt": "beschadigd of geen GGUF-model", "model-not-a-model": "kon niet geladen worden"}


@pytest.fixture
def app_for(fake_index, fake_embedder):
    def build(settings):
        from assistant.web.app import create_app

        return create_app(settings, assistant=Assistant(settings, Knowledge(settings.storage, settings.retrieval, fake_embedder)))

    return build


@pytest.mark.parametrize("case", CASES)
def test_fallback_answers_extractively_with_a_notice(settings, tmp_path, app_for, case):
    settings = case_settings(settings, tmp_path, case, fallback=True)
    with TestClient(app_for(settings)) as client:
        response = client.post("/api/ask", json={"question": WRR_Q})
        assert response.status_code == 200, response.text
        data = response.json()
        assert data["backend"] == "extractive" and REASON[case] in data["notice"]
        assert "extractief antwoord" in data["notice"]
        assert data["citations"][0]["source"] == "003_b4ac6d7293bc88c6.txt"
        assert client.get("/api/health").status_code == 200


@pytest.mark.parametrize("case", CASES)
def test_without_fallback_the_api_says_503_and_stays_up(settings, tmp_path, app_for, case):
    settings = case_settings(settings, tmp_path, case, fallback=False)
    with TestClient(app_for(settings)) as client:
        response = client.post("/api/ask", json={"question": WRR_Q})
        assert response.status_code == 503, response.text
        assert REASON[case] in response.json()["error"]
        stream = client.post("/api/ask/stream", json={"question": WRR_Q})
        assert stream.status_code == 503 or ("event: error" in stream.text and REASON[case] in stream.text)
        health = client.get("/api/health")
        assert health.status_code == 200 and health.json()["index_version"]
        assert client.post("/api/ask", json={"question": WRR_Q, "backend": "extractive"}).status_code == 200


def test_damaged_gguf_files_are_refused_before_llama_cpp_sees_them(tmp_path):
    from assistant.core.errors import ModelMissing
    from assistant.models.gguf_check import check_gguf

    reasons = {}
    for name, path in broken_models(tmp_path).items():
        with pytest.raises(ModelMissing, match="beschadigd of geen GGUF-model") as caught:
            check_gguf(path)
        reasons[name] = str(caught.value)
    assert "begint niet met 'GGUF'" in reasons["html-foutpagina"] and "afgekapt" in reasons["afgekapt"]
    check_gguf(_write(tmp_path / "klein.gguf", gguf_bytes()))  # structurally fine: passes


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


LOAD = """
import sys
from assistant.core.errors import WelzijnError
from assistant.models.llms import make_llm
from assistant.core.settings import Settings
try:
    make_llm(Settings(_env_file=None, local_model_path=sys.argv[1]), "local").load()
except WelzijnError as exc:
    print(type(exc).__name__, exc)
    sys.exit(0)
print("LOADED")
sys.exit(3)
"""


def load_in_child(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", LOAD, str(path)], capture_output=True, text=True, cwd=REPO, timeout=120)


def test_a_file_llama_cpp_rejects_is_a_python_error_not_a_crash(tmp_path):
    """Passes the structure check, but llama.cpp cannot build a model from it: the process must survive."""
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is installed by `make install`")
    for name, data in {"no-model": gguf_bytes(), "unknown-arch": gguf_bytes("geen-architectuur")}.items():
        result = load_in_child(_write(tmp_path / f"{name}.gguf", data))
        assert result.returncode == 0, f"{name}: exit {result.returncode} (negative: killed by a signal)\n{result.stderr[-2000:]}"
        assert result.stdout.startswith("ModelMissing") and "kon niet geladen worden" in result.stdout


@pytest.mark.slow
def test_the_real_model_passes_and_a_truncated_copy_is_refused(tmp_path):
    from assistant.core.errors import ModelMissing
    from assistant.models.gguf_check import check_gguf
    from assistant.models.gguf import ensure_gguf

    real = ensure_gguf(MODELS / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")
    check_gguf(real)
    for keep in (4 << 20, real.stat().st_size - 4096):  # a cut-off download: early and at the very end
        cut = tmp_path / "afgekapt.gguf"
        with open(real, "rb") as src, open(cut, "wb") as dst:
            remaining = keep
            while remaining:
                remaining -= dst.write(src.read(min(remaining, 64 << 20)))
        with pytest.raises(ModelMissing, match="afgekapt"):
            check_gguf(cut)
        result = load_in_child(cut)
        assert result.returncode == 0 and result.stdout.startswith("ModelMissing"), result.stderr[-2000:]
        cut.unlink()
