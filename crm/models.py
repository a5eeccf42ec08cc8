from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class DictionaryEntry(models.Model):
    """One choice of an editable list (regions, service types, ...), maintained in the admin.

    Other models point at entries with ``on_delete=PROTECT``, so an entry in use can't be deleted.
    Entries the product relies on are marked not editable and can't be changed either.
    """

    class Category(models.TextChoices):
        REGION = "region", _("Region")
        SERVICE_TYPE = "service_type", _("Service type")
        OPPORTUNITY_SOURCE = "opportunity_source", _("Opportunity source")
        UNIT = "unit", _("Unit of measure")

    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    label = models.CharField(_("label"), max_length=64)
    label_en = models.CharField(_("English label"), max_length=64, blank=True)
    value = models.SlugField(_("value"), max_length=64)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    is_editable = models.BooleanField(_("editable"), default=True)

    class Meta:
        verbose_name = _("dictionary entry")
        verbose_name_plural = _("data dictionary")
        ordering = ["category", "sort_order", "value"]
        constraints = [models.UniqueConstraint(fields=["category", "value"], name="dictionary_unique_category_value")]

    def __str__(self):
        return self.display_label

    @property
    def display_label(self):
        """The label in the user's language: the English one where set, else the Chinese one."""
        return self.label_in_language(self.label, self.label_en)

    @staticmethod
    def labeller():
        """A function giving an entry's label in the active language (display_label), the language
        read once: a list draws one on each of its rows."""
        language = get_language()
        return lambda entry: DictionaryEntry.label_in_language(entry.label, entry.label_en, language)

    @staticmethod
    def label_in_language(label, label_en, language=None):
        """The label for ``language`` (the active one if not given): the English label outside
        Chinese, where there is one."""
        if label_en and not (language or get_language() or "").startswith("zh"):
            return label_en
        return label

    def is_in_use(self):
        """True if any row of another model refers to this entry."""
        # include_hidden: foreign keys declared with related_name="+" count too.
        for relation in self._meta.get_fields(include_hidden=True):
            if relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one):
                manager = relation.related_model._base_manager
                if manager.filter(**{relation.field.name: self}).exists():
                    return True
        return False
