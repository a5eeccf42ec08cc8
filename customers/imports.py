"""Reading and checking a file of customers and their contacts (CSV or XLSX) for an import.

One row is one customer, with at most one contact. The columns are the customer form's fields
(headers as the export writes them, in English or Chinese, or the fields' own names), ``code``
and the contact's columns (README "Customer import"; a template from the import page). A row is
matched to an existing customer by its code, else by its unified social credit code (USCC); a
row matching none is a new customer, unless its normalised name is an existing customer's (the
duplicate rule of the customer form), which rejects it, or the same customer typed identically,
which leaves it unchanged. In an update, an empty cell keeps the stored value.

``plan_rows`` reads the file in chunks and says for each row what an import would do with it:
create, update, leave unchanged, or reject (with the row, column and reason the user sees in the
file of rejected rows). It writes nothing; customers.actions.imports writes the plan.
"""

import csv
import datetime
import io
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.display import display_name
from crm.models import DictionaryEntry
from crm.spreadsheets import FORMULA_STARTS, RowError, neutralise
from crm.validators import clean_single_line
from customers.models import Contact, Customer, Level, Rating
from customers.resources import ChoiceLabelWidget, _in_every_language, _key
from customers.selectors import account_managers
from customers.validators import normalise_name, normalise_uscc, uscc_problem

CUSTOMER_COLUMNS = ("code", *Customer.EDITABLE_FIELDS)
# The contact's columns -> the Contact field each fills.
CONTACT_COLUMNS = {
    "contact_name": "name",
    "contact_gender": "gender",
    "contact_position": "position",
    "contact_office_phone": "office_phone",
    "contact_mobile": "mobile",
    "contact_email": "email",
}
CONTACT_HEADERS = {
    "contact_name": gettext_lazy("Contact name"),
    "contact_gender": gettext_lazy("Contact gender"),
    "contact_position": gettext_lazy("Contact position"),
    "contact_office_phone": gettext_lazy("Contact office phone"),
    "contact_mobile": gettext_lazy("Contact mobile"),
    "contact_email": gettext_lazy("Contact email"),
}
COLUMNS = (*CUSTOMER_COLUMNS, *CONTACT_COLUMNS)
# Columns of the customer export that an import reads past: the numbering, loss handling, the
# stamps and the sales import own them.
IGNORED_COLUMNS = ("status", "created_at", "last_order_date")
# What a new customer needs, as in the customer form (the level defaults to ordinary).
REQUIRED_NEW = ("name", "region", "account_manager", "address", "phone")
CHUNK_ROWS = 500


class ImportFileError(Exception):
    """The file can't be imported at all; ``str()`` is a message for the user, already translated."""


@dataclass
class RowPlan:
    """What an import does with one row: ``action`` is create, update or unchanged. ``customer``
    is the new customer (unsaved) or the existing one with the row's values set; ``contact`` the
    row's contact, new or existing with its values set, or None if it needs no saving."""

    row: int
    action: str
    customer: Customer
    contact: Contact | None = None
    changed: frozenset = frozenset()  # the customer's fields an update changes


@dataclass
class Counts:
    rows: int = 0
    create: int = 0
    update: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list = field(default_factory=list)


def column_label(column):
    """A column's header in the active language, as the template and the export write it."""
    if column in CONTACT_HEADERS:
        return str(CONTACT_HEADERS[column])
    if column == "code":
        return str(capfirst(Customer._meta.get_field("code").verbose_name))
    return str(capfirst(Customer._meta.get_field(column).verbose_name))


def _header_names():
    names = {}
    for column in (*COLUMNS, *IGNORED_COLUMNS):
        label = CONTACT_HEADERS.get(column) or Customer._meta.get_field(column).verbose_name
        for said in {column, *_in_every_language(capfirst(label))}:
            names[_key(said)] = column
    return names


# --- reading the file ---------------------------------------------------------------------------


def _cell_text(value):
    """A cell as the text it shows: numbers without a spurious ``.0``, dates as YYYY-MM-DD. A cell
    holding a formula comes as the formula's text (the workbook is read without evaluating it)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _decode(data, name):
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("%(name)s is not a CSV text file in UTF-8: save it as “CSV UTF-8” or as an Excel workbook (.xlsx).")
            % {"name": name}
        ) from None
    raise ImportFileError(
        _(
            "%(name)s is in the GBK (GB2312/GB18030) encoding, not UTF-8: in Excel or WPS save it as "
            "“CSV UTF-8 (comma delimited)”, or as an Excel workbook (.xlsx), and upload it again."
        )
        % {"name": name}
    )


def _csv_rows(path, name):
    text = _decode(path.read_bytes(), name)
    if "\x00" in text:
        raise ImportFileError(_("%(name)s is not a CSV text file.") % {"name": name})
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 0
    try:
        for number, values in enumerate(reader, start=1):  # noqa: B007 (read after the loop)
            yield values
    except csv.Error:
        raise ImportFileError(
            _("%(name)s: row %(row)d can't be read as CSV (a quotation mark is left open, or a value is too long).")
            % {"name": name, "row": number + 1}
        ) from None


def _xlsx_rows(path, name):
    import openpyxl

    unreadable = _("%(name)s is not a readable Excel workbook (.xlsx).") % {"name": name}
    try:
        # data_only=False: a cell holding a formula is read as the formula's text, never evaluated.
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
        worksheet = workbook.worksheets[0]
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise ImportFileError(unreadable) from None
    try:
        for values in worksheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in values]
    except Exception:
        raise ImportFileError(unreadable) from None
    finally:
        workbook.close()


def check_size(path, name):
    """Refuse a file larger than settings.IMPORT_MAX_MB."""
    if Path(path).stat().st_size > settings.IMPORT_MAX_MB * 1024 * 1024:
        raise ImportFileError(
            _("%(name)s is larger than %(size)d MB: split it into smaller files.")
            % {"name": name, "size": settings.IMPORT_MAX_MB}
        )


def read_rows(path, name=None):
    """The file's header (columns by their names) and its rows as ``(row number, {column: text})``.

    Raises ImportFileError for a file that isn't CSV/XLSX, can't be read, is too large, has an
    unknown column or no name column, or has more rows than settings.IMPORT_MAX_ROWS (found as
    the rows are read: callers read every row before writing any).
    """
    path = Path(path)
    name = name or path.name
    check_size(path, name)
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(path, name)
    elif suffix == ".xlsx":
        rows = _xlsx_rows(path, name)
    else:
        raise ImportFileError(_("%(name)s is neither a .csv nor an .xlsx file.") % {"name": name})
    header = None
    for values in rows:
        if any(str(value).strip() for value in values):
            header = [str(value).strip().lstrip("\ufeff") for value in values]
            break
    if header is None:
        raise ImportFileError(_("%(name)s is empty.") % {"name": name})
    return header, _rows_by_column(_columns_of(header, name), rows, name)


def _columns_of(header, name):
    names = _header_names()
    columns = []
    unknown = []
    for text in header:
        column = names.get(_key(text)) if text else None
        if text and column is None:
            unknown.append(text[:50])
        columns.append(column)
    if unknown:
        raise ImportFileError(
            _("%(name)s has columns the import doesn't know: %(columns)s. Use the headers of the template.")
            % {"name": name, "columns": ", ".join(unknown[:10])}
        )
    if "name" not in columns and "code" not in columns and "uscc" not in columns:
        raise ImportFileError(
            _("%(name)s has no column %(column)s: use the headers of the template.")
            % {"name": name, "column": column_label("name")}
        )
    duplicated = {column for column in columns if column and columns.count(column) > 1}
    if duplicated:
        raise ImportFileError(
            _("%(name)s has the column %(column)s twice.")
            % {"name": name, "column": column_label(sorted(duplicated)[0])}
        )
    return columns


def _rows_by_column(columns, rows, name):
    number = 1
    limit = settings.IMPORT_MAX_ROWS
    counted = 0
    for values in rows:
        number += 1
        if not any(str(value).strip() for value in values):
            continue  # a blank line
        counted += 1
        if counted > limit:
            raise ImportFileError(
                _("%(name)s has more than %(limit)s rows: split it into smaller files.")
                % {"name": name, "limit": f"{limit:,}"}
            )
        yield (
            number,
            {
                column: value
                for column, value in zip(columns, values, strict=False)
                if column and column not in IGNORED_COLUMNS
            },
        )


# --- one row's values ---------------------------------------------------------------------------


class _Lookups:
    """What the rows refer to, read once per import: regions, users, account managers."""

    def __init__(self):
        self.regions = {}
        for entry in DictionaryEntry.objects.filter(category=DictionaryEntry.Category.REGION, is_active=True):
            for said in (entry.value, entry.label, entry.label_en):
                if said:
                    self.regions.setdefault(_key(said), entry)
        managers = list(account_managers())
        self.manager_ids = {user.pk for user in managers}
        self.users = {_key(user.get_username()): user for user in managers}
        by_name = defaultdict(list)
        for user in managers:
            by_name[_key(display_name(user))].append(user)
        self.named = dict(by_name)

    def region(self, text):
        entry = self.regions.get(_key(text))
        if entry is None:
            raise ValidationError(_("There is no region “%(value)s”.") % {"value": text})
        return entry

    def manager(self, text):
        user = self.users.get(_key(text))
        if user is not None:
            return user
        named = self.named.get(_key(text), [])
        if len(named) > 1:
            raise ValidationError(
                _("Several users are called “%(value)s”: write the username instead.") % {"value": text}
            )
        if not named:
            raise ValidationError(_("There is no active account manager “%(value)s”.") % {"value": text})
        return named[0]


_CHOICES = {
    "level": ChoiceLabelWidget(Level),
    "satisfaction": ChoiceLabelWidget(Rating),
    "credit": ChoiceLabelWidget(Rating),
    "contact_gender": ChoiceLabelWidget(Contact.Gender),
}
_DECIMALS = ("registered_capital", "annual_turnover")


def _decimal(text):
    try:
        number = Decimal(unicodedata.normalize("NFKC", text).replace(",", ""))
    except InvalidOperation:
        raise ValidationError(_("Enter a number, like 1200.50.")) from None
    if not number.is_finite():
        raise ValidationError(_("Enter a number, like 1200.50."))
    return number


def _value(column, text, lookups):
    """A cell's text as the value of its field; raises ValidationError with a message for the user."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        text = text[1:]  # the quote the export puts before text that looks like a formula
    text = clean_single_line(text)
    if not text:
        return None
    if column == "code":
        return _key(text).upper()
    if column == "region":
        return lookups.region(text)
    if column == "account_manager":
        return lookups.manager(text)
    if column in _CHOICES:
        try:
            return _CHOICES[column].clean(text)
        except ValueError as error:
            raise ValidationError(str(error)) from None
    if column in _DECIMALS:
        return _decimal(text)
    if column == "uscc":
        value = normalise_uscc(text)
        uscc_problem(value)  # a wrong check digit only warns, as in the form
        return value
    if column == "website" and "://" not in text:
        return "https://" + text
    return text


def _parse(number, raw, labels, lookups, errors):
    """The row's non-empty values by column, or None if a cell is refused (added to ``errors``)."""
    values = {}
    ok = True
    for column, text in raw.items():
        try:
            value = _value(column, str(text).strip(), lookups)
        except ValidationError as error:
            errors.append(RowError(number, labels[column], _shown(text), " ".join(error.messages)))
            ok = False
            continue
        if value is not None:
            values[column] = value
    return values if ok else None


def _shown(value):
    return "" if value is None else str(value)[:100].replace("\x00", "\\x00")


def _full_clean(instance, fields, number, labels, errors, prefix=""):
    """The model's own rules (lengths, phone, postcode, e-mail, digits) for the fields the row set."""
    # Foreign keys were found in the lookups and uniqueness is the plan's: no query per row.
    exclude = [f.name for f in instance._meta.fields if f.name not in fields or f.is_relation]
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            column = prefix + name if prefix + name in labels else "name"
            value = getattr(instance, name, "")
            errors.append(RowError(number, labels.get(column, column), _shown(value), " ".join(messages)))
        return False
    return True


# --- the plan -------------------------------------------------------------------------------------


class _Planner:
    def __init__(self, *, actor, default_manager):
        self.actor = actor
        self.default_manager = default_manager
        self.lookups = _Lookups()
        self.labels = {column: column_label(column) for column in COLUMNS}
        self.seen = {}  # key of a customer -> the first row naming it

    def chunk(self, rows, errors):
        parsed = [(number, _parse(number, raw, self.labels, self.lookups, errors)) for number, raw in rows]
        parsed = [(number, values) for number, values in parsed if values is not None]
        codes = {values["code"] for _n, values in parsed if "code" in values}
        usccs = {values["uscc"] for _n, values in parsed if "uscc" in values}
        names = {normalise_name(values["name"])[:100] for _n, values in parsed if "name" in values}
        by_code = {c.code: c for c in Customer.all_objects.filter(code__in=codes).select_related("account_manager")}
        by_uscc = {c.uscc: c for c in Customer.all_objects.filter(uscc__in=usccs).select_related("account_manager")}
        by_name = defaultdict(list)
        for customer in Customer.objects.filter(name_normalized__in=names - {""}).select_related("account_manager"):
            by_name[customer.name_normalized].append(customer)
        matched = [c.pk for c in (*by_code.values(), *by_uscc.values(), *(c for cs in by_name.values() for c in cs))]
        contacts = defaultdict(list)
        for contact in Contact.objects.filter(customer_id__in=matched):
            contacts[contact.customer_id].append(contact)
        plans = []
        for number, values in parsed:
            plan = self._row(number, values, by_code, by_uscc, by_name, contacts, errors)
            if plan is not None:
                plans.append(plan)
        return plans

    def _error(self, errors, number, column, value, reason):
        errors.append(RowError(number, self.labels[column], _shown(value), reason))

    def _target(self, number, values, by_code, by_uscc, errors):
        code, uscc = values.get("code"), values.get("uscc")
        if code:
            target = by_code.get(code)
            if target is None:
                self._error(errors, number, "code", code, _("There is no customer with this code."))
                return False
        elif uscc:
            target = by_uscc.get(uscc)
            if target is None:
                return None
        else:
            return None
        if target.is_deleted:
            self._error(
                errors,
                number,
                "code" if code else "uscc",
                code or uscc,
                _("This customer (%(code)s) is in the recycle bin: restore it first.") % {"code": target.code},
            )
            return False
        other = by_uscc.get(uscc) if uscc else None
        if other is not None and other.pk != target.pk:
            self._error(errors, number, "uscc", uscc, self._taken(other))
            return False
        return target

    def _taken(self, other):
        return _("A customer with this unified social credit code already exists, managed by %(manager)s.") % {
            "manager": display_name(other.account_manager)
        }

    def _row(self, number, values, by_code, by_uscc, by_name, contacts, errors):
        target = self._target(number, values, by_code, by_uscc, errors)
        if target is False:
            return None
        if target is None:
            customer = Customer(**self._fields(values))
            normalised = normalise_name(values.get("name", ""))[:100]
            same_name = by_name.get(normalised, [])
            if same_name:
                same = [c for c in same_name if self._changes(c, values, contacts) == (set(), None, False)]
                if len(same) == 1 and "uscc" not in values:
                    target = same[0]  # the same customer, typed as it is stored: nothing to do
                else:
                    other = same_name[0]
                    self._error(
                        errors,
                        number,
                        "name",
                        values.get("name"),
                        _(
                            "A customer with this name already exists: %(code)s, managed by %(manager)s. Write "
                            "its code in the code column to update it."
                        )
                        % {"code": other.code, "manager": display_name(other.account_manager)},
                    )
                    return None
        key = ("pk", target.pk) if target is not None else ("name", normalise_name(values.get("name", "")))
        if key in self.seen or (values.get("uscc") and ("uscc", values["uscc"]) in self.seen):
            first = self.seen.get(key) or self.seen.get(("uscc", values.get("uscc")))
            self._error(
                errors, number, "name", values.get("name", ""), _("The same customer as row %(row)d.") % {"row": first}
            )
            return None
        self.seen[key] = number
        if values.get("uscc"):
            self.seen[("uscc", values["uscc"])] = number
        if target is None:
            return self._new(number, customer, values, errors)
        return self._existing(number, target, values, contacts, errors)

    @staticmethod
    def _fields(values):
        return {column: value for column, value in values.items() if column in Customer.EDITABLE_FIELDS}

    def _contact_values(self, values):
        return {CONTACT_COLUMNS[c]: v for c, v in values.items() if c in CONTACT_COLUMNS}

    def _new(self, number, customer, values, errors):
        if customer.account_manager_id is None and self.default_manager is not None:
            customer.account_manager = self.default_manager
        ok = True
        for column in REQUIRED_NEW:
            if column == "account_manager" and customer.account_manager_id is not None:
                continue
            if column not in values:
                self._error(errors, number, column, "", _("Required for a new customer."))
                ok = False
        if not ok:
            return None
        if customer.account_manager_id not in self.lookups.manager_ids:
            self._error(
                errors,
                number,
                "account_manager",
                display_name(customer.account_manager),
                _("The account manager must be an active user with the account manager role."),
            )
            return None
        fields = set(self._fields(values)) | {"level"}
        if not _full_clean(customer, fields, number, self.labels, errors):
            return None
        contact = self._contact(number, None, values, [], errors)
        if contact is False:
            return None
        return RowPlan(number, "create", customer, contact)

    def _changes(self, customer, values, contacts):
        """(changed customer fields, the contact to save or None, whether the row's contact is bad)."""
        changed = {column for column, value in self._fields(values).items() if getattr(customer, column) != value}
        wanted = self._contact_values(values)
        if not wanted:
            return changed, None, False
        if "name" not in wanted:
            return changed, None, True
        existing = next((c for c in contacts.get(customer.pk, []) if c.name == wanted["name"]), None)
        if existing is None:
            return changed, Contact(customer=customer, **wanted), False
        if any(getattr(existing, name) != value for name, value in wanted.items()):
            return changed, existing, False
        return changed, None, False

    def _contact(self, number, customer, values, contacts, errors):
        wanted = self._contact_values(values)
        if not wanted:
            return None
        if "name" not in wanted:
            self._error(errors, number, "contact_name", "", _("Required when a contact's columns are filled in."))
            return False
        contact = None
        if customer is not None:
            contact = next((c for c in contacts if c.name == wanted["name"]), None)
        if contact is None:
            contact = Contact(customer=customer, **wanted)
        else:
            for name, value in wanted.items():
                setattr(contact, name, value)
        if not _full_clean(contact, set(wanted), number, self.labels, errors, prefix="contact_"):
            return False
        return contact

    def _existing(self, number, customer, values, contacts, errors):
        changed, contact, bad = self._changes(customer, values, contacts)
        if bad:
            self._error(errors, number, "contact_name", "", _("Required when a contact's columns are filled in."))
            return None
        if "account_manager" in changed and not self.actor.is_superuser:
            self._error(
                errors,
                number,
                "account_manager",
                display_name(values["account_manager"]),
                _("Only a superuser moves a customer to another account manager."),
            )
            return None
        if not changed and contact is None:
            return RowPlan(number, "unchanged", customer)
        if "account_manager" in changed and values["account_manager"].pk not in self.lookups.manager_ids:
            self._error(
                errors,
                number,
                "account_manager",
                display_name(values["account_manager"]),
                _("The account manager must be an active user with the account manager role."),
            )
            return None
        for column in changed:
            setattr(customer, column, values[column])
        if changed and not _full_clean(customer, changed, number, self.labels, errors):
            return None
        if contact is not None:
            contact = self._contact(number, customer, values, contacts.get(customer.pk, []), errors)
            if contact is False:
                return None
        action = "update" if changed or contact is not None else "unchanged"
        return RowPlan(number, action, customer, contact, frozenset(changed))


def plan_rows(path, *, actor, default_manager=None, name=None, progress=None):
    """Yield, chunk by chunk, ``(plans, errors)`` for the rows of the file at ``path``.

    ``actor``: who imports (only a superuser moves a customer to another manager);
    ``default_manager``: the account manager of new customers whose row names none; ``name``:
    the file's name as the user knows it (an upload is stored under another); ``progress(rows)``
    is called after each chunk with the rows read so far. Raises ImportFileError.
    """
    _header, rows = read_rows(path, name)
    planner = _Planner(actor=actor, default_manager=default_manager)
    chunk = []
    done = 0
    for item in rows:
        chunk.append(item)
        if len(chunk) == CHUNK_ROWS:
            errors = []
            yield planner.chunk(chunk, errors), errors
            done += len(chunk)
            chunk = []
            if progress:
                progress(done)
    if chunk:
        errors = []
        yield planner.chunk(chunk, errors), errors
        if progress:
            progress(done + len(chunk))


def check_rows(path, *, actor, default_manager=None, name=None, progress=None):
    """Read and check every row of the file without writing anything: the preview's ``Counts``."""
    counts = Counts()
    for plans, errors in plan_rows(path, actor=actor, default_manager=default_manager, name=name, progress=progress):
        for plan in plans:
            setattr(counts, plan.action, getattr(counts, plan.action) + 1)
        counts.errors.extend(errors)
        counts.rows += len(plans) + len({error.row for error in errors})
    counts.rejected = len({error.row for error in counts.errors})
    return counts


def write_errors(path, errors):
    """The rejected rows as CSV (row, column, value, reason) in the active language; values that
    look like a formula are neutralised so a spreadsheet shows them as text. Raises OSError."""
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([_("Row"), _("Column"), _("Value"), _("Reason")])
        for error in errors:
            writer.writerow([neutralise(cell) for cell in (error.row, error.column, error.value, error.reason)])


def template_rows():
    """The template's header row in the active language and one example row."""
    return [column_label(column) for column in COLUMNS]
