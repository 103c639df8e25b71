from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from agencies.models import User

# Where each role starts its shift.
ROLE_HOME = {
    User.Role.CALL_TAKER: "console-call-taker",
    User.Role.DISPATCHER: "console-dispatcher",
    User.Role.SUPERVISOR: "console-supervisor",
    User.Role.OFFICIAL: "console-supervisor",
    User.Role.VOLUNTEER: "console-volunteer",
}


@login_required
def home(request):
    name = ROLE_HOME.get(request.user.role)
    if name:
        try:
            return redirect(reverse(name))
        except NoReverseMatch:
            pass
    return render(request, "home.html")
