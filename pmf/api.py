"""The read-only API: every resource reads through the same ``restrict(user, capability)`` as the pages."""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.response import Response

from accounts.models import OrgUnit, RoleAssignment
from accounts.policy import Capability, has_capability, role_assignments
from kpis.models import BreakdownValue, Kpi, KpiReturn, KpiVersion, MonthlyFigure, ReportingPeriod, Target
from kpis.selectors import results_for
from planning.models import CouncilPlan, Objective, PlanNode, UnitPlan
from reporting.models import ReportFile, Snapshot


class HasCapability(permissions.IsAuthenticated):
    """The API's version of ``core.views.requires``: the view names its capability."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return has_capability(request.user, getattr(view, "required_capability", Capability.USE_API))


class OrgUnitSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    head = serializers.CharField(source="head.display_name", default=None, read_only=True)

    class Meta:
        model = OrgUnit
        fields = ["code", "name", "kind", "parent", "head", "is_active"]


class OrgUnitViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_ORGANISATION
    serializer_class = OrgUnitSerializer
    lookup_field = "code"
    queryset = OrgUnit.objects.none()

    def get_queryset(self):
        return OrgUnit.objects.restrict(self.request.user, Capability.VIEW_ORGANISATION).select_related(
            "parent", "head"
        )


class PlanNodeSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    level = serializers.CharField(source="level_name", read_only=True)

    class Meta:
        model = PlanNode
        fields = ["code", "title", "description", "depth", "level", "parent", "order", "retired_at"]


class CouncilPlanSerializer(serializers.ModelSerializer):
    nodes = serializers.SerializerMethodField()

    class Meta:
        model = CouncilPlan
        fields = ["id", "title", "start_date", "end_date", "vision_label", "vision", "level_names", "is_demo", "nodes"]

    @extend_schema(responses=PlanNodeSerializer(many=True))
    def get_nodes(self, plan) -> list[dict]:
        nodes = list(plan.nodes.all())
        for node in nodes:
            node.plan = plan
        return PlanNodeSerializer(nodes, many=True).data


class CouncilPlanViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_COUNCIL_PLAN
    serializer_class = CouncilPlanSerializer
    queryset = CouncilPlan.objects.none()

    def get_queryset(self):
        return CouncilPlan.objects.restrict(self.request.user, Capability.VIEW_COUNCIL_PLAN).prefetch_related(
            "nodes__parent"
        )


class RoleAssignmentSerializer(serializers.ModelSerializer):
    org_unit = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["role", "org_unit", "portfolio"]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    roles = RoleAssignmentSerializer(many=True)


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request):
    """Who the caller is and which roles they hold, so a client can tell what it may read."""
    user = request.user
    data = {"username": user.get_username(), "name": user.display_name, "roles": role_assignments(user)}
    return Response(MeSerializer(data).data)


class ObjectiveSerializer(serializers.ModelSerializer):
    plan = serializers.PrimaryKeyRelatedField(read_only=True)
    unit = serializers.CharField(source="plan.unit.code", read_only=True)
    owner = serializers.CharField(source="owner.display_name", read_only=True)
    council_plan_node = serializers.SlugRelatedField(slug_field="code", read_only=True)
    contributes_to = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Objective
        # CIC objectives are deliberately absent: their words are private to the employee.
        fields = ["id", "plan", "unit", *Objective.EDITABLE_FIELDS, "contributes_to"]


class ObjectiveViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_PLANS
    serializer_class = ObjectiveSerializer
    queryset = Objective.objects.none()

    def get_queryset(self):
        return (
            Objective.objects.restrict(self.request.user, Capability.VIEW_PLANS)
            .select_related("plan__unit", "owner", "council_plan_node")
            .prefetch_related("contributes_to")
            .order_by("id")
        )


class UnitPlanSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    kind = serializers.CharField(source="kind_label", read_only=True)
    objectives = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = UnitPlan
        fields = ["id", "unit", "kind", "year", "title", "summary", "objectives"]


class UnitPlanViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_PLANS
    serializer_class = UnitPlanSerializer
    queryset = UnitPlan.objects.none()

    def get_queryset(self):
        return (
            UnitPlan.objects.restrict(self.request.user, Capability.VIEW_PLANS)
            .select_related("unit")
            .prefetch_related("objectives")
            .order_by("-year", "unit__path")
        )


# --- KPIs, periods and returns -----------------------------------------------------------------


class KpiVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = KpiVersion
        fields = ["number", "effective_from", *KpiVersion.DEFINITION_FIELDS, "change_reason"]


class TargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Target
        fields = ["for_date", "value", "is_year_to_date", "note"]


class KpiSerializer(serializers.ModelSerializer):
    owning_service = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.CharField(source="owner.display_name", read_only=True)
    council_plan_nodes = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    versions = KpiVersionSerializer(many=True, read_only=True)
    targets = TargetSerializer(many=True, read_only=True)

    class Meta:
        model = Kpi
        fields = [
            "code",
            "title",
            "definition",
            "why_it_matters",
            "source_system",
            "owning_service",
            "owner",
            "portfolio",
            "benchmark_source",
            "is_statutory",
            "is_council_plan_measure",
            "council_plan_nodes",
            "frequency",
            "data_period_type",
            "decimal_places",
            "tolerance_type",
            "tolerance_amount",
            "end_of_plan_target",
            "end_of_plan_target_date",
            "versions",
            "targets",
        ]


class KpiViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_KPIS
    serializer_class = KpiSerializer
    lookup_field = "code"
    queryset = Kpi.objects.none()

    def get_queryset(self):
        return (
            Kpi.objects.restrict(self.request.user, Capability.VIEW_KPIS)
            .select_related("owning_service", "owner")
            .prefetch_related("council_plan_nodes", "versions", "targets")
            .order_by("code")
        )


class ReportingPeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportingPeriod
        fields = [
            "id",
            "label",
            "year",
            "quarter",
            "state",
            "opens_on",
            "return_deadline",
            "review_deadline",
            "publish_on",
        ]


class ReportingPeriodViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_KPIS
    serializer_class = ReportingPeriodSerializer
    queryset = ReportingPeriod.objects.order_by("-year", "-quarter")


class MonthlyFigureSerializer(serializers.ModelSerializer):
    class Meta:
        model = MonthlyFigure
        fields = ["month", "value", "numerator", "denominator"]


class BreakdownValueSerializer(serializers.ModelSerializer):
    breakdown = serializers.CharField(source="breakdown.name", read_only=True)

    class Meta:
        model = BreakdownValue
        fields = ["breakdown", "category", "value"]


class KpiReturnSerializer(serializers.ModelSerializer):
    kpi = serializers.SlugRelatedField(slug_field="code", read_only=True)
    months = MonthlyFigureSerializer(many=True, read_only=True)
    breakdown_values = BreakdownValueSerializer(many=True, read_only=True)
    period = serializers.CharField(source="period.label", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    target = serializers.SerializerMethodField()
    rag = serializers.SerializerMethodField()
    direction = serializers.SerializerMethodField()
    direction_last_year = serializers.SerializerMethodField()

    class Meta:
        model = KpiReturn
        fields = [
            "id",
            "kpi",
            "period",
            "version",
            "data_period_label",
            "data_period_start",
            "data_period_end",
            "value",
            "numerator",
            "denominator",
            "state",
            "commentary",
            "actions",
            "data_quality_note",
            "target",
            "rag",
            "direction",
            "direction_last_year",
            "months",
            "breakdown_values",
        ]

    def _result(self, kpi_return):
        return self.context.get("results", {}).get(kpi_return.pk)

    def get_target(self, kpi_return) -> str | None:
        result = self._result(kpi_return)
        return None if result is None or result.target is None else str(result.target)

    def get_rag(self, kpi_return) -> str | None:
        result = self._result(kpi_return)
        return result.rag.value if result else None

    def get_direction(self, kpi_return) -> str | None:
        result = self._result(kpi_return)
        return result.direction.value if result else None

    def get_direction_last_year(self, kpi_return) -> str | None:
        result = self._result(kpi_return)
        return result.direction_last_year.value if result else None


class KpiReturnViewSet(viewsets.ReadOnlyModelViewSet):
    """Returns the caller may see, each with its RAG and direction of travel (computed by the
    same functions as the pages)."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_KPIS
    serializer_class = KpiReturnSerializer
    queryset = KpiReturn.objects.none()

    def get_queryset(self):
        queryset = (
            KpiReturn.objects.restrict(self.request.user, Capability.VIEW_RETURNS)
            .select_related("kpi", "period", "version")
            .prefetch_related(
                "months", Prefetch("breakdown_values", queryset=BreakdownValue.objects.select_related("breakdown"))
            )
            .order_by("-data_period_end", "kpi__code")
        )
        period = self.request.query_params.get("period")
        return queryset.filter(period_id=period) if period and period.isdigit() else queryset

    def get_serializer(self, *args, **kwargs):
        instances = args[0] if args else None
        if instances is not None:
            many = list(instances) if kwargs.get("many") else [instances]
            kwargs.setdefault("context", self.get_serializer_context())
            readable = KpiReturn.objects.restrict(self.request.user, Capability.VIEW_RETURNS)
            kwargs["context"]["results"] = results_for(many, among=readable)
        return super().get_serializer(*args, **kwargs)


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


class SnapshotViewSet(viewsets.ReadOnlyModelViewSet):
    """Quarterly reports as frozen: drafts for CMT, Cabinet and performance admins; published
    ones for everyone, scrutiny members included. Each PDF with its checksum and link."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_PUBLISHED_REPORTS
    serializer_class = SnapshotSerializer
    queryset = Snapshot.objects.none()

    def get_queryset(self):
        return (
            Snapshot.objects.restrict(self.request.user, Capability.VIEW_PUBLISHED_REPORTS)
            .select_related("period")
            .prefetch_related(Prefetch("files", queryset=ReportFile.objects.defer("pdf").order_by("kind", "key")))
        )
