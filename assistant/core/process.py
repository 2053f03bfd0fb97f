"""Environment for running without a model hub; called from entry points, never at import."""

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
