"""Demo volunteer communities, volunteers and user accounts.

Every demo account's password is settings.DEMO_PASSWORD (default "demo112"), set only when the account
is created, so a password changed later survives `load_demo`. Names and phone numbers are invented.
"""

# Every demo centre has 2–3 approved communities; members are spread inside the city with skills and availability
# ("schedule": on call in the hours of the week in `schedule_hours`, centre time). `user` links a demo login;
# `coordinator` names the community's coordinator login.
_WORKDAYS_EVENINGS = [d * 24 + h for d in range(7) for h in range(17, 24)]  # every day 17:00–24:00
COMMUNITIES = [
    {
        "key": "sar_pky", "centre": "pky", "kind": "sar",
        "name": "Relawan SAR Palangka Raya",
        "category_codes": ["orang_tenggelam", "banjir", "bencana_alam", "pohon_tumbang", "kebakaran_hutan_lahan", "medis"],
        "base_location": (113.9260, -2.2040), "coordinator_phone": "081250001001", "coordinator": "coordinator_pky",
        "volunteers": [
            {"name": "Rudi Hartono", "phone": "081250001001", "skills": ["water_rescue", "search", "first_aid"], "location": (113.9260, -2.2040), "user": "volunteer_pky",
             "certifications": [{"name": "Basic Life Support (PMI)", "skill": "first_aid", "expires_on": "2027-06-30"}]},
            {"name": "Lina Marlina", "phone": "081250001005", "skills": ["first_aid", "search", "cpr"], "location": (113.9150, -2.2150), "user": "volunteer2_pky"},
            {"name": "Bayu Pratama", "phone": "081250001006", "skills": ["first_aid", "boat", "water_rescue"], "location": (113.9330, -2.1980), "user": "volunteer3_pky",
             "certifications": [{"name": "Water Rescue Basarnas", "skill": "water_rescue", "expires_on": "2026-03-31"}]},
            {"name": "Hadi Kusuma", "phone": "081250001007", "skills": ["first_aid", "radio", "search", "cpr", "aed"], "location": (113.9100, -2.2000), "user": "coordinator_pky"},
            {"name": "Yohanes Ampung", "phone": "081250001002", "skills": ["water_rescue", "boat"], "location": (113.9400, -2.2060)},
            {"name": "Siti Rahmawati", "phone": "081250001003", "skills": ["first_aid", "radio"], "location": (113.8850, -2.2120), "availability": "schedule", "schedule_hours": _WORKDAYS_EVENINGS},
            {"name": "Dedi Saputra", "phone": "081250001004", "skills": ["search", "chainsaw"], "location": (113.9500, -2.2600), "availability": "off"},
            # CPR-trained relawan near the city centre's AEDs (issue 30: called out by themselves on a cardiac arrest)
            {"name": "Nadia Putri", "phone": "081250001008", "skills": ["cpr", "aed", "first_aid"], "location": (113.9125, -2.2120),
             "certifications": [{"name": "Bantuan Hidup Dasar (PMI)", "skill": "cpr", "expires_on": "2028-01-31"}]},
            {"name": "Yoga Prasetyo", "phone": "081250001009", "skills": ["cpr"], "location": (113.9140, -2.2088)},
            {"name": "Rina Agustina", "phone": "081250001010", "skills": ["aed"], "location": (113.9168, -2.2072)},
        ],
    },
    {
        "key": "ular_pky", "centre": "pky", "kind": "animal_rescue",
        "name": "Komunitas Penyelamat Ular Palangka Raya",
        "category_codes": ["evakuasi_hewan"],
        "base_location": (113.8950, -2.2000), "coordinator_phone": "081250002001",
        "volunteers": [
            {"name": "Andreas Dehen", "phone": "081250002001", "skills": ["snake_handling", "animal_rescue"], "location": (113.8950, -2.2000)},
            {"name": "Fajar Nugroho", "phone": "081250002002", "skills": ["snake_handling", "wasp_nest"], "location": (113.9180, -2.2170)},
            {"name": "Maria Ludia", "phone": "081250002003", "skills": ["animal_rescue"], "location": (113.8800, -2.1950), "availability": "schedule", "schedule_hours": _WORKDAYS_EVENINGS},
        ],
    },
    {
        "key": "bpk_pky", "centre": "pky", "kind": "fire",
        "name": "BPK Relawan Pemadam Pahandut",
        "category_codes": ["kebakaran", "kebakaran_hutan_lahan"],
        "base_location": (113.9290, -2.2120), "coordinator_phone": "081250003001",
        "volunteers": [
            {"name": "Samsul Bahri", "phone": "081250003001", "skills": ["firefighting", "forest_fire"], "location": (113.9290, -2.2120)},
            {"name": "Eko Wibowo", "phone": "081250003002", "skills": ["firefighting", "first_aid", "cpr"], "location": (113.9220, -2.2230)},
            {"name": "Gusti Randa", "phone": "081250003003", "skills": ["forest_fire", "chainsaw"], "location": (113.9050, -2.2300)},
        ],
    },
    {
        "key": "offroad_smd", "centre": "smd", "kind": "offroad",
        "name": "Komunitas 4x4 Samarinda Rescue",
        "category_codes": ["banjir", "bencana_alam", "orang_tenggelam", "pohon_tumbang"],
        "base_location": (117.1550, -0.4550), "coordinator_phone": "081350003001",
        "volunteers": [
            {"name": "Hendra Wijaya", "phone": "081350003001", "skills": ["4x4", "winch", "evacuation"], "location": (117.1550, -0.4550), "user": "volunteer_smd"},
            {"name": "Agus Salim", "phone": "081350003002", "skills": ["4x4", "first_aid", "cpr"], "location": (117.1300, -0.4950)},
            {"name": "Nur Aini", "phone": "081350003003", "skills": ["radio", "logistics"], "location": (117.1700, -0.5050)},
        ],
    },
    {
        "key": "ambulans_smd", "centre": "smd", "kind": "ambulance",
        "name": "Ambulans Relawan Samarinda",
        "category_codes": ["medis", "permintaan_ambulans", "kecelakaan_lalu_lintas"],
        "base_location": (117.1450, -0.4990), "coordinator_phone": "081350004001",
        "volunteers": [
            {"name": "Ratna Sari", "phone": "081350004001", "skills": ["ambulance", "first_aid", "cpr", "aed"], "location": (117.1450, -0.4990)},
            {"name": "Fikri Ramadhan", "phone": "081350004002", "skills": ["ambulance", "first_aid", "cpr"], "location": (117.1620, -0.4800)},
            {"name": "Yusuf Hamdani", "phone": "081350004003", "skills": ["first_aid"], "location": (117.1200, -0.5150), "availability": "off"},
            {"name": "Dewi Kartika", "phone": "081350004004", "skills": ["cpr", "first_aid"], "location": (117.1480, -0.5010),
             "certifications": [{"name": "Bantuan Hidup Dasar (PMI)", "skill": "cpr", "expires_on": "2027-11-30"}]},
            {"name": "Rahmat Hidayat", "phone": "081350004005", "skills": ["cpr", "aed"], "location": (117.1470, -0.4900)},
        ],
    },
    {
        "key": "rapi_psr", "centre": "psr", "kind": "radio",
        "name": "RAPI Wilayah Paser",
        "category_codes": ["bencana_alam", "banjir", "orang_tenggelam"],
        "base_location": (116.1900, -1.9100), "coordinator_phone": "081350005001",
        "volunteers": [
            {"name": "Darmawan", "phone": "081350005001", "skills": ["radio", "logistics"], "location": (116.1900, -1.9100)},
            {"name": "Sulastri", "phone": "081350005002", "skills": ["radio", "first_aid"], "location": (116.1950, -1.9180)},
            {"name": "Imran Lubis", "phone": "081350005003", "skills": ["radio", "4x4"], "location": (116.1820, -1.9050)},
        ],
    },
    {
        "key": "sar_psr", "centre": "psr", "kind": "sar",
        "name": "Relawan SAR Tana Paser",
        "category_codes": ["orang_tenggelam", "banjir", "pohon_tumbang"],
        "base_location": (116.2000, -1.9000), "coordinator_phone": "081350006001",
        "volunteers": [
            {"name": "Arif Rahman", "phone": "081350006001", "skills": ["water_rescue", "boat", "search"], "location": (116.2000, -1.9000)},
            {"name": "Wahyuni", "phone": "081350006002", "skills": ["first_aid", "search"], "location": (116.1870, -1.9150)},
            {"name": "Budi Santoso", "phone": "081350006003", "skills": ["chainsaw", "search"], "location": (116.2050, -1.9220)},
        ],
    },
]

# Scope keys: centre (call-takers, centre supervisors/officials), agency "<key>@<centre>" (dispatchers),
# community (volunteers), province (provincial supervisors/officials), unit "<agency key>@<centre>/<call sign>" (crews).
USERS = [
    {"username": "call_taker_pky", "role": "call_taker", "centre": "pky", "first_name": "Operator", "last_name": "112 Palangka Raya"},
    {"username": "call_taker2_pky", "role": "call_taker", "centre": "pky", "first_name": "Operator 2", "last_name": "112 Palangka Raya"},
    {"username": "dispatcher_damkar_pky", "role": "dispatcher", "agency": "damkar@pky", "first_name": "Dispatcher", "last_name": "Damkar PKY"},
    # A crew login per unit: the phone page /crew/ for that unit only.
    {"username": "crew_damkar_pky", "role": "crew", "unit": "damkar@pky/PKY-DMK-01", "first_name": "Kru", "last_name": "PKY-DMK-01"},
    {"username": "dispatcher_psc_pky", "role": "dispatcher", "agency": "psc@pky", "first_name": "Dispatcher", "last_name": "PSC 119 PKY"},
    {"username": "dispatcher_polisi_pky", "role": "dispatcher", "agency": "polisi@pky", "first_name": "Dispatcher", "last_name": "Polresta PKY"},
    {"username": "dispatcher_bpbd_pky", "role": "dispatcher", "agency": "bpbd@pky", "first_name": "Dispatcher", "last_name": "BPBD PKY"},
    {"username": "dispatcher_basarnas_pky", "role": "dispatcher", "agency": "basarnas@pky", "first_name": "Dispatcher", "last_name": "Basarnas PKY"},
    {"username": "dispatcher_satpolpp_pky", "role": "dispatcher", "agency": "satpolpp@pky", "first_name": "Dispatcher", "last_name": "Satpol PP PKY"},
    {"username": "dispatcher_dishub_pky", "role": "dispatcher", "agency": "dishub@pky", "first_name": "Dispatcher", "last_name": "Dishub PKY"},
    {"username": "dispatcher_pln_pky", "role": "dispatcher", "agency": "pln@pky", "first_name": "Dispatcher", "last_name": "PLN PKY"},
    {"username": "dispatcher_pdam_pky", "role": "dispatcher", "agency": "pdam@pky", "first_name": "Dispatcher", "last_name": "PDAM PKY"},
    {"username": "dispatcher_pmi_pky", "role": "dispatcher", "agency": "pmi@pky", "first_name": "Dispatcher", "last_name": "PMI PKY"},
    {"username": "dispatcher_dinsos_pky", "role": "dispatcher", "agency": "dinsos@pky", "first_name": "Dispatcher", "last_name": "Dinsos PKY"},
    {"username": "supervisor_pky", "role": "supervisor", "centre": "pky", "first_name": "Supervisor", "last_name": "112 Palangka Raya"},
    {"username": "official_pky", "role": "official", "centre": "pky", "first_name": "Pimpinan", "last_name": "Diskominfo Palangka Raya"},
    {"username": "volunteer_pky", "role": "volunteer", "community": "sar_pky", "first_name": "Rudi", "last_name": "Hartono"},
    {"username": "volunteer2_pky", "role": "volunteer", "community": "sar_pky", "first_name": "Lina", "last_name": "Marlina"},
    {"username": "volunteer3_pky", "role": "volunteer", "community": "sar_pky", "first_name": "Bayu", "last_name": "Pratama"},
    {"username": "coordinator_pky", "role": "volunteer", "community": "sar_pky", "first_name": "Hadi", "last_name": "Kusuma (koordinator)"},
    {"username": "volunteer_smd", "role": "volunteer", "community": "offroad_smd", "first_name": "Hendra", "last_name": "Wijaya"},
    {"username": "call_taker_smd", "role": "call_taker", "centre": "smd", "first_name": "Operator", "last_name": "112 Samarinda"},
    {"username": "dispatcher_damkar_smd", "role": "dispatcher", "agency": "damkar@smd", "first_name": "Dispatcher", "last_name": "Damkar SMD"},
    {"username": "dispatcher_psc_smd", "role": "dispatcher", "agency": "psc@smd", "first_name": "Dispatcher", "last_name": "PSC 119 SMD"},
    {"username": "dispatcher_basarnas_smd", "role": "dispatcher", "agency": "basarnas@smd", "first_name": "Dispatcher", "last_name": "Basarnas Balikpapan"},
    {"username": "supervisor_smd", "role": "supervisor", "centre": "smd", "first_name": "Supervisor", "last_name": "112 Samarinda"},
    {"username": "call_taker_psr", "role": "call_taker", "centre": "psr", "first_name": "Operator", "last_name": "112 Paser"},
    {"username": "dispatcher_damkar_psr", "role": "dispatcher", "agency": "damkar@psr", "first_name": "Dispatcher", "last_name": "Damkar Paser"},
    {"username": "dispatcher_psc_psr", "role": "dispatcher", "agency": "psc@psr", "first_name": "Dispatcher", "last_name": "PSC 119 Paser"},
    {"username": "supervisor_kaltim", "role": "supervisor", "province": "64", "first_name": "Supervisor", "last_name": "112 Provinsi Kalimantan Timur"},
    {"username": "official_kaltim", "role": "official", "province": "64", "first_name": "Pimpinan", "last_name": "Diskominfo Kalimantan Timur"},
    {"username": "admin", "role": "admin", "superuser": True, "first_name": "Admin", "last_name": "Platform 112"},
]
