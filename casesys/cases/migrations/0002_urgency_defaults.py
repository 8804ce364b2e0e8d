from django.db import migrations


def forwards(apps, schema_editor):
    from casesys.cases.defaults import ensure_urgencies

    ensure_urgencies(apps.get_model("cases", "Urgency"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
