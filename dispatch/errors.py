"""One application error type: every refusal a service makes has a code, a message and, for input, fields."""
from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    status_code = 400
    default_code = "invalid"

    def __init__(self, message, *, code=None, fields=None, extra=None):
        super().__init__(str(message))
        self.message = message
        self.code = code or self.default_code
        self.fields = fields or {}
        self.extra = extra or {}

    def as_dict(self):
        body = {"code": self.code, "message": str(self.message), "fields": {k: [str(m) for m in v] for k, v in self.fields.items()}}
        if self.fields:
            # Per field, the same vocabulary DRF's own validation answers in (dispatch.api.FIELD_CODES).
            body["field_codes"] = {k: [self.code] * len(v) for k, v in self.fields.items()}
        body.update(self.extra)
        return body


class ValidationFailed(ApplicationError):
    status_code = 400
    default_code = "invalid"


class NotFound(ApplicationError):
    status_code = 404
    default_code = "not_found"


class PermissionDenied(ApplicationError):
    status_code = 403
    default_code = "permission_denied"


class Gone(ApplicationError):
    """The thing existed but has ended for good (an expired or revoked caller link): 410, never coming back."""

    status_code = 410
    default_code = "gone"


class PayloadTooLarge(ApplicationError):
    status_code = 413
    default_code = "body_too_large"


class TooManyRequests(ApplicationError):
    """A limit that is not a rate (ten photos per caller link): 429 like the throttles."""

    status_code = 429
    default_code = "throttled"


class Conflict(ApplicationError):
    """The state moved under the caller (someone else accepted first): answer 409 with the current state."""

    status_code = 409
    default_code = "conflict"


class IllegalTransition(Conflict):
    default_code = "illegal_transition"

    def __init__(self, *, entity, current, target, message=None, extra=None, code=None):
        super().__init__(
            message
            or _("Tidak dapat mengubah %(entity)s dari '%(current)s' ke '%(target)s'.")
            % {"entity": entity, "current": current, "target": target},
            code=code,
            extra={"current_status": str(current), **(extra or {})},
        )
        self.current = current
        self.target = target


def field_error(field, message, *, code="invalid"):
    return ValidationFailed(message, code=code, fields={field: [message]})


class ServiceUnavailable(ApplicationError):
    """A service the answer needs is down (e.g. the routing engine): 503, the client may try again later."""

    status_code = 503
    default_code = "service_unavailable"
