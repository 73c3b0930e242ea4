"""Every error the API answers has one shape: ``{"code", "message", "errors"?}``.

`code` is stable and machine-readable; `message` is for a person; `errors` lists the
fields at fault for a body or query that does not validate. Nothing the caller sends
reaches a 500: unexpected exceptions are still 500, and the schemathesis test in CI
hunts for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from leadflow.domain.errors import (
    DomainError,
    IllegalTransition,
    MissingDetail,
    NotPermitted,
    OnAvoidList,
    StaleState,
)
from leadflow.domain.normalize import InvalidValue
from leadflow.intake.read import IntakeFileError

if TYPE_CHECKING:
    from ninja import NinjaAPI


class ApiError(HttpError):
    """An answer other than success, raised from a view: ``raise ApiError(409, "code",
    "message")``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status, message)
        self.code = code


# Domain errors by how the caller should see them, most specific first.
_DOMAIN: list[tuple[type[DomainError], int, str]] = [
    (IllegalTransition, 409, "illegal_transition"),
    (OnAvoidList, 409, "on_avoid_list"),
    (StaleState, 409, "stale"),
    (NotPermitted, 403, "not_permitted"),
    (MissingDetail, 422, "missing_detail"),
    (InvalidValue, 422, "invalid_value"),
    (DomainError, 409, "conflict"),
]

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "invalid",
    429: "rate_limited",
}


def error_body(
    code: str, message: str, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors is not None:
        body["errors"] = errors
    return body


def install(api: NinjaAPI) -> None:
    """Answer every known failure with its status and code."""

    def answer(
        request: HttpRequest, status: int, code: str, message: str, **extra: Any
    ) -> HttpResponse:
        return api.create_response(request, error_body(code, message, **extra), status=status)

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [_field_error(e) for e in exc.errors]
        first = errors[0] if errors else {"field": "", "message": "invalid"}
        where = f"{first['field']}: " if first["field"] else ""
        return answer(request, 422, "invalid", where + first["message"], errors=errors)

    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return answer(request, exc.status_code, exc.code, str(exc.message))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = "sign in, or send Authorization: Bearer <a personal API token>"
        return answer(request, 401, "unauthenticated", message)

    @api.exception_handler(AuthorizationError)
    def unauthorized(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return answer(request, 403, "forbidden", str(exc.message))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        return answer(request, status, _STATUS_CODES.get(status, "error"), str(exc.message))

    @api.exception_handler(PermissionDenied)
    def denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return answer(request, 403, "forbidden", str(exc) or "not allowed")

    @api.exception_handler(Http404)
    def missing(request: HttpRequest, exc: Http404) -> HttpResponse:
        return answer(request, 404, "not_found", str(exc) or "not found")

    @api.exception_handler(ObjectDoesNotExist)
    def no_such(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        return answer(request, 404, "not_found", str(exc) or "not found")

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return answer(request, 413, "payload_too_large", str(exc))

    @api.exception_handler(DomainError)
    def domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        for kind, status, code in _DOMAIN:
            if isinstance(exc, kind):
                return answer(request, status, code, exc.reason)
        raise exc  # pragma: no cover - DomainError is the last entry

    @api.exception_handler(IntakeFileError)
    def bad_records(request: HttpRequest, exc: IntakeFileError) -> HttpResponse:
        return answer(request, 422, "invalid_records", exc.reason)


def _field_error(error: dict[str, Any]) -> dict[str, Any]:
    """pydantic's error, said plainly: ``{"field": "body.email", "message", "type"}``."""
    loc = [str(part) for part in error.get("loc", ()) if part not in ("payload",)]
    kind = str(error.get("type", ""))
    message = str(error.get("msg", "invalid"))
    if kind == "extra_forbidden":
        message = "unknown field"
    return {"field": ".".join(loc), "message": message, "type": kind}
