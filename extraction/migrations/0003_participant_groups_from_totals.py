"""The fixed totals (HCPs, patients, other participants) become participant groups of the reviews that used
them: a review gets a group for each total a field on its form (not archived) added up, and every field with
that total, archived ones too, counts the group. The overview then says what it said before for these
reviews, and nothing about HCPs or patients for the others. "Other participants" is named "participants"
in a review that counted neither HCPs nor patients, where it was everyone.

Step 2 of 3; 0004 then drops ``total``. Running this again adds nothing."""

from django.db import migrations
from django.db.models import Max

HCP, PATIENTS, PARTICIPANTS = "hcp", "patients", "participants"
ORDER = (HCP, PATIENTS, PARTICIPANTS)


def _group_name(total, used):
    if total == PARTICIPANTS:
        return "other participants" if used & {HCP, PATIENTS} else "participants"
    return {HCP: "HCPs", PATIENTS: "patients"}[total]


def groups_from_totals(apps, schema_editor):
    FormField = apps.get_model("extraction", "FormField")
    ParticipantGroup = apps.get_model("extraction", "ParticipantGroup")
    used_by_review = {}
    active = FormField.objects.filter(is_archived=False, total__in=ORDER, group__isnull=True)
    for review_id, total in active.values_list("review_id", "total").distinct():
        used_by_review.setdefault(review_id, set()).add(total)
    for review_id, used in sorted(used_by_review.items()):
        groups = ParticipantGroup.objects.filter(review_id=review_id)
        position = groups.aggregate(top=Max("position"))["top"] or 0
        for total in (each for each in ORDER if each in used):
            name = _group_name(total, used)
            group = groups.filter(name__iexact=name).first()
            if group is None:
                position += 1
                group = ParticipantGroup.objects.create(review_id=review_id, name=name, position=position)
            FormField.objects.filter(review_id=review_id, total=total, group__isnull=True).update(group=group)


class Migration(migrations.Migration):
    dependencies = [
        ("extraction", "0002_participant_groups"),
    ]

    operations = [
        migrations.RunPython(groups_from_totals, migrations.RunPython.noop),
    ]
