from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("deals", "0005_registration_recent")]

    operations = []
