"""Demo agencies of each centre, their stations and units (positions at the station), in readable form.

Each agency has a `key` used for demo usernames (`dispatcher_<key>_<centre>`) and for `backup`
(the agency offered the incident when this one lets an assignment expire). Backup chains are
acyclic on purpose: Damkar → BPBD → Basarnas, PSC 119 → PMI, Dinsos → Satpol PP, Dishub → Polisi.
`regions` defaults to the centre's regions; the jurisdiction is the union of those regions' boundaries.

Unit capabilities used by the categories (agencies.demo.categories):
fire_suppression, water_supply, rescue, ladder, animal_rescue, chainsaw, als, bls, patient_transport,
patrol, traffic_control, street_lighting, water_rescue, search, evacuation, power_repair, water_repair,
public_order, social_care, blood_supply.
"""

FIRE_ENGINE = ["fire_suppression", "water_supply"]
FIRE_RESCUE = ["fire_suppression", "water_supply", "rescue"]
RESCUE = ["rescue", "animal_rescue", "chainsaw"]
ALS = ["als", "bls", "patient_transport"]
BLS = ["bls", "patient_transport"]


def unit(call_sign, type_, capabilities):
    return {"call_sign": call_sign, "type": type_, "capabilities": list(capabilities)}


AGENCIES = {
    "pky": [
        {
            "key": "damkar", "type": "fire", "short_name": "Damkar PKY", "phone": "0536-3221113",
            "name": "Dinas Pemadam Kebakaran dan Penyelamatan Kota Palangka Raya", "backup": "bpbd",
            "stations": [
                {"name": "Markas Damkar Palangka Raya", "address": "Jl. Diponegoro, Pahandut", "location": (113.9195, -2.2055), "units": [
                    unit("PKY-DMK-01", "fire_engine", FIRE_RESCUE),
                    unit("PKY-DMK-02", "fire_engine", FIRE_ENGINE + ["ladder"]),
                    unit("PKY-DMK-03", "water_tanker", ["water_supply"]),
                    unit("PKY-DMK-04", "rescue", RESCUE),
                ]},
                {"name": "Pos Damkar Jekan Raya", "address": "Jl. RTA Milono, Jekan Raya", "location": (113.8820, -2.2100), "units": [
                    unit("PKY-DMK-05", "fire_engine", FIRE_ENGINE),
                    unit("PKY-DMK-06", "rescue", RESCUE),
                ]},
                {"name": "Pos Damkar Kalampangan", "address": "Jl. Mahir Mahar, Sabangau", "location": (113.9700, -2.2800), "units": [
                    unit("PKY-DMK-07", "fire_engine", FIRE_ENGINE),
                ]},
                {"name": "Pos Damkar Tangkiling", "address": "Jl. Tjilik Riwut Km 34, Bukit Batu", "location": (113.7450, -2.0300), "units": [
                    unit("PKY-DMK-08", "fire_engine", FIRE_ENGINE),
                ]},
            ],
        },
        {
            "key": "psc", "type": "ems", "short_name": "PSC 119 PKY", "phone": "119",
            "name": "PSC 119 Dinas Kesehatan Kota Palangka Raya", "backup": "pmi",
            "stations": [
                {"name": "Markas PSC 119 Palangka Raya", "address": "Jl. Tambun Bungai, Pahandut", "location": (113.9150, -2.2120), "units": [
                    unit("PKY-119-01", "ambulance", ALS),
                    unit("PKY-119-02", "ambulance", ALS),
                    unit("PKY-119-03", "ambulance", BLS),
                    unit("PKY-119-04", "ambulance", BLS),
                    unit("PKY-119-05", "motorbike", ["bls"]),
                ]},
                {"name": "Pos PSC 119 Puskesmas Kayon", "address": "Jl. Tjilik Riwut, Jekan Raya", "location": (113.8900, -2.2070), "units": [
                    unit("PKY-119-06", "ambulance", BLS),
                ]},
                {"name": "Pos PSC 119 Tangkiling", "address": "Puskesmas Tangkiling, Bukit Batu", "location": (113.7400, -2.0350), "units": [
                    unit("PKY-119-07", "ambulance", BLS),
                ]},
            ],
        },
        {
            "key": "polisi", "type": "police", "short_name": "Polresta PKY", "phone": "110",
            "name": "Kepolisian Resor Kota Palangka Raya",
            "stations": [
                {"name": "Mapolresta Palangka Raya", "address": "Jl. Tjilik Riwut Km 1", "location": (113.9070, -2.2010), "units": [
                    unit("PKY-POL-01", "patrol", ["patrol", "traffic_control"]),
                    unit("PKY-POL-02", "patrol", ["patrol", "traffic_control"]),
                    unit("PKY-POL-03", "motorbike", ["patrol"]),
                ]},
            ],
        },
        {
            "key": "bpbd", "type": "disaster", "short_name": "BPBD PKY", "phone": "0536-3231500",
            "name": "Badan Penanggulangan Bencana Daerah Kota Palangka Raya", "backup": "basarnas",
            "stations": [
                {"name": "Kantor BPBD Palangka Raya", "address": "Jl. Yos Sudarso, Jekan Raya", "location": (113.9000, -2.2150), "units": [
                    unit("PKY-BPBD-01", "rescue", ["rescue", "evacuation", "chainsaw"]),
                    unit("PKY-BPBD-02", "boat", ["water_rescue", "evacuation"]),
                    unit("PKY-BPBD-03", "truck", ["evacuation", "water_supply"]),
                ]},
            ],
        },
        {
            "key": "basarnas", "type": "sar", "short_name": "Basarnas Palangka Raya", "phone": "0536-3224426",
            "name": "Kantor Pencarian dan Pertolongan Palangka Raya (Basarnas)",
            "stations": [
                {"name": "Kantor SAR Palangka Raya", "address": "Jl. Adonis Samad, dekat Bandara Tjilik Riwut", "location": (113.9390, -2.2240), "units": [
                    unit("PKY-SAR-01", "rescue", ["rescue", "search", "water_rescue"]),
                    unit("PKY-SAR-02", "boat", ["water_rescue", "search"]),
                ]},
            ],
        },
        {
            "key": "satpolpp", "type": "public_order", "short_name": "Satpol PP PKY",
            "name": "Satuan Polisi Pamong Praja Kota Palangka Raya",
            "stations": [
                {"name": "Markas Satpol PP Palangka Raya", "address": "Jl. Tjilik Riwut, Pahandut", "location": (113.9170, -2.2090), "units": [
                    unit("PKY-PP-01", "patrol", ["public_order"]),
                ]},
            ],
        },
        {
            "key": "dishub", "type": "transport", "short_name": "Dishub PKY",
            "name": "Dinas Perhubungan Kota Palangka Raya", "backup": "polisi",
            "stations": [
                {"name": "Kantor Dishub Palangka Raya", "address": "Jl. Jenderal Sudirman", "location": (113.9100, -2.2000), "units": [
                    unit("PKY-DSH-01", "utility", ["traffic_control", "street_lighting"]),
                ]},
            ],
        },
        {
            "key": "pln", "type": "power", "short_name": "PLN ULP Palangka Raya", "phone": "123",
            "name": "PT PLN (Persero) ULP Palangka Raya",
            "stations": [
                {"name": "Kantor PLN ULP Palangka Raya", "address": "Jl. Ahmad Yani", "location": (113.9120, -2.2040), "units": [
                    unit("PKY-PLN-01", "utility", ["power_repair"]),
                    unit("PKY-PLN-02", "utility", ["power_repair"]),
                ]},
            ],
        },
        {
            "key": "pdam", "type": "water", "short_name": "PDAM PKY",
            "name": "Perumda Air Minum Kota Palangka Raya",
            "stations": [
                {"name": "Kantor PDAM Palangka Raya", "address": "Jl. Ahmad Yani, Pahandut", "location": (113.9270, -2.1990), "units": [
                    unit("PKY-PDAM-01", "utility", ["water_repair"]),
                    unit("PKY-PDAM-02", "water_tanker", ["water_supply"]),
                ]},
            ],
        },
        {
            "key": "pmi", "type": "red_cross", "short_name": "PMI PKY",
            "name": "Palang Merah Indonesia Kota Palangka Raya",
            "stations": [
                {"name": "Markas PMI Palangka Raya", "address": "Jl. Brigjen Katamso", "location": (113.9080, -2.2180), "units": [
                    unit("PKY-PMI-01", "ambulance", BLS + ["blood_supply"]),
                    unit("PKY-PMI-02", "ambulance", BLS),
                ]},
            ],
        },
        {
            "key": "dinsos", "type": "social", "short_name": "Dinsos PKY",
            "name": "Dinas Sosial Kota Palangka Raya", "backup": "satpolpp",
            "stations": [
                {"name": "Kantor Dinas Sosial Palangka Raya", "address": "Jl. Tjilik Riwut Km 5", "location": (113.9160, -2.2150), "units": [
                    unit("PKY-DSS-01", "other", ["social_care"]),
                ]},
            ],
        },
    ],
    "smd": [
        {
            "key": "damkar", "type": "fire", "short_name": "Damkar SMD", "phone": "0541-733333",
            "name": "Dinas Pemadam Kebakaran dan Penyelamatan Kota Samarinda", "backup": "bpbd",
            "stations": [
                {"name": "Markas Damkar Samarinda", "address": "Jl. Awang Long, Samarinda Kota", "location": (117.1450, -0.4990), "units": [
                    unit("SMD-DMK-01", "fire_engine", FIRE_RESCUE),
                    unit("SMD-DMK-02", "fire_engine", FIRE_ENGINE + ["ladder"]),
                    unit("SMD-DMK-03", "water_tanker", ["water_supply"]),
                    unit("SMD-DMK-04", "rescue", RESCUE),
                ]},
                {"name": "Pos Damkar Sungai Kunjang", "address": "Jl. Untung Suropati", "location": (117.1100, -0.5100), "units": [
                    unit("SMD-DMK-05", "fire_engine", FIRE_ENGINE),
                ]},
                {"name": "Pos Damkar Samarinda Seberang", "address": "Jl. Bung Tomo", "location": (117.1400, -0.5250), "units": [
                    unit("SMD-DMK-06", "fire_engine", FIRE_ENGINE),
                ]},
                {"name": "Pos Damkar Samarinda Utara", "address": "Jl. D.I. Panjaitan", "location": (117.1600, -0.4200), "units": [
                    unit("SMD-DMK-07", "fire_engine", FIRE_ENGINE),
                    unit("SMD-DMK-08", "rescue", RESCUE),
                ]},
                {"name": "Pos Damkar Palaran", "address": "Jl. Trikora, Palaran", "location": (117.1850, -0.6000), "units": [
                    unit("SMD-DMK-09", "fire_engine", FIRE_ENGINE),
                ]},
            ],
        },
        {
            "key": "psc", "type": "ems", "short_name": "PSC 119 SMD", "phone": "119",
            "name": "PSC 119 Dinas Kesehatan Kota Samarinda", "backup": "pmi",
            "stations": [
                {"name": "Markas PSC 119 Samarinda", "address": "Jl. Milono, Samarinda Ulu", "location": (117.1400, -0.4900), "units": [
                    unit("SMD-119-01", "ambulance", ALS),
                    unit("SMD-119-02", "ambulance", ALS),
                    unit("SMD-119-03", "ambulance", BLS),
                    unit("SMD-119-04", "motorbike", ["bls"]),
                ]},
                {"name": "Pos PSC 119 Sempaja", "address": "Puskesmas Sempaja, Samarinda Utara", "location": (117.1620, -0.4400), "units": [
                    unit("SMD-119-05", "ambulance", BLS),
                ]},
                {"name": "Pos PSC 119 Palaran", "address": "Puskesmas Palaran", "location": (117.1880, -0.6050), "units": [
                    unit("SMD-119-06", "ambulance", BLS),
                ]},
            ],
        },
        {
            "key": "polisi", "type": "police", "short_name": "Polresta Samarinda", "phone": "110",
            "name": "Kepolisian Resor Kota Samarinda",
            "stations": [
                {"name": "Mapolresta Samarinda", "address": "Jl. Slamet Riyadi", "location": (117.1230, -0.5030), "units": [
                    unit("SMD-POL-01", "patrol", ["patrol", "traffic_control"]),
                    unit("SMD-POL-02", "patrol", ["patrol", "traffic_control"]),
                    unit("SMD-POL-03", "motorbike", ["patrol"]),
                ]},
            ],
        },
        {
            "key": "bpbd", "type": "disaster", "short_name": "BPBD SMD",
            "name": "Badan Penanggulangan Bencana Daerah Kota Samarinda", "backup": "basarnas",
            "stations": [
                {"name": "Kantor BPBD Samarinda", "address": "Jl. Dahlia, Samarinda Ulu", "location": (117.1380, -0.4860), "units": [
                    unit("SMD-BPBD-01", "rescue", ["rescue", "evacuation", "chainsaw"]),
                    unit("SMD-BPBD-02", "boat", ["water_rescue", "evacuation"]),
                    unit("SMD-BPBD-03", "boat", ["water_rescue", "evacuation"]),
                ]},
            ],
        },
        {
            # One Basarnas office covers Samarinda and Paser.
            "key": "basarnas", "type": "sar", "short_name": "Basarnas Balikpapan", "phone": "0542-7219027",
            "name": "Kantor Pencarian dan Pertolongan Balikpapan (Basarnas)", "regions": ["64.72", "64.01"],
            "stations": [
                {"name": "Pos SAR Samarinda", "address": "Jl. Cendana, Sungai Kunjang", "location": (117.1180, -0.5000), "units": [
                    unit("BPN-SAR-01", "rescue", ["rescue", "search", "water_rescue"]),
                    unit("BPN-SAR-02", "boat", ["water_rescue", "search"]),
                ]},
                {"name": "Pos SAR Tana Paser", "address": "Jl. Jenderal Sudirman, Tanah Grogot", "location": (116.2000, -1.9150), "units": [
                    unit("BPN-SAR-03", "rescue", ["rescue", "search", "water_rescue"]),
                ]},
            ],
        },
        {
            "key": "satpolpp", "type": "public_order", "short_name": "Satpol PP SMD",
            "name": "Satuan Polisi Pamong Praja Kota Samarinda",
            "stations": [
                {"name": "Markas Satpol PP Samarinda", "address": "Jl. Kesuma Bangsa", "location": (117.1510, -0.4970), "units": [
                    unit("SMD-PP-01", "patrol", ["public_order"]),
                ]},
            ],
        },
        {
            "key": "dishub", "type": "transport", "short_name": "Dishub SMD",
            "name": "Dinas Perhubungan Kota Samarinda", "backup": "polisi",
            "stations": [
                {"name": "Kantor Dishub Samarinda", "address": "Jl. Ir. H. Juanda", "location": (117.1380, -0.4800), "units": [
                    unit("SMD-DSH-01", "utility", ["traffic_control", "street_lighting"]),
                ]},
            ],
        },
        {
            "key": "pln", "type": "power", "short_name": "PLN UP3 Samarinda", "phone": "123",
            "name": "PT PLN (Persero) UP3 Samarinda",
            "stations": [
                {"name": "Kantor PLN UP3 Samarinda", "address": "Jl. Jenderal Sudirman", "location": (117.1470, -0.5010), "units": [
                    unit("SMD-PLN-01", "utility", ["power_repair"]),
                    unit("SMD-PLN-02", "utility", ["power_repair"]),
                ]},
            ],
        },
        {
            "key": "pdam", "type": "water", "short_name": "PDAM Tirta Kencana",
            "name": "Perumdam Tirta Kencana Kota Samarinda",
            "stations": [
                {"name": "Kantor PDAM Tirta Kencana", "address": "Jl. Tarmidi", "location": (117.1520, -0.4930), "units": [
                    unit("SMD-PDAM-01", "utility", ["water_repair"]),
                    unit("SMD-PDAM-02", "water_tanker", ["water_supply"]),
                ]},
            ],
        },
        {
            "key": "pmi", "type": "red_cross", "short_name": "PMI SMD",
            "name": "Palang Merah Indonesia Kota Samarinda",
            "stations": [
                {"name": "Markas PMI Samarinda", "address": "Jl. Palang Merah Indonesia", "location": (117.1420, -0.4950), "units": [
                    unit("SMD-PMI-01", "ambulance", BLS + ["blood_supply"]),
                ]},
            ],
        },
        {
            "key": "dinsos", "type": "social", "short_name": "Dinsos SMD",
            "name": "Dinas Sosial Kota Samarinda", "backup": "satpolpp",
            "stations": [
                {"name": "Kantor Dinas Sosial Samarinda", "address": "Jl. Basuki Rahmat", "location": (117.1480, -0.4960), "units": [
                    unit("SMD-DSS-01", "other", ["social_care"]),
                ]},
            ],
        },
    ],
    "psr": [
        {
            "key": "damkar", "type": "fire", "short_name": "Damkar Paser",
            "name": "Dinas Pemadam Kebakaran dan Penyelamatan Kabupaten Paser", "backup": "bpbd",
            "stations": [
                {"name": "Markas Damkar Tanah Grogot", "address": "Jl. Kusuma Bangsa, Tanah Grogot", "location": (116.1950, -1.9090), "units": [
                    unit("PSR-DMK-01", "fire_engine", FIRE_RESCUE),
                    unit("PSR-DMK-02", "fire_engine", FIRE_ENGINE),
                    unit("PSR-DMK-03", "water_tanker", ["water_supply"]),
                    unit("PSR-DMK-04", "rescue", RESCUE),
                ]},
                {"name": "Pos Damkar Long Ikis", "address": "Long Ikis", "location": (116.2200, -1.6100), "units": [
                    unit("PSR-DMK-05", "fire_engine", FIRE_ENGINE),
                ]},
                {"name": "Pos Damkar Kuaro", "address": "Kuaro", "location": (116.0700, -1.7600), "units": [
                    unit("PSR-DMK-06", "fire_engine", FIRE_ENGINE),
                ]},
                {"name": "Pos Damkar Batu Sopang", "address": "Kasungai, Batu Sopang", "location": (115.9300, -1.8000), "units": [
                    unit("PSR-DMK-07", "fire_engine", FIRE_ENGINE),
                ]},
            ],
        },
        {
            "key": "psc", "type": "ems", "short_name": "PSC 119 Paser", "phone": "119",
            "name": "PSC 119 Dinas Kesehatan Kabupaten Paser", "backup": "pmi",
            "stations": [
                {"name": "Markas PSC 119 Paser", "address": "RSUD Panglima Sebaya, Tanah Grogot", "location": (116.1965, -1.9125), "units": [
                    unit("PSR-119-01", "ambulance", ALS),
                    unit("PSR-119-02", "ambulance", BLS),
                    unit("PSR-119-03", "ambulance", BLS),
                ]},
                {"name": "Pos PSC 119 Long Ikis", "address": "Puskesmas Long Ikis", "location": (116.2210, -1.6080), "units": [
                    unit("PSR-119-04", "ambulance", BLS),
                ]},
                {"name": "Pos PSC 119 Kuaro", "address": "Puskesmas Kuaro", "location": (116.0710, -1.7580), "units": [
                    unit("PSR-119-05", "ambulance", BLS),
                ]},
            ],
        },
        {
            "key": "polisi", "type": "police", "short_name": "Polres Paser", "phone": "110",
            "name": "Kepolisian Resor Paser",
            "stations": [
                {"name": "Mapolres Paser", "address": "Jl. Kusuma Bangsa, Tanah Grogot", "location": (116.1900, -1.9050), "units": [
                    unit("PSR-POL-01", "patrol", ["patrol", "traffic_control"]),
                    unit("PSR-POL-02", "motorbike", ["patrol"]),
                ]},
            ],
        },
        {
            "key": "bpbd", "type": "disaster", "short_name": "BPBD Paser",
            "name": "Badan Penanggulangan Bencana Daerah Kabupaten Paser", "backup": "basarnas@smd",
            "stations": [
                {"name": "Kantor BPBD Paser", "address": "Jl. Jenderal Sudirman, Tanah Grogot", "location": (116.1920, -1.9100), "units": [
                    unit("PSR-BPBD-01", "rescue", ["rescue", "evacuation", "chainsaw"]),
                    unit("PSR-BPBD-02", "boat", ["water_rescue", "evacuation"]),
                ]},
            ],
        },
        {
            "key": "satpolpp", "type": "public_order", "short_name": "Satpol PP Paser",
            "name": "Satuan Polisi Pamong Praja Kabupaten Paser",
            "stations": [
                {"name": "Markas Satpol PP Paser", "address": "Kompleks Kantor Bupati Paser", "location": (116.1935, -1.9045), "units": [
                    unit("PSR-PP-01", "patrol", ["public_order"]),
                ]},
            ],
        },
        {
            "key": "dishub", "type": "transport", "short_name": "Dishub Paser",
            "name": "Dinas Perhubungan Kabupaten Paser", "backup": "polisi",
            "stations": [
                {"name": "Kantor Dishub Paser", "address": "Terminal Tanah Grogot", "location": (116.1870, -1.9180), "units": [
                    unit("PSR-DSH-01", "utility", ["traffic_control", "street_lighting"]),
                ]},
            ],
        },
        {
            "key": "pln", "type": "power", "short_name": "PLN ULP Tanah Grogot", "phone": "123",
            "name": "PT PLN (Persero) ULP Tanah Grogot",
            "stations": [
                {"name": "Kantor PLN ULP Tanah Grogot", "address": "Jl. Jenderal Sudirman", "location": (116.1980, -1.9070), "units": [
                    unit("PSR-PLN-01", "utility", ["power_repair"]),
                ]},
            ],
        },
        {
            "key": "pdam", "type": "water", "short_name": "PDAM Tirta Kandilo",
            "name": "Perumda Air Minum Tirta Kandilo Kabupaten Paser",
            "stations": [
                {"name": "Kantor PDAM Tirta Kandilo", "address": "Jl. Sultan Ibrahim Khaliluddin", "location": (116.2020, -1.9100), "units": [
                    unit("PSR-PDAM-01", "utility", ["water_repair"]),
                ]},
            ],
        },
        {
            "key": "pmi", "type": "red_cross", "short_name": "PMI Paser",
            "name": "Palang Merah Indonesia Kabupaten Paser",
            "stations": [
                {"name": "Markas PMI Paser", "address": "Tanah Grogot", "location": (116.1940, -1.9140), "units": [
                    unit("PSR-PMI-01", "ambulance", BLS + ["blood_supply"]),
                ]},
            ],
        },
        {
            "key": "dinsos", "type": "social", "short_name": "Dinsos Paser",
            "name": "Dinas Sosial Kabupaten Paser", "backup": "satpolpp",
            "stations": [
                {"name": "Kantor Dinas Sosial Paser", "address": "Kompleks Kantor Bupati Paser", "location": (116.1925, -1.9035), "units": [
                    unit("PSR-DSS-01", "other", ["social_care"]),
                ]},
            ],
        },
    ],
}
