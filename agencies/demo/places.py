"""Demo command centres, the approximate outlines of the regencies they serve, district seeds, landmarks.

Coordinates are (longitude, latitude) in EPSG:4326. Outlines and district seeds are rough
approximations drawn for the demo, not official boundaries (see agencies.demo.geometry).
Landmark coordinates are close to the real places, good enough to put a pin on a demo map.
"""

CENTRES = [
    {
        "code": "pky",
        "reference_prefix": "PKY",
        "name": "112 Kota Palangka Raya",
        "province": "62",
        "regions": ["62.71"],
        "timezone": "Asia/Jakarta",
        "location": (113.9186, -2.2078),
        "phone": "112",
    },
    {
        "code": "smd",
        "reference_prefix": "SMD",
        "name": "112 Kota Samarinda",
        "province": "64",
        "regions": ["64.72"],
        "timezone": "Asia/Makassar",
        "location": (117.1505, -0.4985),
        "phone": "112",
    },
    {
        "code": "psr",
        "reference_prefix": "PSR",
        "name": "112 Kabupaten Paser",
        "province": "64",
        "regions": ["64.01"],
        "timezone": "Asia/Makassar",
        "location": (116.1930, -1.9040),
        "phone": "112",
    },
]

# Regency outline (a rough ring) and one seed point per district (kecamatan): the district cells are
# the seeds' Voronoi cells inside the outline.
REGENCIES = {
    # Kota Palangka Raya: the city on the Kahayan river, wide peat and forest land north and south.
    "62.71": {
        "outline": [
            (113.62, -2.00), (113.70, -1.82), (113.78, -1.70), (113.92, -1.60), (114.05, -1.72),
            (114.02, -2.10), (114.06, -2.25), (114.05, -2.45), (113.85, -2.48), (113.78, -2.30),
            (113.70, -2.15),
        ],
        "districts": {
            "62.71.01": (113.9350, -2.2060),  # Pahandut: old town by the river, Pasar Besar
            "62.71.02": (113.7300, -2.0400),  # Bukit Batu: Tangkiling, north-west on the Kasongan road
            "62.71.03": (113.8800, -2.2000),  # Jekan Raya: west of the centre, university, Jl. Tjilik Riwut
            "62.71.04": (113.9500, -2.3200),  # Sabangau: south, across the peat to the Sebangau river
            "62.71.05": (113.9000, -1.8500),  # Rakumpit: far north
        },
    },
    # Kota Samarinda: both banks of the Mahakam.
    "64.72": {
        "outline": [
            (117.02, -0.40), (117.08, -0.30), (117.20, -0.28), (117.28, -0.38), (117.32, -0.50),
            (117.30, -0.68), (117.22, -0.75), (117.10, -0.70), (117.02, -0.60), (117.00, -0.50),
        ],
        "districts": {
            "64.72.01": (117.1900, -0.6200),  # Palaran: south-east, across the river
            "64.72.02": (117.1400, -0.5300),  # Samarinda Seberang: south bank
            "64.72.03": (117.1350, -0.4800),  # Samarinda Ulu
            "64.72.04": (117.1700, -0.5050),  # Samarinda Ilir
            "64.72.05": (117.1600, -0.3900),  # Samarinda Utara: north, towards the airport
            "64.72.06": (117.1050, -0.5050),  # Sungai Kunjang: west
            "64.72.07": (117.2200, -0.4900),  # Sambutan: east
            "64.72.08": (117.1650, -0.4700),  # Sungai Pinang
            "64.72.09": (117.1500, -0.4985),  # Samarinda Kota: city hall, Pasar Pagi
            "64.72.10": (117.0950, -0.5500),  # Loa Janan Ilir: south-west bank
        },
    },
    # Kabupaten Paser: Tana Paser (Tanah Grogot) near the coast, hills to the west.
    "64.01": {
        "outline": [
            (115.65, -1.55), (115.90, -1.30), (116.25, -1.10), (116.55, -1.25), (116.50, -1.70),
            (116.45, -2.05), (116.30, -2.45), (116.00, -2.55), (115.80, -2.20), (115.60, -1.90),
        ],
        "districts": {
            "64.01.01": (115.9300, -1.8000),  # Batu Sopang
            "64.01.02": (116.4000, -2.1000),  # Tanjung Harapan: coast
            "64.01.03": (116.0500, -1.9600),  # Paser Belengkong
            "64.01.04": (116.1900, -1.9100),  # Tanah Grogot: the capital, Tana Paser
            "64.01.05": (116.0700, -1.7500),  # Kuaro
            "64.01.06": (116.2200, -1.6000),  # Long Ikis
            "64.01.07": (115.7700, -1.6500),  # Muara Komam
            "64.01.08": (116.3500, -1.3500),  # Long Kali
            "64.01.09": (116.1000, -2.3000),  # Batu Engau
            "64.01.10": (115.7800, -2.0000),  # Muara Samu
        },
    },
}

LANDMARKS = {
    "pky": [
        ("RSUD dr. Doris Sylvanus", (113.9117, -2.2136)),
        ("RS Bhayangkara Palangka Raya", (113.9040, -2.2160)),
        ("Bundaran Besar (Tugu Soekarno)", (113.9135, -2.2093)),
        ("Pasar Besar Palangka Raya", (113.9240, -2.2010)),
        ("Kantor Gubernur Kalimantan Tengah", (113.9143, -2.2108)),
        ("Kantor Wali Kota Palangka Raya", (113.9186, -2.2078)),
        ("Bandara Tjilik Riwut", (113.9427, -2.2250)),
        ("Jembatan Kahayan", (113.9320, -2.2000)),
        ("Universitas Palangka Raya", (113.8990, -2.2200)),
        ("Taman Pasuk Kameloh", (113.9290, -2.2030)),
        ("Palangka Raya Mall", (113.9000, -2.1950)),
        ("Bundaran Burung", (113.8985, -2.2038)),
    ],
    "smd": [
        ("RSUD Abdul Wahab Sjahranie", (117.1466, -0.4896)),
        ("Masjid Islamic Center Samarinda", (117.1280, -0.5085)),
        ("Jembatan Mahakam", (117.1300, -0.5140)),
        ("Pasar Pagi Samarinda", (117.1490, -0.5020)),
        ("Kantor Gubernur Kalimantan Timur", (117.1426, -0.5016)),
        ("Balai Kota Samarinda", (117.1505, -0.4985)),
        ("Big Mall Samarinda", (117.1098, -0.5155)),
        ("Bandara APT Pranoto", (117.2560, -0.3740)),
        ("Simpang Empat Lembuswana", (117.1470, -0.4750)),
        ("Universitas Mulawarman", (117.1570, -0.4680)),
        ("Stadion Segiri", (117.1450, -0.4920)),
    ],
    "psr": [
        ("RSUD Panglima Sebaya", (116.1960, -1.9130)),
        ("Alun-alun Tanah Grogot", (116.1950, -1.9060)),
        ("Kantor Bupati Paser", (116.1930, -1.9040)),
        ("Pasar Induk Penggalang", (116.2010, -1.9120)),
        ("Taman Siring Kandilo", (116.2030, -1.9070)),
        ("Terminal Tanah Grogot", (116.1870, -1.9180)),
    ],
}
