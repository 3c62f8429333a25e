from django.db import migrations

# Search compares folded text with LIKE '%word%'; on PostgreSQL a trigram index makes
# that fast at any size. SQLite has no such index and does without.
FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS report_search_trgm "
    "ON reports_report USING gin (search_text gin_trgm_ops)",
]
BACKWARD = ["DROP INDEX IF EXISTS report_search_trgm"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_categories")]
    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
