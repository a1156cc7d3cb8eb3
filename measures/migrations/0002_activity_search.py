"""A GIN index for the public full-text search, on PostgreSQL only.

The index is on an expression (no extra column), so the models and SQLite stay unchanged and
``makemigrations`` sees nothing. The expression is exactly what
``measures.models.activity_search_vector()`` compiles to; if one changes, change the other.
"""

from django.db import migrations

INDEX_NAME = "activity_search_gin"

CREATE_INDEX = f"""
CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON measures_activity USING gin ((
    setweight(to_tsvector('dutch'::regconfig, COALESCE("title", '')), 'A')
    || setweight(to_tsvector('dutch'::regconfig, COALESCE("explanation", '')), 'B')
))
"""

DROP_INDEX = f"DROP INDEX IF EXISTS {INDEX_NAME}"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
