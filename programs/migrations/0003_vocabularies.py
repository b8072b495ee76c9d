from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("programs", "0002_published_versions_are_frozen")]

    operations = []
