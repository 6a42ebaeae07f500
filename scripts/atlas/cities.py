"""Chiang Mai and Tanjungpinang in depth: waterways, boundaries, heritage, facilities."""
import os
import tempfile
import zipfile

from .common import *  # noqa: F401,F403 (the builders share the helpers and credits)


def chiang_mai():
    out = os.path.join(DATA, "chiang-mai")
    canal = load("chiang_mai/chiang_mai_mae_kha_canal.osm.geojson")["features"][0]
    write_json(os.path.join(out, "mae-kha-canal.geojson"), fc([feature(
        canal["geometry"], name="Khlong Mae Kha", name_local="คลองแม่ข่า",
        length_km_total=31, width_m=5, flows_to="Ping river (แม่น้ำปิง)",
        approximate=False, source="OpenStreetMap")], "mae_kha_canal"))
    write_text(os.path.join(out, "mae-kha-canal.nexus.toml"), f'''id = "cm-mae-kha-canal"

[meta]
title = "Khlong Mae Kha (Mae Kha canal)"
description = "The ancient outer moat of Chiang Mai, about 31 km long, 11 km inside the municipality."
kind = "waterway"
sectors = ["water"]
city = "chiang-mai"
source = "{OSM}"
licence = "ODbL-1.0"
attribution = "© OpenStreetMap contributors"
visibility = "public"
''')

    rivers = load("chiang_mai/chiang_mai_ping_basin_rivers.osm.geojson")["features"]
    write_json(os.path.join(out, "ping-basin-rivers.geojson"), fc(
        [feature(f["geometry"], name_local=f["properties"].get("name") or None) for f in rivers], "ping_basin_rivers"))
    write_text(os.path.join(out, "ping-basin-rivers.nexus.toml"), f'''id = "cm-rivers"

[meta]
title = "Ping basin rivers"
description = "Rivers and streams of the Ping basin around Chiang Mai (names in Thai where OSM has them)."
kind = "waterway"
sectors = ["water"]
city = "chiang-mai"
source = "{OSM}"
licence = "ODbL-1.0"
attribution = "© OpenStreetMap contributors"
visibility = "public"
''')

    # Tambon boundaries as a municipality would send them: a zipped shapefile, Thai in CP874.
    tambon = load("thailand/chiang_mai_TH50_adm3_tambon.geojson")["features"]
    keep = [feature(f["geometry"], pcode=f["properties"]["ADM3_PCODE"], name=f["properties"]["ADM3_EN"],
                    name_th=f["properties"]["ADM3_TH"], amphoe=f["properties"]["ADM2_EN"],
                    amphoe_th=f["properties"]["ADM2_TH"]) for f in tambon]
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "tambon.geojson")
        write_json(src, fc(keep, "tambon"))
        shp = os.path.join(tmp, "tambon.shp")
        ogr("-f", "ESRI Shapefile", shp, src, "-lco", "ENCODING=CP874", "-nlt", "PROMOTE_TO_MULTI")
        with zipfile.ZipFile(os.path.join(out, "tambon.zip"), "w", zipfile.ZIP_DEFLATED) as z:
            for ext in ("shp", "shx", "dbf", "prj", "cpg"):
                z.write(os.path.join(tmp, f"tambon.{ext}"), f"tambon.{ext}")
    write_text(os.path.join(out, "tambon.nexus.toml"), f'''id = "cm-tambon"

[meta]
title = "Tambon (sub-districts) of Chiang Mai province"
kind = "boundary"
sectors = ["land"]
city = "chiang-mai"
source = "{HDX_TH}"
licence = "CC-BY-IGO"
attribution = "OCHA/HDX, RTSD"
visibility = "public"
minzoom = 6
''')

    # The old-city moat square: the heritage core, as KML (Google Earth is how it gets drawn).
    moat = [[98.9797, 18.7806], [98.9936, 18.7806], [98.9936, 18.7955], [98.9797, 18.7955], [98.9797, 18.7806]]
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "heritage.geojson")
        write_json(src, fc([feature({"type": "Polygon", "coordinates": [moat]},
                                    name="Chiang Mai old walled city", name_local="เมืองเก่าเชียงใหม่",
                                    approximate=True,
                                    source="Moat square from general knowledge (domain notes); the Muang Mai "
                                           "market study lists a 'Cultural Heritage UNESCO' section")], "heritage"))
        ogr("-f", "LIBKML", os.path.join(out, "heritage.kml"), src, "-nln", "heritage")
    write_text(os.path.join(out, "heritage.nexus.toml"), f'''id = "cm-heritage"

[meta]
title = "Old city heritage zone"
description = "The moat square of the walled city, candidate heritage core. Outline approximate."
kind = "heritage_zone"
sectors = ["land"]
city = "chiang-mai"
source = "{APPROX}"
licence = "CC0-1.0"
approximate = true
visibility = "public"
''')

    write_text(os.path.join(out, "treatment-plants.csv"),
               "lon,lat,name,name_local,capacity_m3_per_day,process,approximate,source\n"
               "99.000,18.758,Chiang Mai municipal wastewater treatment plant (Pa Daet),"
               "โรงบำบัดน้ำเสียเทศบาลนครเชียงใหม่,55000,aerated lagoons,true,"
               "\"pattayamail.com 331340; CityNews 2022 (position ±1.5 km, unverified)\"\n")
    write_text(os.path.join(out, "treatment-plants.nexus.toml"), f'''id = "cm-treatment-plants"
source_crs = "EPSG:4326"

[meta]
title = "Wastewater treatment plants"
kind = "treatment_plant"
sectors = ["water"]
city = "chiang-mai"
source = "{APPROX}"
licence = "CC0-1.0"
approximate = true
visibility = "public"
''')

    write_text(os.path.join(out, "waste-sites.csv"),
               "lon,lat,name,name_local,status,approximate,source\n"
               "98.958,18.752,Mae Hia landfill (historic),บ่อขยะแม่เหียะ,closed (used from 1957/58),true,"
               "\"nzdl.org GATE 4/96 (low confidence)\"\n"
               "99.15,18.87,Chiang Mai PAO landfill (Choeng Doi),บ่อฝังกลบขยะ อบจ.เชียงใหม่ เชิงดอย,"
               "operating (about 400 t/d received for 250 t/d capacity),true,\"aseannow.com 1334736 (low confidence)\"\n")
    write_text(os.path.join(out, "waste-sites.nexus.toml"), f'''id = "cm-waste-sites"
source_crs = "EPSG:4326"

[meta]
title = "Waste sites"
kind = "waste_site"
sectors = ["waste"]
city = "chiang-mai"
source = "{APPROX}"
licence = "CC0-1.0"
approximate = true
visibility = "public"
''')


def tanjungpinang():
    out = os.path.join(DATA, "tanjungpinang")
    kel = load("indonesia/tanjungpinang_2172_adm4_kelurahan.geojson")["features"]
    by_name = {f["properties"]["nama"]: f for f in kel}
    with tempfile.TemporaryDirectory() as tmp:
        layers = {
            "kelurahan": [feature(f["geometry"], kode=f["properties"]["kode"], nama=f["properties"]["nama"]) for f in kel],
            "heritage": [feature(by_name["Penyengat"]["geometry"], name="Penyengat Island",
                                 name_local="Pulau Penyengat", landmark="Masjid Raya Sultan Riau",
                                 approximate=False,
                                 source="Kelurahan Penyengat boundary; national cultural-heritage area (kepridays.co.id 2025)")],
            "wastewater": [feature(by_name["Senggarang"]["geometry"], name="Senggarang wastewater area",
                                   name_local="Kawasan air limbah Senggarang",
                                   note="Coastal stilt-house village of about 23 km2 without sewerage; "
                                        "vacuum-sewer feasibility study, about 100 houses first",
                                   approximate=False,
                                   source="Kelurahan Senggarang boundary; happylibnet.com/doc/2702294, lintaskepri.com")],
        }
        gpkg = os.path.join(out, "tanjungpinang.gpkg")
        os.makedirs(out, exist_ok=True)
        if os.path.exists(gpkg):
            os.remove(gpkg)
        for name, feats in layers.items():
            src = os.path.join(tmp, f"{name}.geojson")
            write_json(src, fc(feats, name))
            ogr("-f", "GPKG", *(["-update"] if os.path.exists(gpkg) else []), gpkg, src, "-nln", name,
                "-nlt", "PROMOTE_TO_MULTI")
    write_text(os.path.join(out, "tanjungpinang.nexus.toml"), f'''# One GeoPackage, three layers, each with its own description.

[meta]
city = "tanjungpinang"
licence = "MIT"
visibility = "public"

[[layers]]
source_layer = "kelurahan"
id = "tpi-kelurahan"
[layers.meta]
title = "Kelurahan (urban villages) of Tanjungpinang"
kind = "boundary"
sectors = ["land"]
source = "{IDN}"

[[layers]]
source_layer = "heritage"
id = "tpi-heritage"
[layers.meta]
title = "Penyengat Island heritage area"
kind = "heritage_zone"
sectors = ["land"]
source = "{IDN}; heritage status: kepridays.co.id 2025"

[[layers]]
source_layer = "wastewater"
id = "tpi-senggarang"
[layers.meta]
title = "Senggarang innovative wastewater area"
kind = "project_footprint"
sectors = ["water"]
source = "{IDN}; project: happylibnet.com/doc/2702294"
''')

    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "waste.geojson")
        write_json(src, fc([feature(point(104.505, 0.915), name="Ganet landfill", name_local="TPA Ganet",
                                    note="The city's only landfill, near capacity; about 400 t/d generated, half collected",
                                    approximate=True,
                                    source="publisher.uthm.edu.my IJSCET 10577; icleiseas.org 2017-11-02 (position low confidence)")],
                              "waste_sites"))
        dst = os.path.join(out, "waste-sites.fgb")
        if os.path.exists(dst):
            os.remove(dst)
        ogr("-f", "FlatGeobuf", dst, src, "-nln", "waste_sites")
    write_text(os.path.join(out, "waste-sites.nexus.toml"), f'''id = "tpi-waste-sites"

[meta]
title = "Waste sites"
kind = "waste_site"
sectors = ["waste"]
city = "tanjungpinang"
source = "{APPROX}"
licence = "CC0-1.0"
approximate = true
visibility = "public"
''')
