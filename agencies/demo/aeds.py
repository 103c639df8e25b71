"""Demo AEDs (issue 30): defibrillators where Indonesian cities keep them — hospitals, malls, large mosques, government
offices, the airport, bus and river terminals. Places are real landmarks; positions, access and hours are invented
for the demo (no public AED registry exists for these cities yet)."""

AEDS = {
    "pky": [
        # name, (lon, lat), where exactly, access, hours
        ("RSUD dr. Doris Sylvanus", (113.9117, -2.2136), "IGD, dekat meja triase", "public", "24 jam"),
        ("Palangka Raya Mall", (113.9000, -2.1950), "Lobi utama lantai dasar, pos satpam", "restricted", "10.00–22.00"),
        ("Masjid Raya Darussalam", (113.9172, -2.2068), "Serambi kanan, kotak kaca", "public", "04.00–22.00"),
        ("Kantor Gubernur Kalimantan Tengah", (113.9143, -2.2108), "Pos jaga gerbang depan", "restricted", "24 jam (pos jaga)"),
        ("Bandara Tjilik Riwut", (113.9427, -2.2250), "Terminal kedatangan, dekat pusat informasi", "public", "05.00–21.00"),
        ("Pasar Besar Palangka Raya", (113.9240, -2.2010), "Kantor pengelola pasar", "restricted", "06.00–17.00"),
        ("Universitas Palangka Raya", (113.8990, -2.2200), "Klinik kampus, gedung rektorat", "restricted", "07.00–16.00"),
    ],
    "smd": [
        ("RSUD Abdul Wahab Sjahranie", (117.1466, -0.4896), "IGD, dinding dekat pintu masuk", "public", "24 jam"),
        ("Masjid Islamic Center Samarinda", (117.1280, -0.5085), "Kantor sekretariat, lantai dasar", "public", "04.00–22.00"),
        ("Big Mall Samarinda", (117.1098, -0.5155), "Pos keamanan pintu utama", "restricted", "10.00–22.00"),
        ("Balai Kota Samarinda", (117.1505, -0.4985), "Pos jaga lobi", "restricted", "24 jam (pos jaga)"),
        ("Bandara APT Pranoto", (117.2560, -0.3740), "Ruang tunggu keberangkatan", "public", "05.00–21.00"),
        ("Stadion Segiri", (117.1450, -0.4920), "Ruang medis tribun barat", "restricted", "Saat ada kegiatan"),
        ("Pelabuhan Samarinda", (117.1460, -0.5040), "Terminal penumpang, dekat loket", "public", "06.00–20.00"),
    ],
}
