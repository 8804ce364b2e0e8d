# Citizen notices go ahead of staff mail (issue 15, "Priority").

from django.db import migrations, models


def citizen_rows_first(apps, schema_editor):
    # Rows addressed to an address rather than a staff user are the citizen's (acknowledgement,
    # reply, transfer …); only undelivered ones matter for ordering.
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.filter(recipient_user__isnull=True, status__in=["pending", "sending"]).update(priority=0)


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0005_contacttask'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='notification',
            name='notif_due_outbox',
        ),
        migrations.AddField(
            model_name='notification',
            name='priority',
            field=models.PositiveSmallIntegerField(choices=[(0, '市民通知 / Citizen notice'), (1, '內部通知 / Staff message')], default=1),
        ),
        migrations.RunPython(citizen_rows_first, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(condition=models.Q(('status__in', ['pending', 'sending'])), fields=['priority', 'next_attempt_at'], name='notif_due_outbox_priority'),
        ),
    ]
