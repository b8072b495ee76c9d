from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("commissions", "0003_list_order_indexes")]

    operations = []
