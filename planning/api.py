"""The read-only API for Council Plans, plans, objectives and the risk registers (CIC objectives
are not in it)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets

from accounts.api import HasCapability
from accounts.policy import Capability
from planning.models import CouncilPlan, Objective, PlanNode, Risk, RiskAction, UnitPlan


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


class RiskActionSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.display_name", read_only=True)

    class Meta:
        model = RiskAction
        fields = ["description", "owner", "due_date", "completed_on"]


class RiskSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    register = serializers.CharField(source="unit.code", read_only=True)
    level = serializers.CharField(source="level.value", read_only=True, allow_null=True)
    owner = serializers.CharField(source="owner.display_name", read_only=True, allow_null=True)
    inherent_score = serializers.IntegerField(read_only=True)
    current_score = serializers.IntegerField(read_only=True)
    target_score = serializers.IntegerField(read_only=True)
    current_text = serializers.CharField(read_only=True)
    objectives = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    kpis = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    actions = RiskActionSerializer(many=True, read_only=True)

    class Meta:
        model = Risk
        fields = [
            "id",
            "reference",
            "register",
            "level",
            *Risk.EDITABLE_FIELDS,
            "last_reviewed_on",
            "inherent_score",
            "current_score",
            "target_score",
            "current_text",
            "objectives",
            "kpis",
            "actions",
        ]


class RiskViewSet(viewsets.ReadOnlyModelViewSet):
    """The risk registers, scoped as the pages are (``view_risks``)."""

    permission_classes = [HasCapability]
    required_capability = Capability.VIEW_RISKS
    serializer_class = RiskSerializer
    queryset = Risk.objects.none()

    def get_queryset(self):
        return (
            Risk.objects.restrict(self.request.user, Capability.VIEW_RISKS)
            .select_related("unit", "owner")
            .prefetch_related("objectives", "kpis", "actions__owner")
            .order_by("id")
        )
