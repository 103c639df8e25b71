"""Names of unit capabilities. Categories and units store capability codes (`fire_suppression`); people read these
names. A code without a name here is shown as itself, so a new capability is visible before it is named."""
from django.utils.translation import gettext_lazy as _

CAPABILITY_NAMES = {
    "fire_suppression": _("pemadaman api"),
    "water_supply": _("pasokan air"),
    "rescue": _("penyelamatan"),
    "ladder": _("tangga tinggi"),
    "animal_rescue": _("evakuasi hewan"),
    "chainsaw": _("gergaji mesin"),
    "als": _("bantuan hidup lanjut (ALS)"),
    "bls": _("bantuan hidup dasar (BLS)"),
    "patient_transport": _("angkut pasien"),
    "patrol": _("patroli"),
    "traffic_control": _("pengaturan lalu lintas"),
    "street_lighting": _("penerangan jalan"),
    "water_rescue": _("penyelamatan di air"),
    "search": _("pencarian"),
    "evacuation": _("evakuasi"),
    "power_repair": _("perbaikan listrik"),
    "water_repair": _("perbaikan pipa air"),
    "public_order": _("ketertiban umum"),
    "social_care": _("layanan sosial"),
    "blood_supply": _("pasokan darah"),
}


def capability_name(code: str) -> str:
    return str(CAPABILITY_NAMES.get(code, code))


def capability_names() -> dict[str, str]:
    """Every known capability's name in the active language (for a console's configuration)."""
    return {code: str(name) for code, name in CAPABILITY_NAMES.items()}
