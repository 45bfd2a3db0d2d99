"""View counts leave the wide summary row for a narrow table of their own, counted once per reader per day;
public summaries get a small partial index, so counting them (the feed's pages) never reads the wide rows."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_view_counts(apps, schema_editor):
    Summary = apps.get_model("summaries", "Summary")
    SummaryViewCount = apps.get_model("summaries", "SummaryViewCount")
    counted = Summary.objects.filter(view_count__gt=0).values_list("pk", "view_count").iterator(chunk_size=5000)
    batch = []
    for pk, count in counted:
        batch.append(SummaryViewCount(summary_id=pk, count=count))
        if len(batch) == 5000:
            SummaryViewCount.objects.bulk_create(batch)
            batch = []
    SummaryViewCount.objects.bulk_create(batch)


def restore_view_counts(apps, schema_editor):
    Summary = apps.get_model("summaries", "Summary")
    for row in apps.get_model("summaries", "SummaryViewCount").objects.iterator(chunk_size=5000):
        Summary.objects.filter(pk=row.summary_id).update(view_count=row.count)


class Migration(migrations.Migration):

    dependencies = [
        ('papers', '0006_search_words_once'),
        ('summaries', '0006_comment_rendered_version'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SummaryView',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reader', models.CharField(max_length=40)),
                ('day', models.DateField()),
            ],
        ),
        migrations.CreateModel(
            name='SummaryViewCount',
            fields=[
                ('summary', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='views', serialize=False, to='summaries.summary')),
                ('count', models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(copy_view_counts, restore_view_counts),
        migrations.RemoveField(
            model_name='summary',
            name='view_count',
        ),
        migrations.AddIndex(
            model_name='summary',
            index=models.Index(condition=models.Q(('is_hidden', False), ('is_private', False)), fields=['-created_at', '-id'], name='summary_public_recent'),
        ),
        migrations.AddField(
            model_name='summaryview',
            name='summary',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='summaries.summary'),
        ),
        migrations.AddConstraint(
            model_name='summaryview',
            constraint=models.UniqueConstraint(fields=('summary', 'reader', 'day'), name='one_view_per_reader_per_day'),
        ),
    ]
