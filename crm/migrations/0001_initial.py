from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="DictionaryEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "category",
                    models.CharField(
                        choices=[
                            ("region", "Region"),
                            ("service_type", "Service type"),
                            ("opportunity_source", "Opportunity source"),
                            ("unit", "Unit of measure"),
                        ],
                        max_length=32,
                        verbose_name="category",
                    ),
                ),
                ("label", models.CharField(max_length=64, verbose_name="label")),
                ("label_en", models.CharField(blank=True, max_length=64, verbose_name="English label")),
                ("value", models.SlugField(max_length=64, verbose_name="value")),
                ("sort_order", models.PositiveIntegerField(default=0, verbose_name="sort order")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                ("is_editable", models.BooleanField(default=True, verbose_name="editable")),
            ],
            options={
                "verbose_name": "dictionary entry",
                "verbose_name_plural": "data dictionary",
                "ordering": ["category", "sort_order", "value"],
                "constraints": [
                    models.UniqueConstraint(fields=("category", "value"), name="dictionary_unique_category_value")
                ],
            },
        ),
    ]
