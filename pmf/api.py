"""The read-only API: every resource reads through the same ``visible_to(user)`` as the pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.response import Response

from accounts.models import OrgUnit, RoleAssignment
from accounts.policy import Capability, has_capability, role_assignments
from planning.models import CouncilPlan, Objective, PlanNode, UnitPlan


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
        return OrgUnit.objects.visible_to(self.request.user).select_related("parent", "head")


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
        return CouncilPlan.objects.visible_to(self.request.user).prefetch_related("nodes__parent")


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
            Objective.objects.visible_to(self.request.user)
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
            UnitPlan.objects.visible_to(self.request.user)
            .select_related("unit")
            .prefetch_related("objectives")
            .order_by("-year", "unit__path")
        )
