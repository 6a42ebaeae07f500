"""The named Urban Nexus projects (data/projects.geojson)."""
import os

from .common import *  # noqa: F401,F403 (the builders share the helpers and credits)


def projects():
    canal = load("chiang_mai/chiang_mai_mae_kha_canal.osm.geojson")["features"][0]["geometry"]
    senggarang = next(f for f in load("indonesia/tanjungpinang_2172_adm4_kelurahan.geojson")["features"]
                      if f["properties"]["nama"] == "Senggarang")["geometry"]

    def project(slug, city, geometry, **p):
        p.setdefault("visibility", "public")
        return feature(geometry, slug=slug, city=city, **p)

    items = [
        project("cm-mae-kha-canal-rehabilitation", "chiang-mai", canal,
                kind="green_infrastructure",
                title="Mae Kha canal rehabilitation", title_local="โครงการฟื้นฟูคลองแม่ข่า",
                description="Memorandum of Cooperation of 17 March 2017 between the municipality, GIZ Urban Nexus "
                            "and 13 organisations; phase 1 (2022) rebuilt 750 m from Rakaeng bridge to Kad Kom "
                            "market and routed household wastewater to the Pa Daet treatment system.",
                sectors=["water", "land"],
                dimensions=["governance", "inclusive_decision_making", "urban_planning"],
                status="under_construction", start_date="2017-03-17",
                partners=["Chiang Mai Municipality", "GIZ Urban Nexus", "Don Kaew Municipality", "Pa Daet Municipality",
                          "Ragang and Hai Ya communities"],
                source="thai-german-cooperation.info/news/content/330; chiangmaicitylife.com 2022",
                approximate=False),
        project("cm-innovative-wastewater", "chiang-mai", point(98.9990, 18.7960),
                title="Innovative wastewater management and vacuum-sewer pilot",
                title_local="การจัดการน้ำเสียแบบนวัตกรรมและระบบท่อสุญญากาศนำร่อง",
                description="Wastewater technical solutions and innovative collection showcased at WUF9 (2018); "
                            "Muang Mai market wastewater study, December 2015. Point placed near the market.",
                sectors=["water", "energy"], dimensions=["science_technology_innovation", "urban_planning"],
                status="planned", start_date="2015-12-01",
                partners=["Chiang Mai Municipality", "GIZ Urban Nexus"],
                source="happylibnet.com/doc/2702282; thai-german-cooperation.info/news/content/405/19",
                approximate=True),
        project("korat-water-loss-reduction", "korat", point(102.098, 14.975),
                title="Water loss reduction and efficient pumping", title_local="ลดน้ำสูญเสียและการสูบน้ำอย่างมีประสิทธิภาพ",
                description="Water from Lam Takhong dam through a 60 km pipeline; losses of 35-45 % and about "
                            "THB 6 million a month for pumping electricity. Metering and monitoring schemes.",
                sectors=["water", "energy"], dimensions=["science_technology_innovation", "finance_business"],
                status="completed", partners=["Nakhon Ratchasima Municipality", "GIZ Urban Nexus"],
                source="tuewas-asia.org/2017/05/22/korat-case-study; water-energy-food.org", approximate=True),
        project("dn-vacuum-sewer-an-hai-bac", "da-nang", point(108.2355, 16.0710),
                title="Vacuum sewer with biogas and reuse in An Hai Bac", title_local="Thoát nước chân không An Hải Bắc",
                description="Pilot for 110 households combining a vacuum sewer with biogas, fertiliser and "
                            "irrigation water for urban agriculture.",
                sectors=["water", "energy", "food"], dimensions=["science_technology_innovation", "urban_planning"],
                status="completed", partners=["Da Nang People's Committee", "GIZ Urban Nexus"],
                source="tuewas-asia.org da-nang-case-study; mdgasiapacific.org 'An opportunity not to be wasted'",
                approximate=True),
        project("naga-septage-biogas", "naga", point(123.1930, 13.6300),
                kind="biogas_plant",
                title="Biogas at the septage treatment plant with peri-urban farming",
                title_local="Biogas sa planta ng septage at pagsasaka sa paligid ng lungsod",
                description="Biogas added to the Metro Naga Water District septage plant (56 m3/d), with farming.",
                sectors=["water", "energy", "food"], dimensions=["finance_business", "science_technology_innovation"],
                status="completed", partners=["Metro Naga Water District", "City Government of Naga"],
                source="businessdocbox.com 93148710", approximate=True),
        project("naga-del-rosario-waste-to-energy", "naga", point(123.2100, 13.6200),
                kind="energy_facility",
                title="Decentralised waste-to-energy in Del Rosario",
                title_local="Desentralisadong basura-sa-enerhiya sa Del Rosario",
                sectors=["waste", "energy"], dimensions=["science_technology_innovation"],
                status="planned", partners=["City Government of Naga"],
                source="businessdocbox.com 93148710", approximate=True),
        project("sr-relocation-vacuum-sewer", "santa-rosa", point(121.1100, 14.3150),
                title="Relocation housing with vacuum sewer for Brgy Labas families",
                title_local="Pabahay para sa mga pamilyang inilipat mula sa Brgy Labas",
                description="168 informal-settler families from the Labas riverbank on a 1.38 ha site with a vacuum sewer.",
                sectors=["water", "land"], dimensions=["inclusive_decision_making", "urban_planning"],
                status="planned", partners=["City Government of Santa Rosa"],
                source="happylibnet.com/doc/2718895", approximate=True),
        project("tpi-senggarang-wastewater", "tanjungpinang", senggarang,
                kind="settlement",
                title="Innovative wastewater management in Senggarang",
                title_local="Pengelolaan air limbah inovatif di Senggarang",
                description="Vacuum-sewer feasibility study for the coastal stilt-house village (about 23 km2, "
                            "no sewerage), about 100 houses first; Senggarang is the planned new city centre.",
                sectors=["water", "land"], dimensions=["urban_planning", "science_technology_innovation"],
                status="planned", partners=["Kota Tanjungpinang", "GIZ Urban Nexus", "ICLEI Southeast Asia"],
                source="happylibnet.com/doc/2702294; lintaskepri.com", approximate=False),
        project("tpi-ganet-waste-to-energy", "tanjungpinang", point(104.505, 0.915),
                kind="energy_facility",
                title="Waste-to-energy at the Ganet landfill", title_local="Pengolahan sampah menjadi energi di TPA Ganet",
                description="About 400 t/d of waste, half collected to the near-full Ganet landfill; waste-to-energy explored.",
                sectors=["waste", "energy"], dimensions=["finance_business", "science_technology_innovation"],
                status="idea", partners=["Kota Tanjungpinang", "ICLEI Southeast Asia"],
                source="icleiseas.org 2017-11-02", approximate=True),
        project("ub-eco-village-khoroo-19", "ulaanbaatar", point(106.990, 47.930),
                title="Eco Village in Khoroo 19, Bayanzurkh (ger area)", title_local="Баянзүрх дүүргийн 19-р хорооны эко тосгон",
                description="Preliminary study July 2018; MoU with the National Development Agency of 3 July 2018.",
                sectors=["water", "energy", "waste", "land"],
                dimensions=["governance", "urban_planning", "inclusive_decision_making"],
                status="idea", start_date="2018-07-03", partners=["National Development Agency", "GIZ Urban Nexus"],
                source="dokumen.tips eco-village-project-in-khoroo-19; thai-german-cooperation.info/news/content/437/19",
                approximate=True),
        project("rajkot-water-demand", "rajkot", point(70.802, 22.304),
                title="Water demand management and a 24x7 supply pilot", title_local="પાણીની માંગ વ્યવસ્થાપન અને 24x7 પુરવઠો",
                description="Supply of about 106 lpcd for about 20 minutes a day; imported Narmada water costs "
                            "about 6 W per litre to pump.",
                sectors=["water", "energy"], dimensions=["governance", "finance_business"],
                status="planned", partners=["Rajkot Municipal Corporation", "ICLEI South Asia"],
                source="docslib.org/download/3646209", approximate=True),
    ]
    naga_city = next(f for f in load("philippines/camarines_sur_0501700000_municities.medres.geojson")["features"]
                     if f["properties"].get("adm3_en") == "City of Naga")["geometry"]
    items += [
        project("naga-clup-2016-2030", "naga", naga_city,
                title="Comprehensive Land Use Plan 2016-2030 with Nexus principles",
                title_local="Komprehensibong Plano sa Paggamit ng Lupa 2016-2030",
                description="Naga applied Urban Nexus principles in its 2016-2030 Comprehensive Land Use Plan; "
                            "the plan covers the whole city (drawn as the city's boundary).",
                sectors=["land", "water", "energy"], dimensions=["urban_planning", "governance"],
                status="under_construction", start_date="2016-01-01", end_date="2030-12-31",
                partners=["City Government of Naga"],
                source="businessdocbox.com 93148710; boundary: PSA PSGC 2023 via github.com/faeldon/philippines-json-maps",
                approximate=False),
        project("baguio-nexus-wastewater", "baguio", point(120.596, 16.412),
                title="Applying the Nexus approach to wastewater",
                title_local="Paggamit ng Nexus sa maruming tubig",
                description="Baguio, an associate city that attended the 7th regional workshop (Tanjungpinang, "
                            "2017), applies the Nexus approach to wastewater. The sources name no site: the point "
                            "is the city centre.",
                sectors=["water"], dimensions=["urban_planning"], status="idea",
                partners=["City Government of Baguio", "ICLEI Southeast Asia"],
                source="sijoritoday.com 2017 (7th regional workshop); icleiseas.org", approximate=True),
        project("nashik-operationalizing-urban-nexus", "nashik", point(73.790, 19.997),
                title="Operationalizing the Urban NEXUS pilot",
                title_local="अर्बन नेक्सस प्रायोगिक प्रकल्प",
                description="A separate GIZ/ICLEI pilot of the Urban NEXUS approach, 2013-14. The sources name no "
                            "site and no first sector: the point is the city centre, the sectors the approach's own.",
                sectors=["water", "energy", "land"], dimensions=["governance", "urban_planning"],
                status="completed", start_date="2013-01-01", end_date="2014-12-31",
                partners=["GIZ", "ICLEI South Asia"],
                source="southasia.iclei.org operationalization-of-nexus-approaches", approximate=True),
    ]
    write_json(os.path.join(DATA, "projects.geojson"), fc(items, "projects"))
