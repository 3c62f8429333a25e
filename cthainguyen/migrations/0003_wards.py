from django.db import migrations


def load(apps, schema_editor):
    from cthainguyen.reference import load_wards

    load_wards(apps.get_model("cthainguyen", "Ward"))


class Migration(migrations.Migration):
    dependencies = [("cthainguyen", "0002_roles")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
