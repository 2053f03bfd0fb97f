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


class Busy(WelzijnError):
    """Too many questions at once: the caller should try again after `retry_after` seconds."""

    def __init__(self, message: str = "Het is nu te druk, probeer het zo opnieuw.", retry_after: int = 10) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Cancelled(WelzijnError):
    """The caller went away or pressed Stop: the answer was abandoned and its place given back."""

    def __init__(self, message: str = "Het antwoord is gestopt.", stage: str = "", tokens_after_stop: int = 0) -> None:
        super().__init__(message)
        self.stage = stage  # "queued", "writing" …: how far the answer got
        self.tokens_after_stop = tokens_after_stop  # tokens the model still produced after the stop


class StorageError(WelzijnError):
    """The data folder cannot be written: read-only, no permission, or the disk is full."""


def storage_error(folder: object, exc: BaseException) -> StorageError:
    """A `StorageError` that names the folder and says whether it is read-only or full."""
    import errno

    code = getattr(exc, "errno", None)
    detail = getattr(exc, "strerror", None) or str(exc)
    if code in (errno.ENOSPC, errno.EDQUOT) or "full" in detail.lower():
        why = "de schijf is vol"
    elif code in (errno.EROFS, errno.EACCES, errno.EPERM) or "readonly" in detail.lower().replace("-", ""):
        why = "de map is alleen-lezen of afgeschermd"
    else:
        why = "schrijven mislukte"
    return StorageError(f"Kan niet schrijven in {folder}: {why} ({detail}).")


class NotFound(WelzijnError):
    """An article or index version that a management request names does not exist."""


class VersionMissing(NotFound):
    """The index version to roll back to is not kept (any more)."""
