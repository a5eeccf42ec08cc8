"""Model fields and lookups of the customers app: the name's bigrams and characters, searched
through PostgreSQL GIN indexes (customers/search.py, migration 0002)."""

from django.db import models


class BigramContains(models.Lookup):
    """``name_bigrams__has_bigram="鑫达"``: the stored bigram list contains this bigram."""

    lookup_name = "has_bigram"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"string_to_array({lhs}, ' ') @> ARRAY[{rhs}]::text[]", [*lhs_params, *rhs_params]
        return f"(' ' || {lhs} || ' ') LIKE ('%% ' || {rhs} || ' %%')", [*lhs_params, *rhs_params]


class NameHasCharacter(models.Lookup):
    """PostgreSQL: ``NameHasCharacter(F("name"), "鑫")``, the name contains this one character.

    Served by the GIN index on the array of the name's characters (customer_name_chars); used
    as an expression, not registered on a field.
    """

    lookup_name = "has_character"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"string_to_array({lhs}, NULL) @> ARRAY[{rhs}]::text[]", [*lhs_params, *rhs_params]


class BigramsField(models.TextField):
    """Space-delimited character bigrams of a name, searchable with ``__has_bigram``."""


BigramsField.register_lookup(BigramContains)
