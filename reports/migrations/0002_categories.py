from django.db import migrations


def create(apps, schema_editor):
    from cthainguyen.models import collation_key
    from cthainguyen.reference import AGENCIES, CATEGORIES

    Agency = apps.get_model("cthainguyen", "Agency")
    Category = apps.get_model("reports", "Category")
    by_short_name = {}
    for name, short_name in AGENCIES:
        agency, _ = Agency.objects.get_or_create(
            name=name, defaults={"short_name": short_name, "sort_key": collation_key(name)}
        )
        by_short_name[short_name] = agency
    for position, (slug, name, agency, days) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "default_agency": by_short_name[agency],
                "due_working_days": days,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial"), ("cthainguyen", "0003_wards")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
