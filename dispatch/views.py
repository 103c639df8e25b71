from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse

from agencies.models import User

# Where each role starts its shift. A role without a screen of its own yet lands on the home page, which says
# what that role can do today. Every name here must resolve: tests/core/test_home.py reverses each one.
ROLE_HOME = {
    User.Role.CALL_TAKER: "console-call-taker",
    User.Role.DISPATCHER: "console-dispatcher",
    User.Role.VOLUNTEER: "volunteer-phone",
    User.Role.CREW: "crew",  # the unit's phone page
    User.Role.SUPERVISOR: "board",
    User.Role.OFFICIAL: "board",  # read-only board
}


# Administrators (createsuperuser makes them role "admin") work in the admin site; one without staff access would
# only meet the admin's login form, so it stays on the home page, which says what the role can do.
ADMIN_HOME = "admin:index"


@login_required
def home(request):
    user = request.user
    if user.role == User.Role.ADMIN and user.is_staff:
        return redirect(reverse(ADMIN_HOME))
    name = ROLE_HOME.get(user.role)
    if name:
        return redirect(reverse(name))
    return render(request, "home.html", {"role": request.user.role, "Role": User.Role})


def favicon(request):
    """`/favicon.ico`: what every browser asks of a page that names no icon (the admin's, an API answer opened in a
    tab). Sent to the site's own icon instead of a 404 in every console's error log."""
    return HttpResponsePermanentRedirect(staticfiles_storage.url("img/favicon.svg"))
