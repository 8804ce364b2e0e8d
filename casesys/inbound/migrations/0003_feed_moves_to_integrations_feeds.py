"""`Feed` leaves the core for `integrations.feeds` (its migration 0002 takes it over).

The table `inbound_feed` stays where it is (state-only delete here, state-only create
there), so no feed row moves. `Lead.feed` is dropped: the core no longer names feeds, and
integrations_feeds 0002 (which runs first, by its `run_before`) has already recorded every
lead's feed on a `FeedEntry`.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("inbound", "0002_inboundevent_meta"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="lead",
            name="feed",
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Feed")],
            database_operations=[],
        ),
    ]
