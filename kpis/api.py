"""The read-only API for the data dictionary, periods and returns; each return carries its
RAG and direction of travel from the same functions as the pages."""

from __future__ import annotations

from django.db.models import Prefetch
from rest_framework import serializers, viewsets

from accounts.api import HasCapability
from accounts.policy import Capability
from core.numbers import record_id
from kpis.figures import judged_figures
from kpis.models import BreakdownValue, Kpi, KpiReturn, KpiVersion, MonthlyFigure, ReportingPeriod, Target


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

    #: What a reader who reaches a return only as a published figure does not get: breakdown
    #: cells (small counts are suppressed in anything published, which the equalities work
    #: will do properly) and the internal data quality note.
    LIVE_ONLY = ("breakdown_values", "data_quality_note")

    def to_representation(self, kpi_return):
        data = super().to_representation(kpi_return)
        if not self._reads_live(kpi_return):
            for name in self.LIVE_ONLY:
                data.pop(name, None)
        return data

    def _reads_live(self, kpi_return) -> bool:
        return kpi_return.pk in self.context.get("live", ())

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
        period = record_id(self.request.query_params.get("period"))
        return queryset if period is None else queryset.filter(period_id=period)

    def get_serializer(self, *args, **kwargs):
        instances = args[0] if args else None
        if instances is not None:
            many = list(instances) if kwargs.get("many") else [instances]
            kwargs.setdefault("context", self.get_serializer_context())
            user = self.request.user
            readable = KpiReturn.objects.restrict(user, Capability.VIEW_RETURNS)
            kwargs["context"]["results"] = judged_figures(many, among=readable)
            # Which of these the caller reads live, not only as published figures: the same
            # scope as everywhere (``KpiReturnQuerySet.live_to``); a scope that narrows nothing
            # needs no query.
            live = KpiReturn.objects.live_to(user)
            pks = [r.pk for r in many]
            narrowed = live.query.has_filters() or live.query.is_empty()
            kwargs["context"]["live"] = (
                set(live.filter(pk__in=pks).values_list("pk", flat=True)) if narrowed else set(pks)
            )
        return super().get_serializer(*args, **kwargs)
