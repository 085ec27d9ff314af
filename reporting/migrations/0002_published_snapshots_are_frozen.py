"""Published snapshots and their PDFs never change, whatever the application does.

UPDATE or DELETE of a published snapshot, and UPDATE of any report file or DELETE of one
belonging to a published snapshot, raise an error in PostgreSQL itself. Files can still be
added to a published snapshot: its PDFs are rendered from it after it is saved.
"""

from django.db import migrations

CREATE = """
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

CREATE TRIGGER reporting_snapshot_frozen
    BEFORE UPDATE OR DELETE ON reporting_snapshot
    FOR EACH ROW EXECUTE FUNCTION reporting_snapshot_refuse_change();

CREATE OR REPLACE FUNCTION reporting_file_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'A report file is never changed: UPDATE on reporting_reportfile is not allowed'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF EXISTS (SELECT 1 FROM reporting_snapshot WHERE id = OLD.snapshot_id AND kind = 'published') THEN
        RAISE EXCEPTION 'A published report file is frozen: DELETE on reporting_reportfile is not allowed'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER reporting_file_frozen
    BEFORE UPDATE OR DELETE ON reporting_reportfile
    FOR EACH ROW EXECUTE FUNCTION reporting_file_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS reporting_file_frozen ON reporting_reportfile;
DROP FUNCTION IF EXISTS reporting_file_refuse_change();
DROP TRIGGER IF EXISTS reporting_snapshot_frozen ON reporting_snapshot;
DROP FUNCTION IF EXISTS reporting_snapshot_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
