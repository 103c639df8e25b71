"""The demo road network, in readable form: what `manage.py demo_roads` turns into an .osm.pbf (agencies.demo.roadgen)
for the routing engine and the maps.

It is GENERATED, not surveyed: arterials follow the real axes of Palangka Raya, Samarinda and Tanah Grogot
closely enough for a demo, residential grids fill the built-up areas, and the rivers — the Kahayan, the Mahakam,
the Kandilo — are crossed only at the bridges listed here (the Mahakam at three of them; the real city has a few
more). That is the point of the demo: the unit nearest as the crow flies may be on the wrong bank, and the one
to send is the one that arrives first. Every station of agencies.demo.agencies gets a short access road.

Coordinates are (longitude, latitude), EPSG:4326. A road's line may name a bridge end instead of a point:
"Jembatan Kahayan:a" is the end on the left of the river's flow (looking downstream), ":b" the other one; the
generator places bridges square to the river at the given point.
"""

# River lines, upstream first. `clearance_m`: no road but a bridge comes nearer the centre line than this.
RIVERS = [
    {
        "name": "Sungai Kahayan", "kind": "river", "clearance_m": 110,
        "line": [
            (113.880, -2.080), (113.895, -2.120), (113.905, -2.145), (113.918, -2.170), (113.926, -2.190),
            (113.932, -2.1985), (113.945, -2.2050), (113.955, -2.2150), (113.962, -2.2350), (113.985, -2.2550),
            (114.005, -2.2850), (114.020, -2.3300), (114.030, -2.4000),
        ],
    },
    {
        "name": "Sungai Mahakam", "kind": "river", "clearance_m": 180,
        "line": [
            (117.020, -0.600), (117.040, -0.585), (117.070, -0.565), (117.090, -0.545), (117.100, -0.533),
            (117.115, -0.522), (117.130, -0.5145), (117.145, -0.5095), (117.158, -0.5085), (117.172, -0.5140),
            (117.185, -0.5250), (117.195, -0.5450), (117.201, -0.5700), (117.212, -0.6000), (117.230, -0.6300),
            (117.260, -0.6600),
        ],
    },
    {
        "name": "Sungai Kandilo", "kind": "river", "clearance_m": 60,
        "line": [(116.140, -1.8880), (116.170, -1.8930), (116.190, -1.8965), (116.205, -1.8975), (116.230, -1.8940), (116.260, -1.8850)],
    },
]

# Crossings: the river they cross, the point on its line, the length (m) and the road class they carry.
BRIDGES = [
    {"name": "Jembatan Kahayan", "river": "Sungai Kahayan", "at": (113.932, -2.1985), "length_m": 640, "highway": "primary"},
    {"name": "Jembatan Mahakam", "river": "Sungai Mahakam", "at": (117.130, -0.5145), "length_m": 900, "highway": "primary"},
    {"name": "Jembatan Mahulu", "river": "Sungai Mahakam", "at": (117.090, -0.5450), "length_m": 900, "highway": "secondary"},
    {"name": "Jembatan Mahkota II", "river": "Sungai Mahakam", "at": (117.195, -0.5450), "length_m": 1000, "highway": "primary"},
    {"name": "Jembatan Kandilo", "river": "Sungai Kandilo", "at": (116.190, -1.8965), "length_m": 220, "highway": "secondary"},
]

# Arterials and collectors: name, OSM highway class, line (points or bridge ends), optional oneway.
ROADS = [
    # ── Palangka Raya (west bank: the city; east bank: Pahandut Seberang) ──
    {"name": "Jalan Tjilik Riwut", "highway": "primary", "line": [
        (113.9135, -2.2093), (113.9070, -2.2035), (113.8985, -2.2000), (113.8800, -2.1900), (113.8600, -2.1750),
        (113.8400, -2.1600), (113.8200, -2.1350), (113.8000, -2.1100), (113.7700, -2.0700), (113.7450, -2.0330),
        (113.7200, -2.0050), (113.6900, -1.9800)]},
    {"name": "Jalan Ahmad Yani", "highway": "secondary", "line": [
        (113.9135, -2.2093), (113.9190, -2.2040), (113.9240, -2.2025), (113.9275, -2.2035), "Jembatan Kahayan:b"]},
    {"name": "Jalan Yos Sudarso", "highway": "secondary", "line": [
        (113.9135, -2.2093), (113.9050, -2.2150), (113.8950, -2.2250), (113.8800, -2.2400), (113.8650, -2.2550)]},
    {"name": "Jalan Imam Bonjol", "highway": "secondary", "line": [
        (113.9135, -2.2093), (113.9120, -2.2200), (113.9100, -2.2350), (113.9080, -2.2550)]},
    {"name": "Jalan RTA Milono", "highway": "primary", "line": [
        (113.9135, -2.2093), (113.9200, -2.2200), (113.9300, -2.2380), (113.9450, -2.2600), (113.9600, -2.2750),
        (113.9700, -2.2800), (113.9800, -2.3000), (113.9850, -2.3300), (113.9900, -2.3700)]},
    {"name": "Jalan Diponegoro", "highway": "tertiary", "line": [
        (113.9050, -2.2150), (113.9120, -2.2120), (113.9195, -2.2080), (113.9250, -2.2070), (113.9270, -2.2120),
        (113.9300, -2.2200), (113.9300, -2.2380)]},
    {"name": "Jalan G. Obos", "highway": "tertiary", "line": [
        (113.8950, -2.2250), (113.9000, -2.2300), (113.9100, -2.2350), (113.9200, -2.2330), (113.9300, -2.2380)]},
    {"name": "Jalan Adonis Samad", "highway": "tertiary", "line": [
        (113.9300, -2.2380), (113.9390, -2.2285), (113.9427, -2.2260)]},
    {"name": "Jalan Rajawali", "highway": "tertiary", "line": [
        (113.8800, -2.1900), (113.8850, -2.2050), (113.8900, -2.2100), (113.8950, -2.2250)]},
    {"name": "Jalan Tingang", "highway": "tertiary", "line": [
        (113.8985, -2.2000), (113.9000, -2.1900), (113.9080, -2.1820), (113.9150, -2.1800)]},
    {"name": "Jalan Kalampangan", "highway": "tertiary", "line": [
        (113.9700, -2.2800), (113.9550, -2.2920), (113.9400, -2.3000)]},
    {"name": "Jalan Pahandut Seberang", "highway": "secondary", "line": [
        "Jembatan Kahayan:a", (113.9420, -2.1910), (113.9550, -2.1870), (113.9700, -2.1830), (113.9900, -2.1800),
        (114.0200, -2.1700)]},
    {"name": "Jalan Tepian Kahayan Seberang", "highway": "tertiary", "line": [
        (113.9420, -2.1910), (113.9520, -2.1975), (113.9630, -2.2060), (113.9720, -2.2220), (113.9800, -2.2330),
        (113.9950, -2.2400), (114.0120, -2.2620), (114.0270, -2.2950), (114.0380, -2.3300)]},

    # ── Samarinda (north bank: the city centre; south bank: Samarinda Seberang, Loa Janan, Palaran) ──
    {"name": "Jalan Slamet Riyadi", "highway": "secondary", "line": [
        (117.0700, -0.5390), (117.0860, -0.5300), (117.1000, -0.5210), (117.1150, -0.5130), (117.1270, -0.5080)]},
    {"name": "Jalan Gajah Mada", "highway": "secondary", "line": [
        (117.1270, -0.5080), (117.1360, -0.5050), (117.1450, -0.5020), (117.1520, -0.5010), (117.1600, -0.5020)]},
    {"name": "Jalan Yos Sudarso", "highway": "secondary", "line": [
        (117.1600, -0.5020), (117.1720, -0.5060), (117.1830, -0.5130), (117.1940, -0.5250), (117.2060, -0.5330)]},
    {"name": "Jalan Sultan Sulaiman", "highway": "primary", "line": [
        (117.2060, -0.5330), "Jembatan Mahkota II:a"]},
    {"name": "Jalan Sultan Sulaiman", "highway": "secondary", "line": [
        (117.2060, -0.5330), (117.2200, -0.5200), (117.2350, -0.5000), (117.2500, -0.4850)]},
    {"name": "Jalan Jenderal Sudirman", "highway": "primary", "line": [
        (117.1270, -0.5080), "Jembatan Mahakam:a"]},
    {"name": "Jalan Jenderal Sudirman", "highway": "secondary", "line": [
        (117.1450, -0.5020), (117.1460, -0.4960), (117.1470, -0.4880), (117.1470, -0.4750)]},
    {"name": "Jalan Awang Long", "highway": "tertiary", "line": [
        (117.1270, -0.5080), (117.1330, -0.5000), (117.1400, -0.4960), (117.1460, -0.4960), (117.1560, -0.4960),
        (117.1650, -0.4930)]},
    {"name": "Jalan Juanda", "highway": "secondary", "line": [
        (117.1330, -0.5000), (117.1360, -0.4880), (117.1380, -0.4800), (117.1350, -0.4650), (117.1300, -0.4500)]},
    {"name": "Jalan Untung Suropati", "highway": "secondary", "line": [
        (117.1330, -0.5000), (117.1230, -0.5030), (117.1100, -0.5080), (117.0950, -0.5100), (117.0800, -0.5080)]},
    {"name": "Jalan M.T. Haryono", "highway": "tertiary", "line": [
        (117.1100, -0.5080), (117.1120, -0.4950), (117.1150, -0.4800), (117.1250, -0.4700), (117.1350, -0.4650)]},
    {"name": "Jalan Pahlawan", "highway": "secondary", "line": [
        (117.1470, -0.4750), (117.1520, -0.4650), (117.1560, -0.4550), (117.1620, -0.4400), (117.1620, -0.4200),
        (117.1650, -0.4000), (117.1800, -0.3850), (117.2100, -0.3800), (117.2560, -0.3750)]},
    {"name": "Jalan Mulawarman", "highway": "tertiary", "line": [
        (117.1470, -0.4750), (117.1570, -0.4690), (117.1700, -0.4700), (117.1800, -0.4800), (117.1830, -0.4950),
        (117.1830, -0.5130)]},
    {"name": "Jalan Bung Tomo", "highway": "secondary", "line": [
        (117.1000, -0.5560), (117.1150, -0.5400), (117.1270, -0.5290), "Jembatan Mahakam:b"]},
    {"name": "Jalan Bung Tomo", "highway": "secondary", "line": [
        (117.1270, -0.5290), (117.1400, -0.5250), (117.1520, -0.5220), (117.1620, -0.5240), (117.1720, -0.5320),
        (117.1780, -0.5420)]},
    {"name": "Jalan Tepian Samarinda Seberang", "highway": "tertiary", "line": [
        "Jembatan Mahakam:b", (117.1400, -0.5150), (117.1500, -0.5125), (117.1580, -0.5120), (117.1680, -0.5165),
        (117.1760, -0.5230), (117.1780, -0.5420)]},
    {"name": "Jalan Pangeran Bendahara", "highway": "tertiary", "line": [(117.1400, -0.5250), (117.1400, -0.5150)]},
    {"name": "Jalan Sultan Hasanuddin", "highway": "tertiary", "line": [
        (117.1270, -0.5290), (117.1300, -0.5400), (117.1350, -0.5550), (117.1450, -0.5700)]},
    {"name": "Jalan Cipto Mangunkusumo", "highway": "secondary", "line": [
        (117.1000, -0.5560), "Jembatan Mahulu:b"]},
    {"name": "Jalan Cipto Mangunkusumo", "highway": "secondary", "line": [
        (117.1000, -0.5560), (117.0850, -0.5700), (117.0650, -0.5850), (117.0400, -0.6050)]},
    {"name": "Jalan Mahulu", "highway": "secondary", "line": [
        "Jembatan Mahulu:a", (117.0800, -0.5280), (117.0860, -0.5300)]},
    {"name": "Jalan Trikora", "highway": "secondary", "line": [
        "Jembatan Mahkota II:b", (117.1800, -0.5550), (117.1780, -0.5420), (117.1720, -0.5550), (117.1700, -0.5650),
        (117.1450, -0.5700)]},
    {"name": "Jalan Trikora", "highway": "secondary", "line": [
        (117.1800, -0.5550), (117.1820, -0.5750), (117.1850, -0.6000), (117.1880, -0.6200), (117.1900, -0.6500)]},

    # ── Tanah Grogot (Kabupaten Paser) and the road north to Kuaro and Long Ikis ──
    {"name": "Jalan Jenderal Sudirman", "highway": "primary", "line": [
        (116.1700, -1.9150), (116.1870, -1.9150), (116.1950, -1.9110), (116.2050, -1.9120), (116.2250, -1.9150)]},
    {"name": "Jalan Kusuma Bangsa", "highway": "secondary", "line": [
        (116.1870, -1.9150), (116.1880, -1.9080), "Jembatan Kandilo:b"]},
    {"name": "Jalan Kusuma Bangsa", "highway": "secondary", "line": [
        "Jembatan Kandilo:a", (116.1910, -1.8920), (116.1930, -1.8880), (116.1950, -1.8800)]},
    {"name": "Jalan Sultan Ibrahim Khaliluddin", "highway": "tertiary", "line": [
        (116.1950, -1.9110), (116.2020, -1.9100), (116.2100, -1.9090)]},
    {"name": "Jalan Negara Tanah Grogot–Kuaro", "highway": "trunk", "line": [
        (116.1950, -1.8800), (116.1600, -1.8500), (116.1100, -1.8000), (116.0700, -1.7600), (116.1200, -1.7000),
        (116.1800, -1.6500), (116.2200, -1.6100), (116.2600, -1.5300)]},
    {"name": "Jalan Negara Kuaro–Batu Sopang", "highway": "trunk", "line": [
        (116.0700, -1.7600), (116.0200, -1.7750), (115.9700, -1.7900), (115.9300, -1.8000), (115.8800, -1.8300)]},
]

# Residential grids: a lattice of streets `spacing_m` apart, turned by `angle` degrees, with `size` streets each
# way; a street piece nearer a river than its clearance or crossing it is left out; `drop` of the pieces are left
# out at random (seeded by the grid's name) so blocks are not all alike.
GRIDS = [
    {"name": "Pahandut", "origin": (113.9020, -2.2270), "angle": 8, "spacing_m": 260, "size": (14, 10), "drop": 0.08},
    {"name": "Jekan Raya", "origin": (113.8750, -2.2200), "angle": -12, "spacing_m": 300, "size": (10, 9), "drop": 0.1},
    {"name": "Panarung", "origin": (113.9150, -2.2450), "angle": 5, "spacing_m": 300, "size": (9, 6), "drop": 0.1},
    {"name": "Kalampangan", "origin": (113.9580, -2.2900), "angle": 30, "spacing_m": 280, "size": (6, 5), "drop": 0.05},
    {"name": "Tangkiling", "origin": (113.7350, -2.0420), "angle": 40, "spacing_m": 260, "size": (5, 4), "drop": 0.05},
    {"name": "Pahandut Seberang", "origin": (113.9430, -2.1900), "angle": -20, "spacing_m": 250, "size": (8, 5), "drop": 0.05},
    {"name": "Bukit Rawi", "origin": (113.9950, -2.2550), "angle": -35, "spacing_m": 260, "size": (5, 4), "drop": 0.05},
    {"name": "Samarinda Kota", "origin": (117.1230, -0.5040), "angle": -15, "spacing_m": 250, "size": (18, 12), "drop": 0.08},
    {"name": "Sungai Pinang", "origin": (117.1500, -0.4900), "angle": 10, "spacing_m": 280, "size": (10, 9), "drop": 0.1},
    {"name": "Sungai Kunjang", "origin": (117.0850, -0.5250), "angle": -25, "spacing_m": 280, "size": (10, 7), "drop": 0.1},
    {"name": "Samarinda Utara", "origin": (117.1500, -0.4500), "angle": 20, "spacing_m": 300, "size": (8, 8), "drop": 0.1},
    {"name": "Samarinda Seberang", "origin": (117.1150, -0.5500), "angle": -20, "spacing_m": 260, "size": (14, 8), "drop": 0.08},
    {"name": "Sambutan", "origin": (117.1950, -0.5250), "angle": 35, "spacing_m": 280, "size": (7, 6), "drop": 0.1},
    {"name": "Palaran", "origin": (117.1720, -0.6150), "angle": 10, "spacing_m": 280, "size": (7, 7), "drop": 0.1},
    {"name": "Tanah Grogot", "origin": (116.1800, -1.9220), "angle": 0, "spacing_m": 240, "size": (10, 6), "drop": 0.08},
]

# Places outside the grids that get an access road like the stations (landmarks the demo uses).
EXTRA_ACCESS = [
    ("Bandara Tjilik Riwut", (113.9427, -2.2250)),
    ("Bandara APT Pranoto", (117.2560, -0.3740)),
]
