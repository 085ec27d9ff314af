"""The read-only API's base (the capability check) and its resources for people and the
organisation. Each app keeps its own serializers and viewsets; ``pmf.urls`` routes them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.response import Response

from accounts.models import OrgUnit, RoleAssignment
from accounts.policy import Capability, has_capability, role_assignments


class HasCapability(permissions.IsAuthenticated):
    """The API's version of ``accounts.decorators.requires``: the view names its capability."""

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
