from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="procedure",
            name="name_words",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="procedure",
            name="search_words",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="procedure",
            name="agency_words",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddIndex(
            model_name="procedure",
            index=models.Index(fields=["-popularity", "code"], name="catalog_procedure_popular"),
        ),
        # The in-force test of search reads only this index once it holds effective_to too.
        migrations.RemoveIndex(model_name="procedureversion", name="catalog_version_in_force"),
        migrations.AddIndex(
            model_name="procedureversion",
            index=models.Index(
                fields=["procedure", "status", "effective_from", "effective_to"], name="catalog_version_in_force"
            ),
        ),
    ]
