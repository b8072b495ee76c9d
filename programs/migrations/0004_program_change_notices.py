from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("programs", "0003_vocabularies")]

    operations = []
