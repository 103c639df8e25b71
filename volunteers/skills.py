"""The skills a member may hold and a call-out may ask for: one vocabulary, so "unknown skill" is a clear 400."""
from django.utils.translation import gettext_lazy as _

SKILLS = {
    "first_aid": _("Pertolongan pertama"),
    # issue 30: called out by themselves on a suspected cardiac arrest (RJP = resusitasi jantung paru, i.e. CPR)
    "cpr": _("RJP"),
    "aed": _("AED (defibrilator)"),
    "water_rescue": _("Penyelamatan di air"),
    "boat": _("Perahu"),
    "search": _("Pencarian orang"),
    "chainsaw": _("Gergaji mesin (pohon tumbang)"),
    "snake_handling": _("Penanganan ular"),
    "animal_rescue": _("Penyelamatan hewan"),
    "wasp_nest": _("Sarang tawon"),
    "firefighting": _("Pemadaman api"),
    "forest_fire": _("Kebakaran hutan dan lahan"),
    "ambulance": _("Ambulans"),
    "4x4": _("Kendaraan 4x4"),
    "winch": _("Winch / derek"),
    "evacuation": _("Evakuasi"),
    "radio": _("Radio komunikasi"),
    "logistics": _("Logistik"),
}


def skill_name(code: str) -> str:
    return str(SKILLS.get(code, code))
