"""A published report's files are the ones its frozen content lists, each stored once.

Migration 0002 left INSERT open, because the worker renders a published snapshot's PDFs after
it is saved; so anything could add a file to a published report. Now PostgreSQL lets a file
into a published snapshot only if the content names it (a priority's code, or the pack) and
the snapshot does not have it yet: once the worker has stored them all, nothing can be added.
A repeated file is refused as a unique violation, like the unique key it anticipates, so two
workers racing for the same file still see the error they expect.

And a snapshot is published when it is created: a draft cannot be changed into the published
report (with whatever files it was given).
"""

from django.db import migrations

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

CREATE TRIGGER reporting_file_fixed
    BEFORE INSERT ON reporting_reportfile
    FOR EACH ROW EXECUTE FUNCTION reporting_file_refuse_addition();
"""

DROP_FILES = """
DROP TRIGGER IF EXISTS reporting_file_fixed ON reporting_reportfile;
DROP FUNCTION IF EXISTS reporting_file_refuse_addition();
"""

SNAPSHOT = """
CREATE OR REPLACE FUNCTION reporting_snapshot_refuse_change() RETURNS trigger AS $$
BEGIN
    IF OLD.kind = 'published' THEN
        RAISE EXCEPTION 'A published snapshot is frozen: % on reporting_snapshot is not allowed', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.kind = 'published' THEN
        RAISE EXCEPTION 'A snapshot is published when it is created: a draft cannot become the published report'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

SNAPSHOT_BEFORE = """
CREATE OR REPLACE FUNCTION reporting_snapshot_refuse_change() RETURNS trigger AS $$
BEGIN
    IF OLD.kind = 'published' THEN
        RAISE EXCEPTION 'A published snapshot is frozen: % on reporting_snapshot is not allowed', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("reporting", "0003_cycle")]

    operations = [migrations.RunSQL(FILES, DROP_FILES), migrations.RunSQL(SNAPSHOT, SNAPSHOT_BEFORE)]
