"""Incident categories seen on Indonesian 112 dashboards (shared/design/domain.md), with their SOP scripts.

Question format (incidents.models.IncidentCategory.question_script):
{"key", "question_id", "question_en", "type": "bool|text|choice", "choices": [...],
 "priority_if": {"answer": value, "priority": n}} — an answer equal to `answer` raises the priority to n.
Priorities: 1 critical (life-threatening), 2 urgent, 3 standard, 4 low / non-emergency.
"""


def q(key, question_id, question_en, type_="bool", choices=None, priority_if=None):
    question = {"key": key, "question_id": question_id, "question_en": question_en, "type": type_}
    if choices:
        question["choices"] = list(choices)
    if priority_if:
        answer, priority = priority_if
        question["priority_if"] = {"answer": answer, "priority": priority}
    return question


CATEGORIES = [
    {
        "code": "kebakaran", "name_id": "Kebakaran", "name_en": "Fire",
        "default_priority": 2, "responsible_agency_types": ["fire"], "required_capabilities": ["fire_suppression"],
        "on_scene_target_min": 15,  # Damkar minimum service standard (SPM)
        "related": ["rumah_roboh", "kebakaran_hutan_lahan"],
        "question_script": [
            q("people_trapped", "Ada korban terjebak?", "Is anyone trapped?", priority_if=(True, 1)),
            q("injured", "Ada korban luka?", "Is anyone injured?", priority_if=(True, 1)),
            q("building_type", "Apa yang terbakar?", "What is burning?", "choice",
              ["Rumah", "Ruko / toko", "Gedung bertingkat", "Kendaraan", "Lahan / hutan", "Lainnya"]),
            q("spreading", "Api merambat ke bangunan lain?", "Is the fire spreading to other buildings?", priority_if=(True, 1)),
            q("hazardous", "Ada tabung gas atau bahan berbahaya?", "Gas cylinders or hazardous materials present?"),
        ],
    },
    {
        "code": "kebakaran_hutan_lahan", "name_id": "Kebakaran hutan dan lahan (karhutla)", "name_en": "Forest and land fire",
        "default_priority": 2, "responsible_agency_types": ["fire", "disaster"], "required_capabilities": ["fire_suppression"],
        "on_scene_target_min": 15, "related": ["kebakaran"],
        "question_script": [
            q("near_houses", "Api dekat permukiman?", "Is the fire near houses?", priority_if=(True, 1)),
            q("area", "Perkiraan luas lahan terbakar?", "Estimated area burning?", "text"),
            q("water_source", "Ada sumber air di dekat lokasi?", "Is there water nearby?"),
        ],
    },
    {
        "code": "kecelakaan_lalu_lintas", "name_id": "Kecelakaan lalu lintas", "name_en": "Traffic accident",
        "default_priority": 2, "responsible_agency_types": ["ems", "police"], "required_capabilities": ["bls"],
        "related": ["medis", "permintaan_ambulans"],
        "question_script": [
            q("unconscious", "Ada korban tidak sadar?", "Is any victim unconscious?", priority_if=(True, 1)),
            q("pinned", "Ada korban terjepit di kendaraan?", "Is anyone pinned in a vehicle?", priority_if=(True, 1)),
            q("vehicle_fire", "Kendaraan terbakar atau bocor bahan bakar?", "Vehicle on fire or leaking fuel?", priority_if=(True, 1)),
            q("victims", "Berapa jumlah korban?", "How many victims?", "text"),
            q("road_blocked", "Jalan tertutup?", "Is the road blocked?"),
        ],
    },
    {
        "code": "medis", "name_id": "Kegawatdaruratan medis", "name_en": "Medical emergency",
        "default_priority": 2, "responsible_agency_types": ["ems"], "required_capabilities": ["bls"],
        "related": ["permintaan_ambulans", "kecelakaan_lalu_lintas"],
        "question_script": [
            q("conscious", "Pasien sadar?", "Is the patient conscious?", priority_if=(False, 1)),
            q("breathing", "Pasien bernapas normal?", "Is the patient breathing normally?", priority_if=(False, 1)),
            q("chest_pain", "Nyeri dada atau sesak napas berat?", "Chest pain or severe shortness of breath?", priority_if=(True, 1)),
            q("bleeding", "Ada perdarahan hebat?", "Severe bleeding?", priority_if=(True, 1)),
            q("age", "Usia pasien?", "Patient's age?", "text"),
        ],
    },
    {
        "code": "permintaan_ambulans", "name_id": "Permintaan ambulans", "name_en": "Ambulance request",
        "default_priority": 3, "responsible_agency_types": ["ems"], "required_capabilities": ["patient_transport"],
        "related": ["medis"],
        "question_script": [
            q("purpose", "Keperluan ambulans?", "What is the ambulance for?", "choice",
              ["Pasien di rumah", "Rujukan antar rumah sakit", "Antar jenazah", "Lainnya"]),
            q("stable", "Kondisi pasien stabil?", "Is the patient stable?", priority_if=(False, 2)),
            q("condition", "Keluhan / kondisi pasien?", "Patient's complaint or condition?", "text"),
        ],
    },
    {
        "code": "bencana_alam", "name_id": "Bencana alam", "name_en": "Natural disaster",
        "default_priority": 2, "responsible_agency_types": ["disaster", "sar"], "required_capabilities": ["evacuation"],
        "related": ["banjir", "rumah_roboh", "pohon_tumbang"],
        "question_script": [
            q("kind", "Jenis bencana?", "Kind of disaster?", "choice",
              ["Tanah longsor", "Angin puting beliung", "Gempa bumi", "Banjir bandang", "Lainnya"]),
            q("casualties", "Ada korban jiwa atau warga terjebak?", "Any casualties or people trapped?", priority_if=(True, 1)),
            q("affected", "Perkiraan jumlah warga terdampak?", "Estimated number of people affected?", "text"),
        ],
    },
    {
        "code": "banjir", "name_id": "Banjir", "name_en": "Flood",
        "default_priority": 3, "responsible_agency_types": ["disaster"], "required_capabilities": ["water_rescue"],
        "related": ["bencana_alam", "orang_tenggelam"],
        "question_script": [
            q("people_trapped", "Ada warga terjebak dan perlu dievakuasi?", "Are people trapped and in need of evacuation?", priority_if=(True, 1)),
            q("vulnerable", "Ada lansia, anak-anak, atau orang sakit?", "Elderly, children or sick people present?", priority_if=(True, 2)),
            q("depth", "Perkiraan ketinggian air?", "Estimated water depth?", "choice", ["< 50 cm", "50–100 cm", "> 1 m"]),
        ],
    },
    {
        "code": "pohon_tumbang", "name_id": "Pohon tumbang", "name_en": "Fallen tree",
        "default_priority": 3, "responsible_agency_types": ["fire", "disaster"], "required_capabilities": ["chainsaw"],
        "related": ["pln", "bencana_alam"],
        "question_script": [
            q("victims", "Ada orang atau kendaraan tertimpa?", "Is anyone or any vehicle trapped under it?", priority_if=(True, 1)),
            q("power_lines", "Menimpa kabel listrik?", "Has it brought down power lines?", priority_if=(True, 2)),
            q("road_blocked", "Menutup jalan?", "Is the road blocked?"),
        ],
    },
    {
        "code": "evakuasi_hewan", "name_id": "Evakuasi hewan / ular / sarang tawon", "name_en": "Animal, snake or wasp nest rescue",
        "default_priority": 3, "responsible_agency_types": ["fire"], "required_capabilities": ["animal_rescue"],
        "related": [],
        "question_script": [
            q("animal", "Hewan apa?", "Which animal?", "choice",
              ["Ular", "Sarang tawon / lebah", "Biawak", "Buaya", "Kucing / anjing terjebak", "Lainnya"]),
            q("someone_hurt", "Ada yang tergigit atau tersengat?", "Has anyone been bitten or stung?", priority_if=(True, 2)),
            q("inside_house", "Hewan berada di dalam rumah?", "Is the animal inside the house?"),
        ],
    },
    {
        "code": "kriminalitas", "name_id": "Kriminalitas / gangguan kamtibmas", "name_en": "Crime / public disorder",
        "default_priority": 2, "responsible_agency_types": ["police"], "required_capabilities": ["patrol"],
        "related": ["kdrt"],
        "question_script": [
            q("in_progress", "Kejadian masih berlangsung?", "Is it still happening?", priority_if=(True, 1)),
            q("weapon", "Pelaku membawa senjata?", "Is the offender armed?", priority_if=(True, 1)),
            q("injured", "Ada korban luka?", "Is anyone injured?", priority_if=(True, 1)),
            q("offender", "Ciri-ciri pelaku / arah kabur?", "Offender's description / direction of escape?", "text"),
        ],
    },
    {
        "code": "kdrt", "name_id": "Kekerasan dalam rumah tangga (KDRT)", "name_en": "Domestic violence",
        "default_priority": 2, "responsible_agency_types": ["police", "social"], "required_capabilities": [],
        "related": ["kriminalitas"],
        "question_script": [
            q("in_danger", "Korban masih dalam bahaya?", "Is the victim still in danger?", priority_if=(True, 1)),
            q("injured", "Korban terluka?", "Is the victim injured?", priority_if=(True, 1)),
            q("children", "Ada anak-anak di lokasi?", "Are children present?"),
        ],
    },
    {
        "code": "orang_tenggelam", "name_id": "Orang tenggelam / pencarian", "name_en": "Drowning / search and rescue",
        "default_priority": 1, "responsible_agency_types": ["sar", "disaster"], "required_capabilities": ["water_rescue"],
        "related": ["banjir", "temuan_jenazah"],
        "question_script": [
            q("place", "Di mana?", "Where?", "choice", ["Sungai", "Danau", "Laut", "Kolam / galian", "Hutan", "Lainnya"]),
            q("last_seen", "Kapan terakhir terlihat?", "When was the person last seen?", "text"),
            q("count", "Berapa orang?", "How many people?", "text"),
        ],
    },
    {
        "code": "rumah_roboh", "name_id": "Rumah / bangunan roboh", "name_en": "Collapsed building",
        "default_priority": 2, "responsible_agency_types": ["disaster", "fire"], "required_capabilities": ["rescue"],
        "related": ["bencana_alam", "kebakaran"],
        "question_script": [
            q("people_trapped", "Ada orang tertimpa atau terjebak?", "Is anyone trapped under it?", priority_if=(True, 1)),
            q("cause", "Penyebab?", "Cause?", "choice", ["Angin", "Banjir / longsor", "Bangunan lapuk", "Kebakaran", "Lainnya"]),
        ],
    },
    {
        "code": "temuan_jenazah", "name_id": "Temuan jenazah", "name_en": "Body found",
        "default_priority": 3, "responsible_agency_types": ["police", "ems"], "required_capabilities": [],
        "related": ["orang_tenggelam", "kriminalitas"],
        "question_script": [
            q("in_water", "Ditemukan di air?", "Found in water?"),
            q("violence", "Ada tanda-tanda kekerasan?", "Any signs of violence?", priority_if=(True, 2)),
        ],
    },
    {
        "code": "odgj_pmks", "name_id": "ODGJ / PMKS", "name_en": "Mental-health or social welfare case",
        "default_priority": 3, "responsible_agency_types": ["social", "public_order"], "required_capabilities": [],
        "related": [],
        "question_script": [
            q("danger", "Membahayakan diri sendiri atau orang lain?", "A danger to themselves or others?", priority_if=(True, 2)),
            q("medical", "Perlu pertolongan medis?", "Needs medical help?", priority_if=(True, 2)),
            q("description", "Ciri-ciri orang tersebut?", "Description of the person?", "text"),
        ],
    },
    {
        "code": "pju", "name_id": "Penerangan jalan umum (PJU)", "name_en": "Street lighting",
        "default_priority": 4, "responsible_agency_types": ["transport"], "required_capabilities": ["street_lighting"],
        "related": ["pln"],
        "question_script": [
            q("hazard", "Tiang roboh atau kabel terbuka?", "Fallen pole or exposed cable?", priority_if=(True, 3)),
            q("count", "Berapa lampu yang padam?", "How many lights are out?", "text"),
        ],
    },
    {
        "code": "pln", "name_id": "Gangguan listrik (PLN)", "name_en": "Power outage or hazard",
        "default_priority": 4, "responsible_agency_types": ["power"], "required_capabilities": ["power_repair"],
        "related": ["pju", "pohon_tumbang"],
        "question_script": [
            q("sparks", "Ada kabel putus atau percikan api?", "Downed cable or sparks?", priority_if=(True, 2)),
            q("area", "Berapa rumah yang padam?", "How many homes are without power?", "text"),
        ],
    },
    {
        "code": "pdam", "name_id": "Gangguan air bersih (PDAM)", "name_en": "Water supply problem",
        "default_priority": 4, "responsible_agency_types": ["water"], "required_capabilities": ["water_repair"],
        "related": [],
        "question_script": [
            q("burst_pipe", "Pipa pecah di jalan?", "A burst pipe on the road?", priority_if=(True, 3)),
            q("duration", "Sudah berapa lama air mati?", "How long has the water been off?", "text"),
        ],
    },
]

# Acknowledgement windows by priority (EscalationRule with no centre and no category).
ESCALATION_DEFAULTS = {1: 60, 2: 120, 3: 300, 4: 600}
SECOND_STAGE_SECONDS = 120
