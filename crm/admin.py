"""The Django admin: users, roles (groups), permissions and the data dictionary.

Guards against privilege escalation by a non-superuser administrator: superuser-only permissions
are never offered, the superuser flag is read-only for them, and superuser accounts are
view-only to them (else they could reset a superuser's password and become one).
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm, UsernameField
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

from crm.forms import SingleLineField, SingleLineMixin
from crm.guards import superuser_only_permission_ids
from crm.models import DictionaryEntry

User = get_user_model()

admin.site.site_header = _("CRM administration")
admin.site.site_title = _("CRM administration")
admin.site.index_title = _("Users, roles and the data dictionary")


def grantable_permissions():
    return Permission.objects.exclude(pk__in=superuser_only_permission_ids()).select_related("content_type")


class GrantablePermissionsMixin:
    permission_fields = ()

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.permission_fields:
            kwargs["queryset"] = grantable_permissions()
        return super().formfield_for_manytomany(db_field, request, **kwargs)


admin.site.unregister(User)
admin.site.unregister(Group)


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
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "is_superuser", "groups")

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
    permission_fields = ("permissions",)


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
