"""Full-text search on PostgreSQL: a stored search document and its GIN index.

``search_document`` is a generated column (title with weight A, explanation with weight B,
Dutch stemming), kept up to date by PostgreSQL itself. Storing it makes ranking cheap: ranking
needs the document of every match, which an expression index alone would have to recompute.

It exists on PostgreSQL only and is not a model field, so SQLite and ``makemigrations`` never
see it; ``measures.models.SearchDocument`` refers to it in queries.
"""

from django.db import migrations

ADD_DOCUMENT = """
ALTER TABLE measures_activity ADD COLUMN IF NOT EXISTS search_document tsvector
GENERATED ALWAYS AS (
    setweight(to_tsvector('dutch'::regconfig, COALESCE(title, '')), 'A')
    || setweight(to_tsvector('dutch'::regconfig, COALESCE(explanation, '')), 'B')
) STORED
"""
ADD_INDEX = """
CREATE INDEX IF NOT EXISTS activity_search_gin ON measures_activity USING gin (search_document)
"""
DROP_INDEX = "DROP INDEX IF EXISTS activity_search_gin"
DROP_DOCUMENT = "ALTER TABLE measures_activity DROP COLUMN IF EXISTS search_document"


def add_search(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD_DOCUMENT)
        schema_editor.execute(ADD_INDEX)


def remove_search(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_INDEX)
        schema_editor.execute(DROP_DOCUMENT)


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0003_editor_roles"),
    ]

    operations = [
        migrations.RunPython(add_search, remove_search, elidable=False),
    ]
