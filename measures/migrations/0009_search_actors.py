"""Search finds activities by who carries them out: the actors' codes and names (Wie) join the
stored search document (PostgreSQL only, like migration 0004).

``actor_words`` holds the codes and names of an activity's actors. Triggers keep it up to
date whenever a link or an actor changes, by any route (admin, import, ``bulk_create``,
``loaddata``), and the generated ``search_document`` adds it with weight C, below the title
(A) and the explanation (B). PostgreSQL 15 cannot change a generated column's expression, so
the column and its GIN index are made again.
"""

from django.db import migrations

DOCUMENT = """
ALTER TABLE measures_activity ADD COLUMN search_document tsvector
GENERATED ALWAYS AS (
    setweight(to_tsvector('dutch'::regconfig, COALESCE(title, '')), 'A')
    || setweight(to_tsvector('dutch'::regconfig, COALESCE(explanation, '')), 'B'){actors}
) STORED
"""
ACTORS = """
    || setweight(to_tsvector('dutch'::regconfig, COALESCE(actor_words, '')), 'C')"""
ADD_INDEX = "CREATE INDEX activity_search_gin ON measures_activity USING gin (search_document)"
DROP_INDEX = "DROP INDEX IF EXISTS activity_search_gin"
DROP_DOCUMENT = "ALTER TABLE measures_activity DROP COLUMN IF EXISTS search_document"

FORWARD = [
    "ALTER TABLE measures_activity ADD COLUMN IF NOT EXISTS actor_words text NOT NULL DEFAULT ''",
    """
CREATE OR REPLACE FUNCTION measures_activity_actor_words(activity bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(string_agg(actor.code || ' ' || actor.name, ' ' ORDER BY link.position), '')
    FROM measures_activityactor link JOIN measures_actor actor ON actor.id = link.actor_id
    WHERE link.activity_id = activity
$$
""",
    """
CREATE OR REPLACE FUNCTION measures_link_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE measures_activity SET actor_words = measures_activity_actor_words(OLD.activity_id)
        WHERE id = OLD.activity_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE measures_activity SET actor_words = measures_activity_actor_words(NEW.activity_id)
        WHERE id = NEW.activity_id;
    END IF;
    RETURN NULL;
END
$$
""",
    """
CREATE OR REPLACE FUNCTION measures_actor_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE measures_activity SET actor_words = measures_activity_actor_words(id)
    WHERE id IN (SELECT activity_id FROM measures_activityactor WHERE actor_id = NEW.id);
    RETURN NULL;
END
$$
""",
    """
CREATE TRIGGER measures_activityactor_actor_words
AFTER INSERT OR UPDATE OR DELETE ON measures_activityactor
FOR EACH ROW EXECUTE FUNCTION measures_link_changed()
""",
    """
CREATE TRIGGER measures_actor_actor_words
AFTER UPDATE OF code, name ON measures_actor
FOR EACH ROW EXECUTE FUNCTION measures_actor_renamed()
""",
    "UPDATE measures_activity SET actor_words = measures_activity_actor_words(id)",
    DROP_INDEX,
    DROP_DOCUMENT,
    DOCUMENT.format(actors=ACTORS),
    ADD_INDEX,
]

BACKWARD = [
    DROP_INDEX,
    DROP_DOCUMENT,
    DOCUMENT.format(actors=""),
    ADD_INDEX,
    "DROP TRIGGER IF EXISTS measures_actor_actor_words ON measures_actor",
    "DROP TRIGGER IF EXISTS measures_activityactor_actor_words ON measures_activityactor",
    "DROP FUNCTION IF EXISTS measures_actor_renamed()",
    "DROP FUNCTION IF EXISTS measures_link_changed()",
    "DROP FUNCTION IF EXISTS measures_activity_actor_words(bigint)",
    "ALTER TABLE measures_activity DROP COLUMN IF EXISTS actor_words",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0008_activity_confirmed_at"),
    ]

    operations = [
        migrations.RunPython(run(FORWARD), run(BACKWARD), elidable=False),
    ]
