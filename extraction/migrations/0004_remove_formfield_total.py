# Participant groups, step 3 of 3: the fixed totals, now groups (0003), go.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("extraction", "0003_participant_groups_from_totals"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="formfield",
            name="total",
        ),
    ]
