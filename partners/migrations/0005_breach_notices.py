from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("partners", "0004_program_vocabularies")]

    operations = []
