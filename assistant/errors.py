"""The project's errors; the CLI, API and UI catch only `WelzijnError` and show its message."""


class WelzijnError(Exception):
    """Base error: its message is shown to the user as is, so it says what to do."""


class IndexMissing(WelzijnError):
    """No index has been built yet."""


class BadQuestion(WelzijnError):
    """The question is empty, too long or otherwise unusable."""


class BackendUnavailable(WelzijnError):
    """The configured LLM backend cannot be used (not installed, server down, model missing)."""


class ModelMissing(WelzijnError):
    """A model file that should have been built at install time is not there."""
