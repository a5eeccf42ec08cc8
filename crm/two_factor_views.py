"""Sign-in with a second factor (crm.two_factor): the login page, the code step, enrolment with a
QR code, and the recovery codes. Thin: the rules and the writes are crm.two_factor's."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from crm import two_factor
from crm.forms import LoginForm
from crm.security import client_ip
from crm.two_factor_forms import EnrolForm, SecondStepForm, TurnOffForm
from crm.views import locked_out


def _next_url(request):
    """Where the user was going (``next``), if it is a page of this site; else the dashboard."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure()):
        return wanted
    return reverse("dashboard")


def _with_next(url_name, next_url):
    url = reverse(url_name)
    return url if next_url == reverse("dashboard") else f"{url}?{_query(next_url)}"


def _query(next_url):
    return urlencode({"next": next_url})


class LoginView(auth_views.LoginView):
    """Django's login page; a user who owes a second step goes on to it (or to enrolment)."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if two_factor.begin_second_step(self.request, form.get_user()):
            return redirect(_with_next("two_factor_verify", self.get_success_url()))
        return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """The sign-in's second step: a code from the app or a recovery code."""
    next_url = _next_url(request)
    if not two_factor.owes_second_step(request):
        return redirect(next_url)
    user = request.user
    if not two_factor.has_device(user):
        return redirect(_with_next("two_factor_enrol", next_url))
    if two_factor.locked_out(request, user):
        logout(request)
        return locked_out(request)
    form = SecondStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor.verify_second_factor(request=request, code=form.cleaned_data["code"])
        except two_factor.TwoFactorError as refusal:
            if getattr(request, "axes_locked_out", False) or two_factor.locked_out(request, user):
                request.axes_locked_out = False  # answered here, signed out, not by axes' middleware
                logout(request)
                return locked_out(request)
            form.add_error(None, str(refusal))
        else:
            return redirect(next_url)
    context = {"form": form, "next": next_url, "two_factor_step": True}
    return render(request, "registration/two_factor_verify.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol(request):
    """Set up two-factor sign-in: scan the QR code (or type the secret), confirm with a code. A user
    who has it on sees that, and may get new recovery codes."""
    next_url = _next_url(request)
    user = request.user
    if two_factor.app_device(user) is not None:
        if two_factor.owes_second_step(request):
            return redirect(_with_next("two_factor_verify", next_url))
        if request.method == "POST":
            return redirect("two_factor_enrol")
        context = {"required": two_factor.requires_two_factor(user), "form": TurnOffForm()}
        return render(request, "registration/two_factor_status.html", context)
    secret = two_factor.offered_secret(request)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor.enrol_two_factor(
                actor=user, remote_addr=client_ip(request), secret=secret, code=form.cleaned_data["code"]
            )
        except two_factor.TwoFactorError as refusal:
            form.add_error("code", str(refusal))
        else:
            two_factor.verify_after_enrolment(request, device)
            request.session.pop(two_factor.NEW_SECRET_KEY, None)
            request.session[two_factor.NEW_CODES_KEY] = codes
            messages.success(request, _("Two-factor sign-in is on."))
            return redirect(_with_next("two_factor_recovery_codes", next_url))
    context = {
        "form": form,
        "next": next_url,
        "secret": two_factor.secret_for_typing(secret),
        "required": two_factor.requires_two_factor(user),
        # the menu is hidden while the session owes the step: nothing in it could be reached
        "two_factor_step": two_factor.owes_second_step(request),
    }
    return render(request, "registration/two_factor_enrol.html", context)


@never_cache
@login_required
def qr_code(request):
    """The QR code of the secret offered for enrolment, as SVG from our own origin (the CSP)."""
    secret = two_factor.offered_secret(request)
    svg = two_factor.qr_svg(two_factor.setup_url(request.user, secret))
    return HttpResponse(svg, content_type="image/svg+xml")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    """GET: the recovery codes just issued, shown once. POST: issue new ones (the old stop working)."""
    next_url = _next_url(request)
    if request.method == "POST":
        try:
            codes = two_factor.issue_recovery_codes(actor=request.user, remote_addr=client_ip(request))
        except two_factor.TwoFactorError as refusal:
            messages.error(request, str(refusal))
            return redirect("two_factor_enrol")
        request.session[two_factor.NEW_CODES_KEY] = codes
        return redirect("two_factor_recovery_codes")
    codes = request.session.pop(two_factor.NEW_CODES_KEY, None)
    if not codes:
        messages.info(request, _("Recovery codes are shown only once, when they are made. You can make new ones here."))
        return redirect("two_factor_enrol")
    return render(request, "registration/two_factor_codes.html", {"codes": codes, "next": next_url})


@never_cache
@login_required
@require_http_methods(["POST"])
def turn_off(request):
    """Turn two-factor sign-in off (for a user who may go without it), with the app's current code."""
    user = request.user
    if two_factor.requires_two_factor(user):  # the page offers no form; say why nothing happened
        messages.error(request, _("Your account must sign in with two-factor sign-in: it can't be turned off."))
        return redirect("two_factor_enrol")
    form = TurnOffForm(request.POST)
    if form.is_valid():
        try:
            two_factor.turn_off_two_factor(actor=user, code=form.cleaned_data["code"], remote_addr=client_ip(request))
        except two_factor.TwoFactorError as refusal:
            form.add_error("code", str(refusal))
        else:
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("two_factor_enrol")
    if two_factor.app_device(user) is None:
        return redirect("two_factor_enrol")
    context = {"required": two_factor.requires_two_factor(user), "form": form}
    return render(request, "registration/two_factor_status.html", context)
