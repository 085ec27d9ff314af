from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kpis", "0007_data_quality_attestation"),
        ("planning", "0003_risk_register"),
    ]

    operations = [
        migrations.AddField(
            model_name="kpi",
            name="risks",
            field=models.ManyToManyField(blank=True, related_name="kpis", to="planning.risk"),
        ),
    ]
