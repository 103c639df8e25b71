"""REST API of the reporting app: the coordination report (JSON or a file) and the stored monthly reports.
Officials and supervisors (and admins) only; everyone else 403. Errors in the one shape."""
from django.http import FileResponse, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import User
from agencies.scoping import require_role
from dispatch.errors import NotFound, field_error

from . import exports
from .params import report_query_from_params
from .selectors import coordination_report, monthly_reports_for

REPORT_ROLES = (User.Role.SUPERVISOR, User.Role.OFFICIAL)
FILE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
RENDER = {"csv": exports.to_csv, "xlsx": exports.to_xlsx, "pdf": exports.to_pdf}
FILE_RESPONSES = {(200, media.split(";")[0]): OpenApiTypes.BINARY for media in FILE_TYPES.values()}


def file_response(content: bytes, *, name: str, ext: str) -> HttpResponse:
    response = HttpResponse(content, content_type=FILE_TYPES[ext])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class JsonOnlyNegotiation(APIView):
    """`?format=` names our export formats, not DRF renderers: negotiation always picks JSON (files are
    plain Django responses)."""

    def perform_content_negotiation(self, request, force=False):
        renderer = JSONRenderer()
        return renderer, renderer.media_type


class CoordinationReportApi(JsonOnlyNegotiation):
    @extend_schema(
        operation_id="reports_coordination",
        parameters=[
            OpenApiParameter("from", str, description="YYYY-MM-DD, inclusive, in the centre's zone"),
            OpenApiParameter("to", str, description="YYYY-MM-DD, inclusive, in the centre's zone"),
            OpenApiParameter("centre", int), OpenApiParameter("district", str), OpenApiParameter("category", str),
            OpenApiParameter("agency", int), OpenApiParameter("format", str, enum=["json", "csv", "xlsx", "pdf"]),
        ],
        responses={(200, "application/json"): OpenApiTypes.OBJECT, **FILE_RESPONSES},
    )
    def get(self, request):
        require_role(request.user, *REPORT_ROLES)
        fmt = (request.query_params.get("format") or "json").lower()
        if fmt not in ("json", *FILE_TYPES):
            raise field_error("format", _("Format harus json, csv, xlsx atau pdf."), code="invalid_choice")
        query = report_query_from_params(user=request.user, params=request.query_params)
        report = coordination_report(query=query)
        if fmt == "json":
            return Response(report)
        return file_response(RENDER[fmt](report), name=exports.filename(report, fmt), ext=fmt)


class MonthlyReportListApi(JsonOnlyNegotiation):
    @extend_schema(operation_id="reports_monthly_list", responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        require_role(request.user, *REPORT_ROLES)
        results = []
        for report in monthly_reports_for(user=request.user):
            results.append({
                "id": report.pk,
                "centre": {"id": report.command_centre_id, "code": report.command_centre.code, "name": report.command_centre.name},
                "month": report.month.strftime("%Y-%m"),
                "generated_at": report.generated_at.isoformat(),
                "build_count": report.build_count,
                "downloads": {
                    ext: request.build_absolute_uri(reverse("api-reports-monthly-download", args=[report.pk, ext]))
                    for ext in FILE_TYPES
                },
            })
        return Response({"results": results})


class MonthlyReportDownloadApi(JsonOnlyNegotiation):
    @extend_schema(operation_id="reports_monthly_download", responses=FILE_RESPONSES)
    def get(self, request, pk: int, ext: str):
        require_role(request.user, *REPORT_ROLES)
        report = monthly_reports_for(user=request.user).filter(pk=pk).first()
        if report is None or ext not in FILE_TYPES:
            raise NotFound(_("Laporan tidak ditemukan."))
        stored = getattr(report, f"{ext}_file")
        name = f"laporan-112-{report.command_centre.code}-{report.month:%Y-%m}.{ext}"
        return FileResponse(stored.open("rb"), as_attachment=True, filename=name, content_type=FILE_TYPES[ext])
