"""Benchmarking against other councils: the councils, the groups the council compares itself
with, and each council's published value of an outside indicator for a data period.

A KPI is compared through a ``BenchmarkIndicator``: the code another body publishes a measure
under (Oflog "ASC5", DfE LAIT "ReReferral", Fingertips 92443), mapped to the KPI it matches.
Values are stored for every council in the published file, so ranks and averages can be worked
out for any group; the council's own figure in the comparison is the published one, so every
council is compared on the same definition and the same data period. England and regional
averages stay as ``Benchmark`` rows (one comparator value per KPI and period).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class CouncilKind(models.TextChoices):
    """The type of authority, as the mySociety local authority lookup names it."""

    LONDON_BOROUGH = "LBO", "London borough"
    METROPOLITAN_DISTRICT = "MD", "Metropolitan district"
    UNITARY = "UA", "Unitary authority"
    COUNTY = "CTY", "County council"
    DISTRICT = "NMD", "Non-metropolitan district"
    OTHER = "other", "Other"


class Council(models.Model):
    """A local authority other councils' figures are compared with, by its ONS GSS code.
    ``is_this_council`` marks the council running this application (one at most)."""

    gss_code = models.CharField(max_length=9, unique=True)
    name = models.CharField(max_length=200)
    region = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=8, choices=CouncilKind.choices, default=CouncilKind.OTHER)
    former_gss_codes = models.CharField(
        max_length=300, blank=True, help_text="Older GSS codes, comma separated: published files may still use them."
    )
    is_this_council = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_this_council"], condition=Q(is_this_council=True), name="one_own_council"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.gss_code})"


class GroupKind(models.TextChoices):
    NEAREST_NEIGHBOURS = "nearest_neighbours", "Nearest neighbours (CIPFA, as used by Oflog)"
    STATISTICAL_NEIGHBOURS = "statistical_neighbours", "Statistical neighbours (DfE)"
    REGION = "region", "Region"
    ENGLAND = "england", "England"
    COUNCIL_DEFINED = "council_defined", "Defined by the council"


#: How the groups are named in a sentence ("3rd of 16 among nearest neighbours").
GROUP_WORDS = {
    GroupKind.NEAREST_NEIGHBOURS: "nearest neighbours",
    GroupKind.STATISTICAL_NEIGHBOURS: "statistical neighbours",
    GroupKind.REGION: "councils in the region",
    GroupKind.ENGLAND: "English councils",
    GroupKind.COUNCIL_DEFINED: "comparator councils",
}


class ComparatorGroup(models.Model):
    """The councils one council compares itself with, of one kind: its 15 CIPFA nearest
    neighbours, its 10 DfE statistical neighbours, its region, or a group it chose. The members
    do not include the council itself; its rank is worked out among itself and its members."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="comparator_groups")
    kind = models.CharField(max_length=24, choices=GroupKind.choices)
    name = models.CharField(max_length=120, blank=True, help_text="For a group the council defines.")
    source = models.CharField(max_length=300, blank=True)
    members = models.ManyToManyField(Council, related_name="member_of")

    class Meta:
        ordering = ["council_id", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["council", "kind", "name"], name="one_group_per_kind_and_name")]

    def __str__(self) -> str:
        return f"{self.council.name}: {self.name or self.get_kind_display()}"


class BenchmarkSource(models.TextChoices):
    OFLOG = "oflog", "Oflog"
    DFE_LAIT = "dfe_lait", "DfE LAIT"
    FINGERTIPS = "fingertips", "OHID Fingertips"
    LG_INFORM = "lg_inform", "LG Inform"


class BenchmarkIndicator(models.Model):
    """A measure another body publishes for every council, mapped to the KPI it matches, and
    the group the KPI is compared within (Oflog's measures with CIPFA nearest neighbours,
    children's services with DfE statistical neighbours)."""

    source = models.CharField(max_length=16, choices=BenchmarkSource.choices)
    code = models.CharField(
        max_length=300, help_text="The code (or, for Fingertips, the name) the source publishes it under."
    )
    title = models.CharField(max_length=300, blank=True)
    kpi = models.ForeignKey(
        "kpis.Kpi", on_delete=models.CASCADE, null=True, blank=True, related_name="benchmark_indicators"
    )
    group_kind = models.CharField(max_length=24, choices=GroupKind.choices, default=GroupKind.NEAREST_NEIGHBOURS)

    class Meta:
        ordering = ["source", "code"]
        constraints = [
            models.UniqueConstraint(fields=["source", "code"], name="one_indicator_per_source_code"),
            models.UniqueConstraint(fields=["kpi"], name="one_indicator_per_kpi"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.code}"


class BenchmarkValue(models.Model):
    """One council's published value of an indicator for a data period. The period is named
    and ended as the mapped KPI names its own periods, so it lines up with the KPI's figures."""

    indicator = models.ForeignKey(BenchmarkIndicator, on_delete=models.CASCADE, related_name="values")
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="benchmark_values")
    period_end = models.DateField()
    data_period_label = models.CharField(max_length=60)
    value = models.DecimalField(max_digits=18, decimal_places=4)

    class Meta:
        ordering = ["indicator_id", "period_end", "council_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "council", "period_end"], name="one_benchmark_value_per_council_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.council.gss_code} {self.data_period_label}"
