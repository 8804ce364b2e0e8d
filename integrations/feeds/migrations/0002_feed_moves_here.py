"""`Feed` moves from `casesys.inbound` into this app without touching its table.

The model keeps `db_table = "inbound_feed"`, so the move is a change of Django's model
state only (`SeparateDatabaseAndState`): no row is copied and no table is dropped. The core
no longer names feeds, so `Lead.feed` goes (inbound 0003); before it does, every lead that
pointed at a feed is linked from a `FeedEntry` instead, which is where this app already
records the lead each entry became. Backwards, `Lead.feed` is filled again from the entries.

`run_before` puts this migration ahead of inbound 0003 without the core naming this app.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def link_leads_from_entries(apps, schema_editor):
    Lead = apps.get_model("inbound", "Lead")
    FeedEntry = apps.get_model("integrations_feeds", "FeedEntry")
    linked = set(FeedEntry.objects.filter(lead__isnull=False).values_list("lead_id", flat=True))
    for lead in Lead.objects.filter(feed__isnull=False).exclude(pk__in=linked).iterator():
        # Feed leads are recorded with external_id "<feed id>:<entry key>"; an older or
        # hand-made lead without that shape gets a key of its own.
        prefix, _, key = lead.external_id.partition(":")
        if prefix != str(lead.feed_id) or not key or len(key) > 64:
            key = f"lead:{lead.pk}"
        entry, created = FeedEntry.objects.get_or_create(
            feed_id=lead.feed_id,
            key=key,
            defaults={
                "title": lead.title[:300],
                "link": lead.url,
                "published_at": lead.occurred_at,
                "first_seen_at": lead.created_at,
                "lead_id": lead.pk,
            },
        )
        if not created and entry.lead_id is None:
            entry.lead_id = lead.pk
            entry.save(update_fields=["lead"])


def fill_lead_feed_from_entries(apps, schema_editor):
    Lead = apps.get_model("inbound", "Lead")
    FeedEntry = apps.get_model("integrations_feeds", "FeedEntry")
    for lead_id, feed_id in FeedEntry.objects.filter(lead__isnull=False).values_list("lead_id", "feed_id").iterator():
        Lead.objects.filter(pk=lead_id, feed__isnull=True).update(feed_id=feed_id)


class Migration(migrations.Migration):

    dependencies = [
        ("integrations_feeds", "0001_initial"),
        ("inbound", "0002_inboundevent_meta"),
        ("org", "0001_initial"),
    ]

    run_before = [
        ("inbound", "0003_feed_moves_to_integrations_feeds"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Feed",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=200)),
                        ("url", models.URLField(max_length=500, unique=True)),
                        ("interval_minutes", models.PositiveIntegerField(default=30)),
                        ("active", models.BooleanField(default=True)),
                        ("etag", models.CharField(blank=True, max_length=200)),
                        ("last_modified", models.CharField(blank=True, max_length=100)),
                        ("next_poll_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("last_polled_at", models.DateTimeField(blank=True, null=True)),
                        ("last_status", models.CharField(blank=True, max_length=20)),
                        ("last_error", models.TextField(blank=True)),
                        ("failures", models.PositiveIntegerField(default=0)),
                        (
                            "department",
                            models.ForeignKey(
                                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to="org.department"
                            ),
                        ),
                        (
                            "keyword_rule",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                to="inbound.keywordrule",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "inbound_feed",
                        "ordering": ["name"],
                    },
                ),
                migrations.AlterField(
                    model_name="feedentry",
                    name="feed",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="entries",
                        to="integrations_feeds.feed",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(link_leads_from_entries, fill_lead_feed_from_entries),
    ]
