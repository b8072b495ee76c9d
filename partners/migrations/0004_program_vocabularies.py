from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("partners", "0003_standing_history")]

    operations = []
