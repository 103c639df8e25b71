"""OpenAPI generation: every operation documents the one error shape for the refusals it can give."""
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable reason, e.g. `outside_service_area`, `call_already_claimed`.")
    message = serializers.CharField(help_text="Human-readable message in the request's language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), help_text="Per-field messages for input errors."
    )
    field_codes = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Per field, why it was refused, in one vocabulary: `required`, `too_long`, `out_of_range`, `invalid_choice`, "
        "`invalid`, or the service's own code (`invalid_phone`, `unknown_agency`, …).",
    )
    current_status = serializers.CharField(required=False, help_text="On 409 for a lost race: the state the object is in now.")


class ErrorResponseSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


ERROR_DESCRIPTIONS = {
    "400": "Invalid input (see `error.fields`).",
    "401": "Not authenticated.",
    "403": "Authenticated, but the role may not do this.",
    "404": "Not found, or outside the caller's scope.",
    "409": "The state changed under the caller (someone else acted first).",
    "410": "It existed but has ended for good (an expired, revoked or closed caller link).",
    "413": "The body is larger than this operation accepts.",
    "415": "The body's Content-Type is not one this operation reads (JSON; forms where a browser posts one), or a "
    "multipart body that cannot be read.",
    "429": "Too many requests or failed attempts from this client (sign-in, a gateway secret, a caller link's limits): "
    "wait `Retry-After` seconds.",
}


class DispatchAutoSchema(AutoSchema):
    def get_serializer_name(self, serializer, direction):
        """Views nest their own `InputSerializer`/`OutputSerializer`/`FilterSerializer` (house style); name
        their components after the view ("CallCloseInput") so they do not collide."""
        cls = serializer.__class__
        outer, _dot, inner = cls.__qualname__.rpartition(".")
        if outer and "<" not in outer:
            outer = outer.split(".")[-1]
            if outer.endswith("Api"):
                outer = outer[:-3]
            return outer + inner.replace("Serializer", "")
        return super().get_serializer_name(serializer, direction)

    def _resolve_path_parameters(self, variables):
        """`<int:...>` only matches digits: say so, so clients (and fuzzers) do not expect a JSON 404 for "-1"."""
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if schema.get("type") == "integer" and "minimum" not in schema:
                schema["minimum"] = 0
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = ["400", "401", "403", "404"]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes.append("409")
        if self.method in ("POST", "PUT", "PATCH"):
            # DRF answers 415 for a body it has no parser for, on any operation that reads one (schemathesis sent a
            # multipart body with a broken part to the call-out answers and got it, undocumented)
            codes.append("415")
        # throttled credentials (issue 28): the gateways' secrets and the sign-in answer 429 too, and so does every
        # view with throttles of its own (the caller link's public endpoints, issue 24)
        from dispatch.api import GatewaySecretPermission

        if getattr(self.view, "answers_throttled", False) or getattr(self.view, "throttle_classes", None) or any(
            isinstance(p, type) and issubclass(p, GatewaySecretPermission) for p in getattr(self.view, "permission_classes", ())
        ):
            codes.append("429")
        codes += [code for code in getattr(self.view, "answers_also", ()) if code not in codes]
        for code in codes:
            if code not in responses:
                response = self._get_response_for_code(ErrorResponseSerializer, code, direction=direction)
                response["description"] = ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return responses

