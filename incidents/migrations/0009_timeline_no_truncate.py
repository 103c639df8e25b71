"""The timeline refuses TRUNCATE too (issue 14): a BEFORE TRUNCATE statement trigger, which fires for the table's
owner and for superusers as well. Emptying the audit log takes two deliberate steps: the session setting
`dispatch.allow_timeline_truncate = on` and being (a member of) the table's owner — the test suite's teardown
between transactional tests sets it (dispatch/settings/test.py); the application's runtime role is neither the
owner nor granted TRUNCATE (manage.py db_roles), so it cannot empty the timeline whatever it sets."""
from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION incidents_timeline_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('dispatch.allow_timeline_truncate', true) = 'on'
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'incidents_timelineevent is append-only (TRUNCATE refused)'
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER incidents_timeline_no_truncate
    BEFORE TRUNCATE ON incidents_timelineevent
    FOR EACH STATEMENT EXECUTE FUNCTION incidents_timeline_no_truncate();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS incidents_timeline_no_truncate ON incidents_timelineevent;
DROP FUNCTION IF EXISTS incidents_timeline_no_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("incidents", "0008_verbose_names_id")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
