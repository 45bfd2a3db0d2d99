from django.db import migrations, models
from django.db.models import F


def mark_existing_comments_notified(apps, schema_editor):
    # Their emails went out when they were posted; the pending sweep must not send them again.
    apps.get_model("summaries", "Comment").objects.update(notified_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("summaries", "0007_view_counts_of_their_own"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="notified_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(mark_existing_comments_notified, migrations.RunPython.noop),
    ]
