"""Process-wide set-up, done once by entry points and never at import: offline environment, torch threads, logging."""

import logging
import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # our own bars say what is happening; "Loading weights" is noise
    "TRANSFORMERS_VERBOSITY": "error",
}


def configure_offline() -> None:
    """Set the variables that keep transformers, gradio and chroma from calling home (user values win)."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


def use_one_torch_thread() -> None:
    """Embed questions on one CPU thread, process-wide: called once by each entry point that answers.

    One short text gains little from a second thread, and when the other core is busy (llama.cpp
    generating, another request) two torch threads wait on each other. `welzijn bench` on a busy
    2-core machine: p95 33-58 ms on one thread against 138-553 ms on two, for a p50 3-9 ms higher.
    Ingest keeps torch's default: batches of passages do gain from every core.
    """
    try:
        import torch
    except ImportError:  # an embedder without torch has no such setting
        return
    torch.set_num_threads(1)


def configure_server_logging() -> None:
    """The server's own log lines (abandoned answers, reclaimed slots, repaired records) on stderr, from INFO up.

    Third-party libraries stay at WARNING; uvicorn configures its own loggers.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    ours = logging.getLogger("assistant")
    ours.addHandler(handler)
    ours.setLevel(logging.INFO)
    ours.propagate = False
