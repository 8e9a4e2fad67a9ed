"""Source records' raw fields stored as JSON text (PostgreSQL's ``json``), not ``jsonb``: they are shown and
exported, never searched into, and an import no longer pays for converting them (about 3 s of the server's
time for 100,000 source records). Changing the type drops the column's compression, so lz4 is set again
where the server has it (as 0010 set it)."""

from django.db import migrations, transaction

import reviews.models


def _compression(method: str):
    def change(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        try:
            with transaction.atomic():  # a server built without lz4 keeps its default
                schema_editor.execute(
                    f"ALTER TABLE reviews_sourcerecord ALTER COLUMN raw SET COMPRESSION {method}", params=None
                )
        except Exception:  # noqa: BLE001
            pass

    return change


class Migration(migrations.Migration):
    dependencies = [("reviews", "0011_source_record_dedup_state")]

    operations = [
        migrations.AlterField(
            model_name="sourcerecord",
            name="raw",
            field=reviews.models.StoredJSONField(blank=True, default=dict),
        ),
        migrations.RunPython(_compression("lz4"), _compression("pglz")),
    ]
