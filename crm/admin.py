"""The Django admin: users, roles (groups), permissions and the data dictionary.

Guards against privilege escalation by a non-superuser administrator: superuser-only permissions
are never offered, the superuser flag is read-only for them, and superuser accounts are
view-only to them (else they could reset a superuser's password and become one).

Speaks the user's language throughout: roles by their translated names (a role's group name is a
stable key, read-only for the built-in roles), permissions by translated words (their names are
stored in English by Django), and the third-party texts below.
"""

from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm, UsernameField
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from crm.forms import SingleLineField, SingleLineMixin
from crm.guards import superuser_only_permission_ids
from crm.models import DictionaryEntry
from crm.roles import ROLE_PERMISSIONS, role_label

# Texts of Django and of the libraries that their own catalogues lack in Chinese, or say otherwise
# than this product (a role is 角色, not 组). Listed here so that makemessages keeps them in our
# catalogue, which takes precedence over theirs (LOCALE_PATHS).
BORROWED_TRANSLATIONS = (
    # django.contrib.admin 5.x: the index's table headers for screen readers
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    # django.contrib.auth: groups are the product's roles
    gettext_noop("group"),
    gettext_noop("groups"),
    gettext_noop("The groups this user belongs to. A user will get all permissions granted to each of their groups."),
    # django-axes: its models, fields and admin
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
    # django-guardian's models (its names are not marked for translation: translated by lookup)
    gettext_noop("user object permission"),
    gettext_noop("group object permission"),
    # django-otp's models (two-factor sign-in), named in the role pages' permission lists
    gettext_noop("TOTP device"),
    gettext_noop("static device"),
    gettext_noop("static token"),
    # customers.CodeSequence has no verbose name of its own yet
    gettext_noop("code sequence"),
)

# Django names a model's default permissions "Can add <model>" in English, once, in the database.
DEFAULT_PERMISSION_NAMES = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission):
    """``app | model | permission`` in the user's language, as the admin's permission lists show it.

    Names that aren't translatable where they are defined (guardian's models) are looked up in
    the catalogue (BORROWED_TRANSLATIONS).
    """
    content_type = permission.content_type
    model = content_type.model_class()
    try:
        app_name = gettext(str(apps.get_app_config(content_type.app_label).verbose_name))
    except LookupError:  # a content type left behind by an uninstalled app
        app_name = content_type.app_label
    model_name = gettext(str(model._meta.verbose_name)) if model is not None else content_type.model
    action = permission.codename.split("_", 1)[0]
    if (
        model is not None
        and permission.codename == f"{action}_{model._meta.model_name}"
        and action in DEFAULT_PERMISSION_NAMES
    ):
        name = DEFAULT_PERMISSION_NAMES[action] % {"model": model_name}
    else:
        name = gettext(permission.name)  # our own permissions' names are marked for translation
    return f"{app_name} | {model_name} | {name}"


User = get_user_model()

admin.site.site_header = _("CRM administration")
admin.site.site_title = _("CRM administration")
admin.site.index_title = _("Users, roles and the data dictionary")


def grantable_permissions():
    return Permission.objects.exclude(pk__in=superuser_only_permission_ids()).select_related("content_type")


class ReadOnlyAdminMixin:
    """For a ModelAdmin or an inline whose rows are written elsewhere (an import, a workflow's
    actions): the admin may look, never add, change or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class GrantablePermissionsMixin:
    """Offers only grantable permissions, and shows permissions and roles in the user's language."""

    permission_fields = ()
    role_fields = ()

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.permission_fields:
            kwargs["queryset"] = grantable_permissions()
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.name in self.permission_fields:
            field.label_from_instance = permission_label
        if field is not None and db_field.name in self.role_fields:
            field.label_from_instance = lambda group: str(role_label(group.name))
        return field


class RoleListFilter(admin.SimpleListFilter):
    """The user list's filter by role, with the roles' translated names."""

    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(group.pk, role_label(group.name)) for group in Group.objects.order_by("name")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        try:
            return queryset.filter(groups__pk=int(self.value()))
        except ValueError:
            return queryset.none()


admin.site.unregister(User)
admin.site.unregister(Group)
# Two-factor devices are set up by their users and reset by reset_two_factor (crm.two_factor),
# both audited; django-otp's admin would show their secret keys and change them unaudited.
admin.site.unregister([TOTPDevice, StaticDevice])


class SingleLineUsernameField(SingleLineMixin, UsernameField):
    """A username without control, bidi or only-invisible characters (crm.validators), with a
    message saying which, before Django's own username rule."""


# Names of people show in every list and history: they follow the one-line text rule
# (crm.forms.SingleLineField); the admin passes Meta.field_classes on to its own form fields.
USER_NAME_FIELDS = {
    "username": SingleLineUsernameField,
    "first_name": SingleLineField,
    "last_name": SingleLineField,
}


class CrmUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        field_classes = USER_NAME_FIELDS


class CrmUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        field_classes = USER_NAME_FIELDS


@admin.register(User)
class CrmUserAdmin(GrantablePermissionsMixin, UserAdmin):
    form = CrmUserChangeForm
    add_form = CrmUserCreationForm
    permission_fields = ("user_permissions",)
    role_fields = ("groups",)
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "is_superuser", RoleListFilter)

    def get_readonly_fields(self, request, obj=None):
        # The admin shows these to the minute; saving them back would truncate and "change" them.
        readonly = [*super().get_readonly_fields(request, obj), "date_joined", "last_login"]
        if not request.user.is_superuser:
            readonly.append("is_superuser")
        return readonly

    def _touches_superuser(self, request, obj):
        return obj is not None and obj.is_superuser and not request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        if self._touches_superuser(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self._touches_superuser(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # Bulk delete would reach superusers past has_delete_permission(obj).
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("delete_selected", None)
        return actions


@admin.register(Group)
class CrmGroupAdmin(GrantablePermissionsMixin, GroupAdmin):
    """Roles by their translated names. The built-in roles' names are the keys the code looks them
    up by (crm.roles): they show translated and can't be renamed; other groups are named freely."""

    permission_fields = ("permissions",)
    list_display = ("role",)
    ordering = ("name",)

    @admin.display(description=_("role"), ordering="name")
    def role(self, group):
        return role_label(group.name)

    @staticmethod
    def _built_in(group):
        return group is not None and group.name in ROLE_PERMISSIONS

    def get_fields(self, request, obj=None):
        return ("role", "permissions") if self._built_in(obj) else ("name", "permissions")

    def get_readonly_fields(self, request, obj=None):
        return ("role",) if self._built_in(obj) else ()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The page's title and breadcrumbs (templates/admin/auth/group/change_form.html) name the role.
        group = self.get_object(request, object_id)
        if group is not None:
            extra_context = {
                **(extra_context or {}),
                "subtitle": role_label(group.name),
                "role": role_label(group.name),
            }
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(DictionaryEntry)
class DictionaryEntryAdmin(admin.ModelAdmin):
    list_display = ("label", "label_en", "category", "value", "sort_order", "is_active", "is_editable")
    list_filter = ("category", "is_active", "is_editable")
    list_editable = ()
    search_fields = ("label", "label_en", "value")
    ordering = ("category", "sort_order", "value")

    def get_readonly_fields(self, request, obj=None):
        readonly = []
        if obj is not None:
            readonly += ["category", "value"]
        if not request.user.is_superuser:
            readonly.append("is_editable")
        return readonly

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (not obj.is_editable or obj.is_in_use()):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # Deletion goes one entry at a time, where the in-use and editable rules are checked.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions
