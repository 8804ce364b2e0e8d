from django.db import migrations


def forwards(apps, schema_editor):
    from casesys.reminders.defaults import ensure_default_rules

    ensure_default_rules(apps.get_model("reminders", "EscalationRule"))


class Migration(migrations.Migration):
    dependencies = [("reminders", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
