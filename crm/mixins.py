from django.contrib.auth.mixins import LoginRequiredMixin

from crm import access


class PermissionRequiredMixin(LoginRequiredMixin):
    """Anonymous users go to login; a signed-in user without ``permission`` gets a 403."""

    permission = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            access.require(request.user, self.permission)
        return super().dispatch(request, *args, **kwargs)
