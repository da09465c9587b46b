"""Service errors raised by the emulator's backend and turned into restJson1 error responses.

The HTTP status of each error is not hard-coded here: the server looks it up in the error
shape of botocore's model (``error.httpStatusCode``), like a real client would read it.
"""

from __future__ import annotations


class OmicsError(Exception):
    """An error the service answers with; ``code`` is the error shape name in the model."""

    code = "InternalServerException"

    def __init__(self, message: str, *, code: str | None = None, http_status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        # Only for answers that have no error shape in the model (unknown route, unimplemented
        # operation); otherwise the model's status is used.
        self.http_status = http_status


class ValidationException(OmicsError):
    code = "ValidationException"


class ResourceNotFoundException(OmicsError):
    code = "ResourceNotFoundException"


class ConflictException(OmicsError):
    code = "ConflictException"


class AccessDeniedException(OmicsError):
    code = "AccessDeniedException"


class ThrottlingException(OmicsError):
    code = "ThrottlingException"


class ServiceQuotaExceededException(OmicsError):
    code = "ServiceQuotaExceededException"


class InternalServerException(OmicsError):
    code = "InternalServerException"
