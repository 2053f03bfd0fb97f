"""The one settings object, in sections; every field can still be set as an environment variable WELZIJN_<NAME>.

Classes take the section they need (`settings.retrieval`, `settings.llm`, …). The environment, `.env` and
keyword arguments use the flat field names (`WELZIJN_TOP_K=3`, `Settings(top_k=3)`): names are unique
across sections, so each one finds its section.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, SecretStr, create_model, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

Backend = Literal["local", "ollama", "openai", "extractive"]
BACKENDS: tuple[str, ...] = get_args(Backend)  # the one list of backend names; models.llms builds each


def backend_names(last: str = "or") -> str:
    """The backends as a phrase: "local, ollama, openai or extractive" (`last="of"` in Dutch)."""
    return f"{', '.join(BACKENDS[:-1])} {last} {BACKENDS[-1]}"


BUILTIN_E5 = "builtin:multilingual-e5-small"
REDIS_SCHEMES = ("redis", "rediss", "redis+unix")  # what the `limits` Redis storage accepts


class StorageSettings(BaseModel):
    """Where the index, models and records live, and the Chroma server if one is used."""

    model_config = ConfigDict(extra="forbid")

    data_dir: Path = Field(Path("data"), description="Folder for the index, models, caches and feedback.")
    sources: list[Path] = Field(
        default_factory=lambda: [Path("seeds")],
        description="Files or folders that `welzijn ingest` indexes when no PATH is given.",
    )
    chroma_host: str | None = Field(
        None, description="Host of a Chroma server (`chroma run`); unset: embedded Chroma under data_dir."
    )
    chroma_port: int = Field(8000, description="Port of the Chroma server.")
    articles_dir: Path | None = Field(
        None, description="Folder of the article files managed at /beheer; unset: data_dir/articles. "
        "On first use it starts as the files the current index was built from.",
    )
    keep_index_versions: int = Field(
        5, ge=1, description="Earlier index versions kept besides the live one (for rollback at /beheer).",
    )
    database_url: SecretStr | None = Field(
        None,
        description="Database for the conversations, feedback, admin actions and (for several replicas) the live "
        "index version, e.g. postgresql://user:password@host/db; unset: an SQLite file under data_dir.",
    )
    index_poll_seconds: float = Field(
        2.0, ge=0, description="With a database URL: how often an answering server checks the live index "
        "version another replica may have published (seconds).",
    )

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def article_files_dir(self) -> Path:
        return self.articles_dir or self.data_dir / "articles"

    @property
    def article_store_dir(self) -> Path:
        """Every article file ever managed, by content hash: what a rollback restores the folder from."""
        return self.data_dir / "article-store"

    @property
    def database_path(self) -> Path:
        """The SQLite file used when no `database_url` is set."""
        return self.data_dir / "welzijn.sqlite3"

    @property
    def feedback_path(self) -> Path:
        """Where feedback was kept before the database (imported once, then renamed)."""
        return self.data_dir / "feedback.jsonl"

    @property
    def conversations_path(self) -> Path:
        """Where the conversation log was kept before the database (imported once, then renamed)."""
        return self.data_dir / "conversations.jsonl"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def default_gguf(self) -> Path:
        return self.models_dir / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"


class IngestSettings(BaseModel):
    """How articles are cut into passages."""

    model_config = ConfigDict(extra="forbid")

    chunk_size: int = Field(1000, ge=100, description="Target chunk length in characters.")
    chunk_overlap: int = Field(1, ge=0, le=3, description="Sentences repeated between split chunks.")
    max_file_mb: int = Field(20, ge=1, description="Larger article files are skipped at ingest (megabytes).")


class EmbeddingSettings(BaseModel):
    """The embedding model and how it is called."""

    model_config = ConfigDict(extra="forbid")

    embed_model: str = Field(
        BUILTIN_E5,
        description="Sentence-transformers model: the built-in rebuilt multilingual-e5-small, "
        "a local folder, or a hub name (needs hub access).",
    )
    embed_query_prefix: str = Field("query: ", description="Prefix for questions (e5 models).")
    embed_passage_prefix: str = Field("passage: ", description="Prefix for passages (e5 models).")
    embed_batch_size: int = Field(16, ge=1, description="Passages per embedding batch.")


class RetrievalSettings(BaseModel):
    """Hybrid retrieval, the refusal thresholds and how much text the LLM sees."""

    model_config = ConfigDict(extra="forbid")

    top_k: int = Field(5, ge=1, le=20, description="Passages retrieved per question.")
    candidates_k: int = Field(20, ge=1, description="Candidates from each retriever before fusion.")
    dense_weight: float = Field(1.0, ge=0, description="Weight of dense retrieval in the fusion.")
    bm25_weight: float = Field(1.5, ge=0, description="Weight of BM25 retrieval in the fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    person_weight: float = Field(
        0.5, ge=0, description="Boost, in first ranks, for passages of articles naming a person the question names."
    )
    min_relevance: float = Field(
        0.80, description="Dense cosine below which no passage counts as relevant (refusal)."
    )
    min_coverage: float = Field(
        0.4, ge=0, le=1, description="Share of a Dutch question's subject words the passages must contain."
    )
    context_passages: int = Field(3, ge=1, le=10, description="Passages given to the LLM.")
    context_chars: int = Field(
        450, ge=100, description="Longest excerpt of each passage given to the LLM (keeps prompts short)."
    )


class LlmSettings(BaseModel):
    """The LLM backend that writes answers and how each backend is reached."""

    model_config = ConfigDict(extra="forbid")

    backend: Backend = Field("local", description="LLM backend that writes answers.")
    local_model_path: Path | None = Field(
        None, description="GGUF file for the local backend; unset: the bundled Qwen2.5 1.5B model."
    )
    local_threads: int = Field(2, ge=1, description="CPU threads for llama.cpp.")
    local_context: int = Field(2048, ge=512, description="Context window of the local model (tokens).")
    max_answer_tokens: int = Field(256, ge=16, description="Longest answer in tokens.")
    temperature: float = Field(
        0.0, ge=0, le=2, description="Sampling temperature; 0 (greedy) gives the same answer every time."
    )
    ollama_url: str = Field("http://127.0.0.1:11434", description="Ollama server URL.")
    ollama_model: str = Field("qwen2.5:7b-instruct", description="Ollama model name.")
    openai_url: str = Field("http://127.0.0.1:8080/v1", description="OpenAI-compatible server URL.")
    openai_model: str = Field("local-model", description="Model name on the OpenAI-compatible server.")
    openai_api_key: SecretStr = Field(SecretStr("not-needed"), description="API key for that server.")
    fallback_to_extractive: bool = Field(
        True, description="Answer extractively (with a notice) when the LLM backend cannot be used."
    )
    llm_timeout: float = Field(120.0, description="Seconds before a remote LLM call gives up.")


class AnswerSettings(BaseModel):
    """Checking questions and answers, and the conversation log."""

    model_config = ConfigDict(extra="forbid")

    support_threshold: float = Field(
        0.5, ge=0, le=1, description="Share of an answer sentence's content words its citation must contain."
    )
    answer_grammar: bool = Field(
        False,
        description="Constrain the local model's output with a llama.cpp grammar (1-3 sentences, each with its "
        "marker). Off by default: grammar sampling costs time per token on a CPU, and the strict claim check "
        "already replaces every malformed sentence by its evidence.",
    )
    max_question_chars: int = Field(1000, ge=10, description="Longest question accepted.")
    max_history_turns: int = Field(3, ge=0, description="Earlier turns used to understand follow-ups.")
    log_conversations: bool = Field(
        True, description="Store each question and answer in the database (see `database_url`)."
    )


class WebSettings(BaseModel):
    """The server: address, and the sites that may embed the widget."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field("127.0.0.1", description="Address the server listens on.")
    port: int = Field(7860, description="Port the server listens on.")
    allowed_origins: list[str] = Field(
        default_factory=list, description="Extra origins allowed to embed the widget and call the API."
    )


class LimitsSettings(BaseModel):
    """Access and load limits of the server and the generation queue."""

    model_config = ConfigDict(extra="forbid")

    api_key: SecretStr | None = Field(
        None,
        description="Key third parties must send to /api/* (`Authorization: Bearer KEY` or `X-API-Key: KEY`); "
        "unset: the API is open. The chat page and the widget of this server work without it.",
    )
    rate_limit_per_minute: int = Field(
        30, ge=0, description="Questions (and feedback posts) per client IP per minute on /api/*; 0: no limit."
    )
    redis_url: SecretStr | None = Field(
        None,
        description="Redis server that holds the rate limit counts (`redis://host:6379/0`), so that several "
        "replicas share one limit; unset: counted in this process's memory. If Redis cannot be reached, "
        "requests are let through (fail-open) and a warning is logged.",
    )
    max_concurrent_generations: int = Field(
        1, ge=1, description="LLM answers written at the same time (the extractive backend is not limited)."
    )
    max_queued_requests: int = Field(
        8, ge=0, description="Questions that may wait for the LLM; beyond that a request gets 429 at once."
    )
    queue_timeout: float = Field(
        60.0, gt=0, description="Seconds a question waits for the LLM before it gets 429."
    )
    admin_token: SecretStr | None = Field(
        None,
        description="Token for the management pages at /beheer and the API under /api/admin "
        "(`Authorization: Bearer TOKEN`); unset: both are off (404).",
    )
    max_generation_seconds: float = Field(
        300.0, gt=0, description="An LLM answer running longer than this loses its slot (a safety net for "
        "stuck generations); /api/health then reports `degraded` until it ends.",
    )

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, url: SecretStr | None) -> SecretStr | None:
        scheme = None if url is None else url.get_secret_value().partition("://")[0]
        if scheme is not None and scheme not in REDIS_SCHEMES:
            raise ValueError(f"redis_url must start with {' or '.join(s + '://' for s in REDIS_SCHEMES)}")
        return url


class EvalSettings(BaseModel):
    """`welzijn eval`."""

    model_config = ConfigDict(extra="forbid")

    eval_tolerance: float = Field(
        0.02, ge=0, description="How far a metric may drop below the baseline before `welzijn eval` fails."
    )


SECTIONS: dict[str, type[BaseModel]] = {
    "storage": StorageSettings,
    "ingest": IngestSettings,
    "embedding": EmbeddingSettings,
    "retrieval": RetrievalSettings,
    "llm": LlmSettings,
    "answering": AnswerSettings,
    "web": WebSettings,
    "limits": LimitsSettings,
    "evals": EvalSettings,
}
_SECTION_OF = {name: section for section, model in SECTIONS.items() for name in model.model_fields}


def _nest(values: dict[str, Any]) -> dict[str, Any]:
    """Flat field names (`top_k`) moved into their sections (`retrieval.top_k`); flat values win."""
    nested: dict[str, Any] = {}
    flat: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        section = _SECTION_OF.get(key.lower())
        if section is None:
            nested[key] = value
        else:
            flat.setdefault(section, {})[key.lower()] = value
    for section, changes in flat.items():
        given = nested.get(section, {})
        given = dict(given) if isinstance(given, dict) else given.model_dump()
        nested[section] = given | changes
    return nested


class _FlatEnvironment(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WELZIJN_", extra="ignore")


class _FlatEnvironmentSource(PydanticBaseSettingsSource):
    """WELZIJN_<NAME> from the environment and the .env file, parsed as pydantic-settings parses flat fields."""

    def __init__(self, settings_cls: type[BaseSettings], env_file: Any) -> None:
        super().__init__(settings_cls)
        self.env_file = env_file

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads every field at once

    def __call__(self) -> dict[str, Any]:
        fields = {name: (info.annotation, info) for model in SECTIONS.values() for name, info in model.model_fields.items()}
        flat = create_model("WelzijnEnvironment", __base__=_FlatEnvironment, **fields)(_env_file=self.env_file)
        return _nest({name: getattr(flat, name) for name in flat.model_fields_set})


class Settings(BaseSettings):
    """Configuration of ingest, retrieval, answering and serving, one section per concern."""

    model_config = SettingsConfigDict(env_prefix="WELZIJN_", env_file=".env", extra="ignore")

    storage: StorageSettings = Field(default_factory=StorageSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    llm: LlmSettings = Field(default_factory=LlmSettings)
    answering: AnswerSettings = Field(default_factory=AnswerSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    evals: EvalSettings = Field(default_factory=EvalSettings)

    @model_validator(mode="before")
    @classmethod
    def _flat_names(cls, data: Any) -> Any:
        return _nest(data) if isinstance(data, dict) else data

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        env_file = getattr(dotenv_settings, "env_file", None)
        return init_settings, _FlatEnvironmentSource(settings_cls, env_file), file_secret_settings

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Settings:
        """A copy with some values changed; `update` takes flat names (`{"top_k": 3}`) like the environment."""
        changes: dict[str, Any] = {}
        for key, value in _nest(dict(update or {})).items():
            current = getattr(self, key, None)
            copied = isinstance(current, BaseModel) and isinstance(value, dict)
            changes[key] = current.model_copy(update=value) if copied else value
        return super().model_copy(update=changes, deep=deep)

    @property
    def gguf_path(self) -> Path:
        """The GGUF file of the local backend: the configured one, else the bundled model."""
        return self.llm.local_model_path or self.storage.default_gguf
