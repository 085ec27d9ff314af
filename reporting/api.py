"""The read-only API for reports: snapshots as frozen, with each file's checksum and link (the PDFs
and the committee report)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import reverse
from rest_framework import serializers, viewsets

from accounts.api import HasCapability
from accounts.policy import Capability
from reporting.models import ReportFile, Snapshot


class ReportFileSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = ReportFile
        fields = ["id", "kind", "key", "title", "sha256", "size", "created_at", "download"]

    def get_download(self, obj) -> str:
        return self.context["request"].build_absolute_uri(reverse("reporting:file-download", args=[obj.pk]))


class SnapshotSerializer(serializers.ModelSerializer):
    period = serializers.CharField(source="period.label", read_only=True)
    files = ReportFileSerializer(many=True, read_only=True)

    class Meta:
        model = Snapshot
        fields = ["id", "period", "kind", "status_label", "as_at", "sha256", "files", "content"]


class SnapshotListSerializer(SnapshotSerializer):
    """A report in the list: its files and a link to its own page, which gives its content (a
    report's content is about 250 KiB of JSON: twenty of them made the list 5.7 MB, issue 16)."""

    url = serializers.HyperlinkedIdentityField(view_name="api:report-detail")

    class Meta(SnapshotSerializer.Meta):
        fields = ["id", "url", "period", "kind", "status_label", "as_at", "sha256", "files"]


class SnapshotViewSet(viewsets.ReadOnlyModelViewSet):
    """Quarterly reports as frozen: drafts for CMT, Cabinet and performance admins; published
    ones for everyone, scrutiny members included. Each file with its checksum and link; the
    report's content on its own page only."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_PUBLISHED_REPORTS
    serializer_class = SnapshotSerializer
    queryset = Snapshot.objects.none()

    def get_serializer_class(self):
        return SnapshotListSerializer if self.action == "list" else SnapshotSerializer

    def get_queryset(self):
        queryset = (
            Snapshot.objects.restrict(self.request.user, Capability.VIEW_PUBLISHED_REPORTS)
            .select_related("period")
            .prefetch_related(Prefetch("files", queryset=ReportFile.objects.defer("pdf").order_by("kind", "key")))
        )
        return queryset.defer("content") if self.action == "list" else queryset
