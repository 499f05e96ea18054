"""Errors a user can act on: each names the file and what is wrong with it."""


class IngestError(ValueError):
    """A file could not be ingested. The message names the file and the reason."""

    def __init__(self, name: str, reason: str):
        self.name = name
        self.reason = reason
        super().__init__(f"{name}: {reason}")


class UnsupportedFormat(IngestError):
    pass


class EmptyFile(IngestError):
    pass


class FileTooLarge(IngestError):
    pass
