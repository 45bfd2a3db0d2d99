"""The public-summaries index leaves out deleted summaries too, so counting the feed reads the index alone."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('papers', '0007_typeset_title_abstract'),
        ('summaries', '0010_summary_excerpt'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='summary',
            name='summary_public_recent',
        ),
        migrations.AddIndex(
            model_name='summary',
            index=models.Index(condition=models.Q(('deleted_at__isnull', True), ('is_hidden', False), ('is_private', False)), fields=['-created_at', '-id'], name='summary_public_recent'),
        ),
    ]
