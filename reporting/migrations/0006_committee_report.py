"""A report's files include the committee report (a Word document), fixed like the PDFs.

The trigger of migration 0004 lets into a published snapshot only the files its frozen
content lists. The committee report is listed by content that holds the summary and the
exceptions it is written from (``reporting.models.planned_files``); a report published before
they existed has none, and nothing can give it one.
"""

from django.db import migrations, models

FILES = """
CREATE OR REPLACE FUNCTION reporting_file_refuse_addition() RETURNS trigger AS $$
DECLARE
    frozen jsonb;
BEGIN
    SELECT s.content INTO frozen FROM reporting_snapshot s WHERE s.id = NEW.snapshot_id AND s.kind = 'published';
    IF NOT FOUND THEN
        RETURN NEW;
    END IF;
    IF NOT (
        (NEW.kind = 'pack' AND NEW.key = 'pack')
        OR (NEW.kind = 'committee' AND NEW.key = 'committee-report' AND frozen ? 'summary' AND frozen ? 'exceptions')
        OR (NEW.kind = 'priority' AND EXISTS (
            SELECT 1 FROM jsonb_array_elements(frozen -> 'priorities') AS priority
            WHERE priority ->> 'code' = NEW.key))
    ) THEN
        RAISE EXCEPTION 'A published report is frozen: it has no ''%'' file (%)', NEW.key, NEW.kind
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF EXISTS (SELECT 1 FROM reporting_reportfile f WHERE f.snapshot_id = NEW.snapshot_id AND f.key = NEW.key) THEN
        RAISE EXCEPTION 'A published report is frozen: it already has its ''%'' file', NEW.key
            USING ERRCODE = 'unique_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

FILES_BEFORE = """
CREATE OR REPLACE FUNCTION reporting_file_refuse_addition() RETURNS trigger AS $$
DECLARE
    frozen jsonb;
BEGIN
    SELECT s.content INTO frozen FROM reporting_snapshot s WHERE s.id = NEW.snapshot_id AND s.kind = 'published';
    IF NOT FOUND THEN
        RETURN NEW;
    END IF;
    IF NOT (
        (NEW.kind = 'pack' AND NEW.key = 'pack')
        OR (NEW.kind = 'priority' AND EXISTS (
            SELECT 1 FROM jsonb_array_elements(frozen -> 'priorities') AS priority
            WHERE priority ->> 'code' = NEW.key))
    ) THEN
        RAISE EXCEPTION 'A published report is frozen: it has no ''%'' file (%)', NEW.key, NEW.kind
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF EXISTS (SELECT 1 FROM reporting_reportfile f WHERE f.snapshot_id = NEW.snapshot_id AND f.key = NEW.key) THEN
        RAISE EXCEPTION 'A published report is frozen: it already has its ''%'' file', NEW.key
            USING ERRCODE = 'unique_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("reporting", "0005_alerts_and_notification_preferences")]

    operations = [
        migrations.AlterField(
            model_name="reportfile",
            name="kind",
            field=models.CharField(
                choices=[("priority", "Priority dashboard"), ("pack", "Whole pack"), ("committee", "Committee report")],
                max_length=10,
            ),
        ),
        migrations.RunSQL(FILES, FILES_BEFORE),
    ]
