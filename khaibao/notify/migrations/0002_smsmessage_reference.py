"""A stored, random idempotency key instead of one derived from the primary key.

Rows that already exist keep the key they may already have been sent with.
"""

from django.db import migrations, models
from django.db.models.functions import Cast, Concat

import khaibao.notify.models


def keep_existing_references(apps, schema_editor):
    SmsMessage = apps.get_model("notify", "SmsMessage")
    SmsMessage.objects.update(
        reference=Concat(models.Value("khaibao-sms-"), Cast("id", models.CharField()))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="smsmessage",
            name="reference",
            field=models.CharField(
                default=khaibao.notify.models.new_sms_reference,
                editable=False,
                max_length=64,
                verbose_name="mã tham chiếu",
            ),
        ),
        migrations.RunPython(keep_existing_references, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="smsmessage",
            name="reference",
            field=models.CharField(
                default=khaibao.notify.models.new_sms_reference,
                editable=False,
                max_length=64,
                unique=True,
                verbose_name="mã tham chiếu",
            ),
        ),
    ]
